/** Small Kafka reads the CLI needs: a topic to its end, a group caught up with its inputs. */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from '../runtime/kafka/kafkajs.js';

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly message: KafkaMessage;
}

/** Every committed record of the topics, from the start to their end when called. */
export async function readToEnd(kafka: Kafka, topics: readonly string[]): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(high) > BigInt(low)) remaining.set(`${topic}:${partition}`, BigInt(high) - 1n);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const records: ReadRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({
    groupId: `cdstream-read-${randomUUID()}`,
    readUncommitted: false,
  });
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const key = `${payload.topic}:${payload.partition}`;
        const target = remaining.get(key);
        if (target !== undefined && BigInt(payload.lastOffset) >= target) remaining.delete(key);
        if (remaining.size === 0) resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        reject(payload.error);
      });
      void consumer
        .subscribe({ topics: [...topics], fromBeginning: true })
        .then(() =>
          consumer.run({
            eachMessage: ({ topic, partition, message }) => {
              records.push({ topic, partition, offset: message.offset, message });
              return Promise.resolve();
            },
          }),
        )
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Resolves when each group has committed the end of its topic, all at once; polls every 25 ms. */
export async function awaitCaughtUp(
  kafka: Kafka,
  groups: readonly { groupId: string; topic: string }[],
  timeoutMs: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      let behind: string | undefined;
      for (const { groupId, topic } of groups) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const lagging = ends.find(({ partition, high }) => {
          const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
          return BigInt(high) > 0n && BigInt(at) < BigInt(high);
        });
        if (lagging) {
          behind = `${groupId} on ${topic}`;
          break;
        }
      }
      if (behind === undefined) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${behind} to catch up`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await admin.disconnect();
  }
}
