import type { Kafka } from '../../../src/runtime/kafka/kafkajs.js';

/** Reads a topic from the start to its current end with read_committed; resolves with every record. */
export async function readWholeTopic(
  client: Kafka,
  topic: string,
  groupId: string,
): Promise<{ partition: number; offset: string; key: string; value: string }[]> {
  const admin = client.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map<number, bigint>();
  for (const { partition, high, low } of offsets) {
    if (BigInt(high) > BigInt(low)) remaining.set(partition, BigInt(high) - 1n);
  }
  const records: { partition: number; offset: string; key: string; value: string }[] = [];
  // a consumer may be handed a batch again (a fetch retried, a rebalance): each log record counts once
  const seen = new Set<string>();
  if (remaining.size === 0) return records;
  const consumer = client.consumer({ groupId, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `reading ${topic}: partitions ${[...remaining.keys()].join(',')} not read to the end`,
          ),
        );
      }, 60_000);
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const target = remaining.get(payload.partition);
        if (target !== undefined && BigInt(payload.lastOffset) >= target)
          remaining.delete(payload.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      void consumer.run({
        eachMessage: ({ partition, message }) => {
          const position = `${partition}:${message.offset}`;
          if (!seen.has(position)) {
            seen.add(position);
            records.push({
              partition,
              offset: message.offset,
              key: String(message.key),
              value: String(message.value),
            });
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Resolves once the group has committed the end offset of every partition of the topic. */
export async function awaitCommittedToEnd(
  client: Kafka,
  groupId: string,
  topic: string,
  timeoutMs = 120_000,
): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const behind = ends.filter(({ partition, high }) => {
        const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return BigInt(at) < BigInt(high);
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `group ${groupId} did not commit to the end of ${topic}; behind on partitions ${behind.map((p) => p.partition).join(',')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }
}
