/**
 * What the engine needs from a Kafka client. The stage runner holds the
 * exactly-once logic (fencing order, restore, offset checks, retries) and
 * talks only to these interfaces, so a second client (for example
 * @confluentinc/kafka-javascript with EOS v2 and cooperative rebalancing) is
 * one more implementation of this file, not a new engine.
 */
import type { ProducedRecord } from './record.js';
import type { RawRecord } from './task.js';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** broker topic configs, e.g. cleanup.policy=compact */
  readonly config?: Readonly<Record<string, string>>;
}

export interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  /** the next offset to read */
  readonly offset: string;
}

/** A transactional producer owned by one task; creating it fences older owners of its id. */
export interface TaskProducer {
  /**
   * Produces records into the task's open transaction, opening one if there
   * is none: they become visible with the next `commitTransaction`, or never.
   * Lets a task that emits many records at once send them as it goes instead
   * of holding them all until the commit. On failure the transaction is
   * aborted and the task must be rebuilt from its last commit.
   */
  send(records: readonly ProducedRecord[]): Promise<void>;
  /**
   * Produces the records and commits the offsets in one transaction, the
   * open one if `send` opened it; on failure nothing of it is visible.
   */
  commitTransaction(
    records: readonly ProducedRecord[],
    offsets: readonly OffsetCommit[],
  ): Promise<void>;
  close(): Promise<void>;
}

export interface BatchContext {
  /** keeps the group membership alive during long work */
  heartbeat(): Promise<void>;
  /** true once a seek is pending for this partition: the rest of the batch is not to be processed */
  isStale(): boolean;
  /**
   * The offset after the batch, transaction markers included: once every
   * record is processed the position may move there, so a caught-up group
   * commits the end of a transactionally written topic, not the marker before it.
   */
  readonly nextOffset: string;
  /** the partition's end when the batch was fetched: at or past it, the consumer is caught up */
  readonly highWatermark: string;
}

export interface StageConsumerHandlers {
  /** the partitions (numbers) assigned after each rebalance; called before the first batch */
  onAssigned(partitions: readonly number[]): void;
  /** a rebalance started: finish work while ownership still holds */
  onRebalancing(): void;
  onBatch(
    topic: string,
    partition: number,
    records: readonly RawRecord[],
    context: BatchContext,
  ): Promise<void>;
  /**
   * A fetch held only transaction markers and records of aborted
   * transactions: offsets `range.firstOffset` up to `range.nextOffset` carry
   * no data. kafkajs hands such a fetch to no batch handler, so without this
   * a group that has read a partition ending in markers never commits its end.
   */
  onNoData(topic: string, partition: number, range: NoDataRange): Promise<void>;
  /** the consumer stopped on an error it will not retry */
  onCrash(error: Error): void;
}

export interface NoDataRange {
  readonly firstOffset: string;
  readonly nextOffset: string;
  /** the partition's end when the fetch was made */
  readonly highWatermark: string;
}

/** Seek target (an offset string) for a partition that has no committed offset yet. */
export const EARLIEST = 'earliest';

export interface StageConsumer {
  /** moves the consumer's position; takes effect before its next fetch of that partition */
  seek(topic: string, partition: number, offset: string): void;
  /** stops fetching a partition until `resume`; batches fetched but not handed over are dropped (fetched again later) */
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
  stop(): Promise<void>;
}

export interface RestoreRequest {
  readonly topics: readonly string[];
  readonly partitions: readonly number[];
  readonly apply: (topic: string, partition: number, key: string, value: Buffer | null) => void;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** records between the group's committed offset and the partition's end */
  readonly lag: number;
}

export interface StreamTransport {
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** partition count of each topic that exists */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  /**
   * The largest record batch each topic takes (its max.message.bytes), of
   * the topics the broker says it of; none when it does not (for example,
   * not authorised to describe configs).
   */
  recordBatchLimits(topics: readonly string[]): Promise<Map<string, number>>;
  /** committed offsets of a group on a topic; partitions without a commit are absent */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, string>>;
  /** lag of a group on every partition of the topics; a partition it never committed counts from its start */
  consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]>;
  /**
   * A producer whose transactions commit offsets for `consumerGroupId`. It
   * sends a topic's records in record batches no larger than
   * `recordBatchLimitOf` says the topic takes (as `recordBatchLimits` read it).
   */
  createTaskProducer(
    transactionalId: string,
    consumerGroupId: string,
    recordBatchLimitOf?: (topic: string) => number | undefined,
  ): Promise<TaskProducer>;
  /** reads the given partitions of the changelogs from the start to their current end */
  restore(request: RestoreRequest): Promise<{ records: number }>;
  runStageConsumer(
    groupId: string,
    topics: readonly string[],
    handlers: StageConsumerHandlers,
    options: { partitionsConsumedConcurrently: number },
  ): Promise<StageConsumer>;
  close(): Promise<void>;
  /** the broker is unreachable or not ready yet: the same call may succeed later */
  isTransient(error: unknown): boolean;
}

/** The producer lost its transactional id to a newer owner: the task is no longer ours. */
export class TaskFencedError extends Error {
  constructor(transactionalId: string, cause: unknown) {
    super(`transactional id ${transactionalId} was fenced by a newer owner`, { cause });
    this.name = 'TaskFencedError';
  }
}
