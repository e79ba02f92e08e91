/**
 * The kafkajs implementation of the engine's transport.
 *
 * What kafkajs cannot give, and how the stage runner compensates:
 * - sendOffsets carries no group generation (no EOS v2): zombie fencing comes
 *   from one transactional id per task, and the runner re-reads the committed
 *   offset after it has fenced older owners.
 * - no manual partition assignment: restore uses a throw-away consumer group
 *   that reads the changelog topics and pauses partitions it does not need.
 * - read_committed lets records of aborted transactions through when several
 *   aborted transactions overlap a fetch: ./kafkajs.ts swaps in our filter.
 * - eager rebalancing only: every rebalance revokes every partition; the
 *   sticky co-partitioned assigner keeps tasks where they were when it can.
 */
import { randomUUID } from 'node:crypto';
import {
  Kafka,
  kafkajs,
  logLevel,
  type Admin,
  type Consumer,
  type KafkaConfig,
  type Message,
  type Producer,
  type Transaction,
  readCommittedFilterInstalled,
} from './kafkajs.js';
import { keyPartitioner } from './key-partitioner.js';
import {
  RECORD_BATCH_HEADER,
  recordInBatchBytes,
  type ProducedRecord,
  type RecordHeaders,
} from '../record.js';
import type { RawRecord } from '../task.js';
import {
  EARLIEST,
  TaskFencedError,
  type OffsetCommit,
  type PartitionLag,
  type RestoreRequest,
  type StageConsumer,
  type StageConsumerHandlers,
  type StreamTransport,
  type TaskProducer,
  type TopicSpec,
} from '../transport.js';
import type { RuntimeLogger } from '../observer.js';
import { coPartitionedAssigner } from './co-partitioned-assigner.js';
import { kafkajsLogCreator } from './kafkajs-logging.js';

/** how long a stage consumer's fetch waits at the broker for data; see runStageConsumer */
const STAGE_FETCH_MAX_WAIT_MS = 500;
/** a stage consumer heartbeats at most this often, between fetches and batches */
const STAGE_HEARTBEAT_INTERVAL_MS = 1_000;

const FENCED_ERRORS = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

export interface KafkaTransportOptions {
  readonly clientId: string;
  /** kafkajs' own log lines go here; retriable protocol noise is logged at debug */
  readonly logger?: RuntimeLogger;
  readonly brokers: readonly string[];
  /** extra kafkajs settings: ssl, sasl, timeouts */
  readonly kafka?: Omit<KafkaConfig, 'brokers' | 'clientId'>;
  readonly sessionTimeoutMs?: number;
  readonly transactionTimeoutMs?: number;
}

export class KafkajsTransport implements StreamTransport {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;

  constructor(private readonly options: KafkaTransportOptions) {
    if (!readCommittedFilterInstalled()) {
      throw new Error(
        'kafkajs was loaded before src/runtime/kafka/kafkajs.ts: its read_committed filter would deliver records of aborted transactions; import kafkajs through that module',
      );
    }
    this.kafka = new Kafka({
      logLevel: logLevel.WARN,
      ...(options.logger ? { logCreator: kafkajsLogCreator(options.logger) } : {}),
      ...options.kafka,
      clientId: options.clientId,
      brokers: [...options.brokers],
    });
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({
            name,
            value,
          })),
        })),
      });
    } catch (error) {
      // another worker of the fleet created them first
      if (!isTopicExistsError(error)) throw error;
    }
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const wanted = topics.filter((topic) => existing.has(topic));
    const counts = new Map<string, number>();
    if (wanted.length === 0) return counts;
    const metadata = await admin.fetchTopicMetadata({ topics: wanted });
    for (const topic of metadata.topics) counts.set(topic.name, topic.partitions.length);
    return counts;
  }

  async recordBatchLimits(topics: readonly string[]): Promise<Map<string, number>> {
    const limits = new Map<string, number>();
    if (topics.length === 0) return limits;
    const admin = await this.connectedAdmin();
    const described = await admin.describeConfigs({
      resources: topics.map((name) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes'],
      })),
      includeSynonyms: false,
    });
    for (const resource of described.resources) {
      if (resource.errorCode !== 0) continue;
      const entry = resource.configEntries.find((e) => e.configName === 'max.message.bytes');
      const limit = Number(entry?.configValue);
      if (Number.isSafeInteger(limit) && limit > 0) limits.set(resource.resourceName, limit);
    }
    return limits;
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    const admin = await this.connectedAdmin();
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const offsets = new Map<number, string>();
    for (const { partition, offset } of result?.partitions ?? []) {
      if (offset !== '-1') offsets.set(partition, offset);
    }
    return offsets;
  }

  async consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    if (topics.length === 0) return [];
    const admin = await this.connectedAdmin();
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    const lags: PartitionLag[] = [];
    for (const topic of topics) {
      const commits = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
      const ends = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
      for (const { partition, high, low } of ends) {
        const offset = commits.find((commit) => commit.partition === partition)?.offset ?? '-1';
        const from = offset === '-1' ? BigInt(low) : BigInt(offset);
        const lag = BigInt(high) - from;
        lags.push({ topic, partition, lag: lag > 0n ? Number(lag) : 0 });
      }
    }
    return lags;
  }

  isTransient(error: unknown): boolean {
    return isTransientKafkaError(error);
  }

  async createTaskProducer(
    transactionalId: string,
    consumerGroupId: string,
    recordBatchLimitOf: (topic: string) => number | undefined = () => undefined,
  ): Promise<TaskProducer> {
    const producer = this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.options.transactionTimeoutMs ?? 60_000,
      // the broker answers CONCURRENT_TRANSACTIONS while it completes the
      // previous commit (a few ms); kafkajs' default first retry is 300 ms
      retry: { initialRetryTime: 20, retries: 8 },
      createPartitioner: keyPartitioner,
    });
    try {
      await producer.connect();
      // kafkajs' connect() asks for a producer id *without* the transactional
      // id; the transactional InitProducerId (which bumps the epoch, fences any
      // older owner and aborts or completes its open transaction) runs only at
      // the first transaction(). A task must be fenced before it reads the
      // changelog and the committed offsets, so that first transaction is
      // opened here and ended without a request to the broker.
      const fencing = await producer.transaction();
      await fencing.abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    return new KafkajsTaskProducer(producer, transactionalId, consumerGroupId, recordBatchLimitOf);
  }

  async restore(request: RestoreRequest): Promise<{ records: number }> {
    const admin = await this.connectedAdmin();
    const wanted = new Set(request.partitions);
    const remaining = new Map<string, bigint>(); // `${topic}:${partition}` → last offset to read
    for (const topic of request.topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (wanted.has(partition) && BigInt(high) > BigInt(low)) {
          remaining.set(`${topic}:${partition}`, BigInt(high) - 1n);
        }
      }
    }
    if (remaining.size === 0) return { records: 0 };

    let records = 0;
    const consumer = this.kafka.consumer({
      groupId: `${this.options.clientId}-restore-${randomUUID()}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    try {
      await new Promise<void>((resolve, reject) => {
        const reached = (topic: string, partition: number, lastOffset: string) => {
          const key = `${topic}:${partition}`;
          const target = remaining.get(key);
          if (target !== undefined && BigInt(lastOffset) >= target) remaining.delete(key);
          if (remaining.size === 0) resolve();
        };
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          reached(payload.topic, payload.partition, payload.lastOffset);
        });
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          reject(payload.error);
        });
        void consumer
          .subscribe({ topics: [...request.topics], fromBeginning: true })
          .then(() =>
            consumer.run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                if (!wanted.has(batch.partition)) {
                  consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
                  return;
                }
                for (const message of batch.messages) {
                  request.apply(
                    batch.topic,
                    batch.partition,
                    message.key?.toString() ?? '',
                    message.value,
                  );
                  records++;
                }
                await Promise.resolve();
              },
            }),
          )
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return { records };
  }

  async runStageConsumer(
    groupId: string,
    topics: readonly string[],
    handlers: StageConsumerHandlers,
    options: { partitionsConsumedConcurrently: number },
  ): Promise<StageConsumer> {
    let owned: readonly number[] = [];
    const consumer: Consumer = this.kafka.consumer({
      groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      // kafkajs heartbeats only between fetches and batches (the Java client has a
      // heartbeat thread), so a member learns of a rebalance at its next heartbeat
      // after a fetch returns. kafkajs' defaults (5 s fetch wait, 3 s interval) let an
      // idle stage hold a joining worker up to ~8 s per stage; the Java client's
      // fetch.max.wait.ms is 500 ms.
      maxWaitTimeInMs: STAGE_FETCH_MAX_WAIT_MS,
      heartbeatInterval: STAGE_HEARTBEAT_INTERVAL_MS,
      partitionAssigners: [coPartitionedAssigner(() => owned)],
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = new Set<number>();
      for (const list of Object.values(payload.memberAssignment)) {
        for (const partition of list) partitions.add(partition);
      }
      owned = [...partitions].sort((a, b) => a - b);
      handlers.onAssigned(owned);
    });
    consumer.on(consumer.events.REBALANCING, () => {
      handlers.onRebalancing();
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // kafkajs resolves a fetch it filtered to nothing itself, without eachBatch;
      // firstOffset is null (untyped) when the fetch held nothing at or after the offset asked for
      const firstOffset = payload.firstOffset as string | null;
      if (payload.batchSize !== 0 || firstOffset === null) return;
      void handlers.onNoData(payload.topic, payload.partition, {
        firstOffset,
        nextOffset: (BigInt(payload.lastOffset) + 1n).toString(),
        highWatermark: payload.highWatermark,
      });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) handlers.onCrash(payload.error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    } catch (error) {
      // a worker that retries its start builds a new consumer
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const records: RawRecord[] = batch.messages.map((message) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: toHeaders(message.headers),
          recordTimestamp: Number(message.timestamp),
        }));
        await handlers.onBatch(batch.topic, batch.partition, records, {
          heartbeat: () => payload.heartbeat(),
          isStale: () => payload.isStale(),
          nextOffset: (BigInt(batch.lastOffset()) + 1n).toString(),
          highWatermark: batch.highWatermark,
        });
      },
    });
    return {
      seek: (topic, partition, offset) => {
        consumer.seek({ topic, partition, offset: offset === EARLIEST ? '-2' : offset });
      },
      pause: (topic, partition) => {
        consumer.pause([{ topic, partitions: [partition] }]);
      },
      resume: (topic, partition) => {
        consumer.resume([{ topic, partitions: [partition] }]);
      },
      stop: async () => {
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = undefined;
  }
}

class KafkajsTaskProducer implements TaskProducer {
  /** opened by `send`, ended by `commitTransaction` */
  private open: Transaction | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly transactionalId: string,
    private readonly consumerGroupId: string,
    private readonly recordBatchLimitOf: (topic: string) => number | undefined,
  ) {}

  async send(records: readonly ProducedRecord[]): Promise<void> {
    const transaction = (this.open ??= await this.begin());
    try {
      await this.sendChunks(transaction, records);
    } catch (error) {
      throw await this.aborted(transaction, error);
    }
  }

  async commitTransaction(
    records: readonly ProducedRecord[],
    offsets: readonly OffsetCommit[],
  ): Promise<void> {
    const transaction = this.open ?? (await this.begin());
    try {
      await this.sendChunks(transaction, records);
      if (offsets.length > 0) {
        await transaction.sendOffsets({
          consumerGroupId: this.consumerGroupId,
          topics: groupOffsets(offsets),
        });
      }
      await transaction.commit();
      this.open = undefined;
    } catch (error) {
      throw await this.aborted(transaction, error);
    }
  }

  private async begin(): Promise<Transaction> {
    try {
      return await this.producer.transaction();
    } catch (error) {
      throw isFencedError(error) ? new TaskFencedError(this.transactionalId, error) : error;
    }
  }

  private async sendChunks(
    transaction: Transaction,
    records: readonly ProducedRecord[],
  ): Promise<void> {
    // kafkajs puts a partition's records of one send into one record batch,
    // which the broker refuses above the topic's max.message.bytes (1 MB by
    // default): a transaction that closes many windows at once is sent in chunks
    for (const chunk of chunksOf(records, MAX_SEND_BYTES, this.recordBatchLimitOf)) {
      await transaction.sendBatch({ topicMessages: groupByTopic(chunk), acks: -1 });
    }
  }

  /** Aborts what the transaction holds; the error to throw for the failure. */
  private async aborted(transaction: Transaction, error: unknown): Promise<unknown> {
    this.open = undefined;
    await transaction.abort().catch(() => undefined);
    return isFencedError(error) ? new TaskFencedError(this.transactionalId, error) : error;
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** Bytes of keys, values and headers sent in one produce call of a transaction, at most (about). */
const MAX_SEND_BYTES = 512 * 1024;

/**
 * Splits records into runs of at most `maxBytes` in all, in which the
 * records of each topic make a record batch no larger than its
 * `recordBatchLimitOf` (counted per topic, not per partition: the
 * partitioner's choice is not known here). A record too large for either
 * stands alone; the broker's answer is then the task's to handle.
 */
export function chunksOf(
  records: readonly ProducedRecord[],
  maxBytes: number,
  recordBatchLimitOf: (topic: string) => number | undefined = () => undefined,
): ProducedRecord[][] {
  const chunks: ProducedRecord[][] = [];
  let chunk: ProducedRecord[] = [];
  let bytes = 0;
  /** per topic in the chunk: the bytes of its record batch */
  const batchBytes = new Map<string, number>();
  for (const record of records) {
    const size = recordInBatchBytes(record);
    const batch = batchBytes.get(record.topic) ?? RECORD_BATCH_HEADER;
    const limit = recordBatchLimitOf(record.topic) ?? Infinity;
    if (chunk.length > 0 && (bytes + size > maxBytes || batch + size > limit)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
      batchBytes.clear();
    }
    chunk.push(record);
    bytes += size;
    batchBytes.set(record.topic, (batchBytes.get(record.topic) ?? RECORD_BATCH_HEADER) + size);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function groupByTopic(
  records: readonly ProducedRecord[],
): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    let messages = byTopic.get(record.topic);
    if (!messages) {
      messages = [];
      byTopic.set(record.topic, messages);
    }
    messages.push({
      key: record.key,
      value: record.value,
      headers: fromHeaders(record.headers),
      ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
      ...(record.partition === undefined ? {} : { partition: record.partition }),
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function groupOffsets(offsets: readonly OffsetCommit[]) {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const list = byTopic.get(topic) ?? [];
    list.push({ partition, offset });
    byTopic.set(topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

function toHeaders(headers: Message['headers']): RecordHeaders {
  const result: RecordHeaders = {};
  // for-in, not Object.entries: no array per header on a path taken for every record
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    // a repeated header keeps its last value, as most CloudEvents readers do
    result[name] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return result;
}

function fromHeaders(headers: RecordHeaders | undefined): Message['headers'] {
  if (!headers) return undefined;
  const result: NonNullable<Message['headers']> = {};
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const value = headers[name];
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/** kafkajs errors of a broker that cannot be reached (yet); kafkajs marks them retriable or wraps them */
const UNREACHABLE_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
]);

/**
 * The broker is away or still starting: a connection error, or a retriable
 * protocol error (coordinator loading, leader not available) that outlasted
 * kafkajs' own retries. Authentication, authorisation and configuration
 * errors are not transient.
 */
export function isTransientKafkaError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (UNREACHABLE_ERRORS.has(e.name)) return true;
    if ((e as { retriable?: unknown }).retriable === true) return true;
  }
  return false;
}

function isFencedError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && FENCED_ERRORS.has(type)) return true;
    if (e.name === 'KafkaJSNonRetriableError' && /fenced|epoch/i.test(e.message)) return true;
  }
  return false;
}

function isTopicExistsError(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${JSON.stringify(error)}` : String(error);
  return /TOPIC_ALREADY_EXISTS|already exists/i.test(text);
}
