/**
 * Runs one stage of a topology in this worker (Kafka Streams' StreamThread):
 * the consumer of its group, the batch loop that feeds records to the tasks
 * in offset order (retrying while a service is away), and the wall-clock
 * tick of punctuation and interval commits. Which tasks exist and how they
 * start, commit and end is the TaskManager's.
 */
import { partitionsAhead } from './event-time-alignment.js';
import { isStageFailure } from './failure.js';
import { TaskManager } from './task-manager.js';
import { describe, retryDelay, type RunnerSettings, type TaskSlot } from './task-slot.js';
export { DEFAULT_RUNNER_SETTINGS, type RunnerSettings } from './task-slot.js';
import type { RuntimeListener, RuntimeLogger } from './observer.js';
import type { RawRecord, WatermarkStatus } from './task.js';
import type { StageDefinition, TopologyNames } from './topology.js';
import type { BatchContext, NoDataRange, StageConsumer, StreamTransport } from './transport.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records processed under one hold of a task's lock (and between two
 * heartbeats): one lock, not one per record, and the records themselves
 * synchronously when the task does not have to wait.
 */
const RUN_RECORDS = 200;

export class StageRunner {
  readonly groupId: string;
  private readonly tasks: TaskManager;
  private consumer: StageConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** partitions paused for running ahead in event time */
  private readonly paused = new Set<number>();

  constructor(
    private readonly stage: StageDefinition,
    private readonly names: TopologyNames,
    private readonly transport: StreamTransport,
    private readonly settings: RunnerSettings,
    private readonly logger: RuntimeLogger,
    private readonly listener: RuntimeListener,
    private readonly partitionsOf: (topic: string) => number,
    private readonly now: () => number = Date.now,
    /** the largest record batch a topic takes, when known */
    recordBatchLimitOf: (topic: string) => number | undefined = () => undefined,
  ) {
    this.groupId = `${names.topology.applicationId}-${stage.name}`;
    this.tasks = new TaskManager({
      stage,
      names,
      transport,
      settings,
      logger,
      listener,
      groupId: this.groupId,
      partitionsOf,
      recordBatchLimitOf,
      seek: (topic, partition, offset) => {
        this.consumer?.seek(topic, partition, offset);
      },
      now,
    });
  }

  /** partitions whose tasks are restored and processing */
  get runningPartitions(): number[] {
    return this.tasks.runningPartitions;
  }

  get assignedPartitions(): number[] {
    return this.tasks.assignedPartitions;
  }

  /** Event time of every running task. */
  watermarks(): { stage: string; partition: number; status: WatermarkStatus }[] {
    return this.tasks.watermarks();
  }

  async start(onFatal: (error: Error) => void): Promise<void> {
    this.consumer = await this.transport.runStageConsumer(
      this.groupId,
      this.names.inputTopics(this.stage),
      {
        onAssigned: (partitions) => {
          this.resumeAll();
          this.tasks.onAssigned(partitions);
        },
        onRebalancing: () => {
          this.tasks.commitAll('rebalance');
        },
        onBatch: (topic, partition, records, context) =>
          this.onBatch(topic, partition, records, context),
        onNoData: (topic, partition, range) => this.onNoData(topic, partition, range),
        onCrash: onFatal,
      },
      { partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently },
    );
    this.timer = setInterval(
      () => {
        this.tick();
      },
      Math.max(10, Math.floor(this.settings.commitIntervalMs / 2)),
    );
  }

  /** Commits what is open, closes every task and leaves the group. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tasks.stopAll();
    await this.consumer?.stop();
  }

  private async onBatch(
    topic: string,
    partition: number,
    records: readonly RawRecord[],
    context: BatchContext,
  ): Promise<void> {
    const slot = this.tasks.slots.get(partition);
    if (!slot || slot.state === 'released') return;
    if (!(await this.awaitReady(slot, context))) return;

    // a pending seek (the rewind at task start) makes this batch stale: it is fetched again
    if (context.isStale()) return;
    const pending = this.unprocessed(slot, topic, records);

    let sinceHeartbeat = 0;
    for (let index = 0; index < pending.length;) {
      if (slot.state !== 'running' || context.isStale()) return;
      const from = index;
      const next = await slot.lock.run(() => this.processRun(slot, topic, pending, from, context));
      if (next === undefined) return;
      index = next;
      if (slot.task.uncommittedCount >= this.settings.commitMaxRecords)
        await this.tasks.commit(slot);
      sinceHeartbeat += next - from;
      if (sinceHeartbeat >= RUN_RECORDS) {
        sinceHeartbeat = 0;
        await context.heartbeat();
      }
    }
    if (slot.state === 'running' && !context.isStale()) {
      const next = BigInt(context.nextOffset);
      this.noteCaughtUp(slot, topic, next, context.highWatermark);
      const position = slot.positions.get(topic);
      if (position === undefined || next > position) {
        await slot.lock.run(() => {
          if (slot.state === 'running') this.moveTo(slot, topic, next);
        });
      }
    }
    if (this.tasks.commitDue(slot)) await this.tasks.commit(slot);
    this.align();
  }

  /**
   * Moves past offsets known to carry no data, only from a position inside
   * them: every offset from the position up to `range.nextOffset` is then a
   * marker or aborted, so no record is skipped whatever seek is pending.
   */
  private async onNoData(topic: string, partition: number, range: NoDataRange): Promise<void> {
    const slot = this.tasks.slots.get(partition);
    if (!slot || slot.state !== 'running') return;
    const next = BigInt(range.nextOffset);
    try {
      const moved = await slot.lock.run(() => {
        const position = slot.positions.get(topic);
        if (slot.state !== 'running' || position === undefined) return false;
        if (position < BigInt(range.firstOffset) || position > next) return false;
        this.moveTo(slot, topic, next);
        return true;
      });
      if (!moved) return;
      this.noteCaughtUp(slot, topic, next, range.highWatermark);
      if (this.tasks.commitDue(slot)) await this.tasks.commit(slot);
    } catch (error) {
      this.logger.error(
        { task: slot.task.id, topic, partition, err: error },
        `task ${slot.task.id}: moving past transaction markers of ${topic}/${partition} failed: ${describe(error)}`,
      );
    }
  }

  /** The position after `next` has been read or found to hold no data; under the task's lock. */
  private moveTo(slot: TaskSlot, topic: string, next: bigint): void {
    slot.positions.set(topic, next);
    slot.task.skipTo(topic, next.toString());
  }

  /** Whether a partition read up to `next` is at its end (highWatermark when fetched). */
  private noteCaughtUp(slot: TaskSlot, topic: string, next: bigint, highWatermark: string): void {
    slot.task.setCaughtUp(topic, next >= BigInt(highWatermark));
  }

  /** Pauses the partitions running ahead in event time and resumes the others. */
  private align(): void {
    const consumer = this.consumer;
    if (!consumer || !Number.isFinite(this.settings.alignmentDriftMs)) return;
    const progress = [...this.tasks.slots]
      .filter(([, slot]) => slot.state === 'running')
      .map(([partition, slot]) => ({
        partition,
        streamTime: slot.task.streamTime,
        caughtUp: !slot.task.hasUnreadInput,
      }));
    const ahead = partitionsAhead(progress, this.settings.alignmentDriftMs);
    for (const partition of ahead) {
      // also a task that replaced a paused one's (after an aborted transaction)
      this.tasks.slots.get(partition)?.task.setPaused(true);
      if (this.paused.has(partition)) continue;
      this.paused.add(partition);
      for (const topic of this.names.inputTopics(this.stage)) consumer.pause(topic, partition);
    }
    for (const partition of [...this.paused]) {
      if (!ahead.has(partition)) this.resume(partition);
    }
  }

  private resume(partition: number): void {
    this.paused.delete(partition);
    this.tasks.slots.get(partition)?.task.setPaused(false);
    for (const topic of this.names.inputTopics(this.stage)) this.consumer?.resume(topic, partition);
  }

  /** A new assignment starts unaligned: nothing paused. */
  private resumeAll(): void {
    for (const partition of [...this.paused]) this.resume(partition);
  }

  private unprocessed(
    slot: TaskSlot,
    topic: string,
    records: readonly RawRecord[],
  ): readonly RawRecord[] {
    const position = slot.positions.get(topic);
    const first = records[0];
    if (position === undefined || !first || BigInt(first.offset) >= position) return records;
    return records.filter((record) => BigInt(record.offset) >= position);
  }

  private async awaitReady(slot: TaskSlot, context: BatchContext): Promise<boolean> {
    while (slot.state === 'starting') {
      await Promise.race([slot.ready, sleep(1000)]);
      await context.heartbeat();
    }
    return slot.state === 'running';
  }

  /**
   * Records from `from` on, the task's lock held, until a commit is due or
   * RUN_RECORDS are done: where to go on from, or undefined to stop (the
   * task closed, the batch went stale, a send failed and the task was
   * rebuilt). The state is checked under the lock: a commit that held it may
   * have failed and closed the task (its successor re-reads the record).
   */
  private async processRun(
    slot: TaskSlot,
    topic: string,
    records: readonly RawRecord[],
    from: number,
    context: BatchContext,
  ): Promise<number | undefined> {
    const end = Math.min(records.length, from + RUN_RECORDS);
    for (let index = from; index < end; index++) {
      if (slot.state !== 'running' || context.isStale()) return undefined;
      const record = records[index] as RawRecord;
      const offset = BigInt(record.offset);
      const position = slot.positions.get(topic);
      if (position !== undefined && offset < position) continue;
      const running = this.tasks.runSending(slot, () =>
        this.processWithRetry(slot, record, context),
      );
      if (!(typeof running === 'boolean' ? running : await running)) return undefined;
      slot.positions.set(topic, offset + 1n);
      if (slot.task.uncommittedCount >= this.settings.commitMaxRecords) return index + 1;
    }
    return end;
  }

  /** Synchronous unless the task has to wait, or a retriable failure is retried. */
  private processWithRetry(
    slot: TaskSlot,
    record: RawRecord,
    context: BatchContext,
  ): Promise<void> | undefined {
    let waiting: Promise<void> | undefined;
    try {
      waiting = slot.task.process(record);
    } catch (error) {
      return this.retry(slot, record, context, error);
    }
    return waiting?.catch((error: unknown) => this.retry(slot, record, context, error));
  }

  private async retry(
    slot: TaskSlot,
    record: RawRecord,
    context: BatchContext,
    failure: unknown,
  ): Promise<void> {
    let error = failure;
    for (let attempt = 1; ; attempt++) {
      if (!(isStageFailure(error) && error.retriable) || slot.state !== 'running') throw error;
      const delay = retryDelay(this.settings, attempt);
      this.listener.retrying?.({
        taskId: slot.task.id,
        code: error.code,
        attempt,
        delayMs: delay,
      });
      this.logger.warn(
        {
          task: slot.task.id,
          code: error.code,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          retryInMs: delay,
        },
        `task ${slot.task.id}: ${error.message}; retrying record ${record.topic}/${record.partition}@${record.offset} in ${delay} ms`,
      );
      await sleep(delay);
      await context.heartbeat();
      try {
        await slot.task.process(record);
        return;
      } catch (next) {
        error = next;
      }
    }
  }

  /** Wall-clock duties of every running task: idle advance, punctuation, interval commits. */
  private tick(): void {
    this.align();
    for (const slot of this.tasks.slots.values()) {
      if (slot.state !== 'running') continue;
      void slot.lock
        .run(async () => {
          if (slot.state === 'running')
            await this.tasks.runSending(slot, () => slot.task.punctuate());
        })
        .then(() => (this.tasks.commitDue(slot) ? this.tasks.commit(slot) : undefined))
        .catch((error: unknown) => {
          this.logger.error(
            { task: slot.task.id, err: error },
            `task ${slot.task.id}: punctuation failed: ${describe(error)}`,
          );
        });
    }
  }
}
