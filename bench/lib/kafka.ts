/** Kafka helpers shared by the benchmarks and the fault suite: topics, producing, waiting, reading. */
import {
  kafkajs,
  Kafka,
  logLevel,
  type Admin,
  type IHeaders,
  type Message,
} from '../../src/runtime/kafka/kafkajs.js';
import { endpointsFromEnvironment, LOCAL_SERVICES } from '../../src/config/environment.js';
import type { GeneratedRecord } from './events.js';

export const brokers: string[] = [
  ...(endpointsFromEnvironment().kafkaBrokers ?? LOCAL_SERVICES.kafkaBrokers),
];

export function kafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, maxRetryTime: 5_000 },
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The consumer group of hop `index` of a pipe worker: the pipe's own group when it has one hop. */
export function pipeHopGroup(group: string, index: number, hops: number): string {
  return hops === 1 ? group : `${group}-hop${index}`;
}

/**
 * Creates the topics that do not exist yet. Right after the broker starts,
 * waiting for leaders can fail with a retriable error (the metadata has not
 * reached the broker yet): tried again, a few times.
 */
export async function createTopics(
  client: Kafka,
  topics: readonly string[],
  partitions: number,
  config: Record<string, string> = {},
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createMissingTopics(client, topics, partitions, config);
      return;
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= 5) throw error;
      await sleep(1000 * attempt);
    }
  }
}

async function createMissingTopics(
  client: Kafka,
  topics: readonly string[],
  partitions: number,
  config: Record<string, string>,
): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: partitions,
        configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes every topic whose name starts with `prefix` (a run's topics and
 * its applications' internal topics). A run leaves some 500 partitions; a
 * day of runs kept left the local broker out of file descriptors.
 */
export async function deleteTopicsWithPrefix(
  client: Kafka,
  prefix: string,
  keep: ReadonlySet<string> = new Set(),
): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter(
      (topic) => topic.startsWith(prefix) && !keep.has(topic),
    );
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 60_000 });
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}

export function toMessage(record: GeneratedRecord, timestamp = Date.now()): Message {
  return {
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: String(timestamp),
  };
}

/** Produces every record (idempotent producer, acks=all) in batches; resolves with the count. */
/**
 * Produces the records in order: one send at a time, so each partition holds
 * them in the order given (kafkajs does not keep the order of concurrent
 * sends; with several in flight, a partition got events an hour of event
 * time out of order, and the pipeline rightly called them late).
 */
export async function produceAll(
  client: Kafka,
  topic: string,
  records: Iterable<Message>,
  batchSize = 2_000,
): Promise<number> {
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let count = 0;
  let batch: Message[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic, messages: batch, acks: -1 });
    count += batch.length;
    batch = [];
  };
  try {
    for (const message of records) {
      batch.push(message);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return count;
}

export async function endOffsets(client: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = client.admin();
  await admin.connect();
  try {
    return await endsOf(admin, topic);
  } finally {
    await admin.disconnect();
  }
}

async function endsOf(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const ends = await admin.fetchTopicOffsets(topic);
  return new Map(ends.map(({ partition, high }) => [partition, BigInt(high)]));
}

/**
 * Offsets a group has committed on a topic, summed over its partitions (none committed: 0):
 * its records read, for a topic written without transactions (markers take offsets too).
 */
export async function committedOffsetsSum(
  client: Kafka,
  groupId: string,
  topic: string,
): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (committed?.partitions ?? []).reduce(
      (sum, { offset }) => sum + Math.max(0, Number(offset)),
      0,
    );
  } finally {
    await admin.disconnect();
  }
}

export async function recordCount(client: Kafka, topic: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.reduce((sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves once `groupId` has committed the end offset of every partition of
 * `topic` (a transactional topic's end includes commit markers, which a
 * committed offset passes too). Polls the broker; gives up after `timeoutMs`.
 * The end is read anew on every poll: for a topic that keeps growing use
 * committedPast.
 */
export async function committedToEnd(
  client: Kafka,
  groupId: string,
  topic: string,
  timeoutMs = 1_800_000,
  pollMs = 100,
): Promise<void> {
  await awaitCommitted(client, groupId, topic, undefined, timeoutMs, pollMs);
}

/**
 * Resolves once `groupId` has committed at or past `ends` (endOffsets, read
 * once) on every partition of `topic`. A live stage's input keeps growing
 * after its upstream has finished (watermark records every second, their
 * transaction markers), so the group is rarely at the very end of all
 * partitions at once: chasing that end adds a tail of random length.
 */
export async function committedPast(
  client: Kafka,
  groupId: string,
  topic: string,
  ends: ReadonlyMap<number, bigint>,
  timeoutMs = 1_800_000,
  pollMs = 100,
): Promise<void> {
  await awaitCommitted(client, groupId, topic, ends, timeoutMs, pollMs);
}

async function awaitCommitted(
  client: Kafka,
  groupId: string,
  topic: string,
  fixedEnds: ReadonlyMap<number, bigint> | undefined,
  timeoutMs: number,
  pollMs: number,
): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        const ends = fixedEnds ?? (await endsOf(admin, topic));
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        // an empty partition (end 0) has nothing to commit
        const behind = [...ends].filter(([partition, end]) => {
          const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
          return end > 0n && BigInt(at) < end;
        });
        if (behind.length === 0) return;
      } catch {
        // the broker may be away during a fault; keep polling until the deadline
      }
      if (Date.now() > deadline) {
        throw new Error(`group ${groupId} did not commit to the end of ${topic} in time`);
      }
      await sleep(pollMs);
    }
  } finally {
    await admin.disconnect();
  }
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  readonly timestamp: number;
}

export function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}

/** Reads a topic from its start to its current end, read_committed, calling `onRecord` for each. */
export async function readTopic(
  client: Kafka,
  topic: string,
  groupId: string,
  onRecord: (record: ReadRecord) => void,
): Promise<number> {
  const ends = await endOffsets(client, topic);
  const admin = client.admin();
  await admin.connect();
  const starts = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map<number, bigint>();
  for (const { partition, low } of starts) {
    const end = ends.get(partition) ?? 0n;
    if (end > BigInt(low)) remaining.set(partition, end);
  }
  if (remaining.size === 0) return 0;
  let count = 0;
  let quiet: NodeJS.Timeout | undefined;
  const consumer = client.consumer({ groupId, readUncommitted: false, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    let lastProgress = Date.now();
    await new Promise<void>((resolve, reject) => {
      // aborted transactions at a partition's tail leave nothing to deliver: quiet for 10 s is the end
      quiet = setInterval(() => {
        if (Date.now() - lastProgress > 10_000) resolve();
      }, 1_000);
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        reject(payload.error);
      });
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            count++;
            onRecord({
              partition: batch.partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value,
              headers: headersOf(message.headers),
              timestamp: Number(message.timestamp),
            });
          }
          // the end offset sits past a commit marker that no message carries
          const end = remaining.get(batch.partition);
          if (end !== undefined && BigInt(batch.lastOffset()) + 2n >= end) {
            remaining.delete(batch.partition);
          }
          lastProgress = Date.now();
          if (remaining.size === 0) resolve();
          await Promise.resolve();
        },
      });
    });
  } finally {
    clearInterval(quiet);
    await consumer.disconnect();
  }
  return count;
}

/**
 * Raises max.message.bytes of every topic whose name starts with `prefix`.
 * kafkajs sends one record batch per partition per transaction, and the
 * aggregate stage can put more than the broker's default 1 MB into one
 * changelog or metrics partition in one transaction: refused on every retry,
 * the task never progresses. Until the runtime splits such batches, benchmark
 * and fault runs lift the limit on their own topics.
 */
/** Raises max.message.bytes of the named topics (only inputs: a producer's topic may take large records). */
export async function raiseMessageLimit(
  client: Kafka,
  names: readonly string[],
  bytes = 16 * 1024 * 1024,
) {
  const admin = client.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((name) => existing.has(name));
    if (topics.length === 0) return;
    await admin.alterConfigs({
      validateOnly: false,
      resources: topics.map((name) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
