/**
 * Which tasks run in this worker for one stage, and their lives (Kafka
 * Streams' TaskManager): on assignment a task's transactional producer is
 * created (fencing any older owner and aborting its open transaction), its
 * stores are restored from their changelogs, and only then is the committed
 * offset read, which no zombie can move any more. Commits, rollbacks after a
 * failed transaction and releases on revocation or shutdown happen here too.
 */
import type { RuntimeListener, RuntimeLogger } from './observer.js';
import { TaskSlot, describe, retryDelay, type RunnerSettings } from './task-slot.js';
import { Task, type WatermarkStatus } from './task.js';
import type { StageDefinition, TopologyNames } from './topology.js';
import { EARLIEST, TaskFencedError, type StreamTransport } from './transport.js';

/** How long a fenced task waits before claiming its partition back. */
const FENCED_RETRY_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface TaskManagerOptions {
  readonly stage: StageDefinition;
  readonly names: TopologyNames;
  readonly transport: StreamTransport;
  readonly settings: RunnerSettings;
  readonly logger: RuntimeLogger;
  readonly listener: RuntimeListener;
  readonly groupId: string;
  /** partition count of a topic (resolved at start-up) */
  readonly partitionsOf: (topic: string) => number;
  /** the largest record batch a topic takes, when known */
  readonly recordBatchLimitOf?: (topic: string) => number | undefined;
  /** moves the stage consumer's position of a partition */
  readonly seek: (topic: string, partition: number, offset: string) => void;
  readonly now: () => number;
}

export class TaskManager {
  readonly slots = new Map<number, TaskSlot>();
  private stopping = false;
  private readonly stage: StageDefinition;
  private readonly names: TopologyNames;
  private readonly transport: StreamTransport;
  private readonly settings: RunnerSettings;
  private readonly logger: RuntimeLogger;
  private readonly listener: RuntimeListener;
  private readonly groupId: string;
  private readonly partitionsOf: (topic: string) => number;
  private readonly recordBatchLimitOf: ((topic: string) => number | undefined) | undefined;
  private readonly seek: (topic: string, partition: number, offset: string) => void;
  private readonly now: () => number;

  constructor(options: TaskManagerOptions) {
    this.stage = options.stage;
    this.names = options.names;
    this.transport = options.transport;
    this.settings = options.settings;
    this.logger = options.logger;
    this.listener = options.listener;
    this.groupId = options.groupId;
    this.partitionsOf = options.partitionsOf;
    this.recordBatchLimitOf = options.recordBatchLimitOf;
    this.seek = options.seek;
    this.now = options.now;
  }

  /** partitions whose tasks are restored and processing */
  get runningPartitions(): number[] {
    return [...this.slots].filter(([, slot]) => slot.state === 'running').map(([p]) => p);
  }

  get assignedPartitions(): number[] {
    return [...this.slots.keys()];
  }

  /** Event time of every running task. */
  watermarks(): { stage: string; partition: number; status: WatermarkStatus }[] {
    return [...this.slots]
      .filter(([, slot]) => slot.state === 'running')
      .map(([partition, slot]) => ({
        stage: this.stage.name,
        partition,
        status: slot.task.watermarkStatus(),
      }));
  }

  /** Commits what is open and closes every task. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.slots.values()].map((slot) => this.release(slot, 'shutdown')));
    this.slots.clear();
  }

  private newSlot(partition: number): TaskSlot {
    const task = new Task(this.stage, partition, {
      names: this.names,
      now: this.now,
      partitionsOf: this.partitionsOf,
      ...(this.recordBatchLimitOf ? { recordBatchLimitOf: this.recordBatchLimitOf } : {}),
      watermarkIntervalMs: this.settings.watermarkIntervalMs,
      bufferSpillAfterMs: this.settings.bufferSpillAfterMs,
      bufferSpillBehindRecords: this.settings.bufferSpillBehindRecords,
      bufferSpillWhenIdleMs: this.settings.bufferSpillWhenIdleMs,
      sendAfterRecords: this.settings.sendAfterRecords,
      send: async (records) => {
        if (!slot.producer) throw new Error(`task ${task.id} has no producer`);
        try {
          await slot.producer.send(records);
        } catch (error) {
          throw new SendFailed(error);
        }
      },
    });
    const slot = new TaskSlot(task, this.now());
    return slot;
  }

  /**
   * Runs a task's processing or punctuation (its lock held). If sending
   * into its open transaction failed, that transaction is aborted and the
   * task is rebuilt from its last commit, as after a failed commit; false then.
   * Synchronous (true) when the work was: it runs for every record.
   */
  runSending(slot: TaskSlot, work: () => Promise<void> | undefined): boolean | Promise<boolean> {
    let waiting: Promise<void> | undefined;
    try {
      waiting = work();
    } catch (error) {
      return this.sendFailed(slot, error);
    }
    if (waiting === undefined) return true;
    return waiting.then(
      () => true,
      (error: unknown) => this.sendFailed(slot, error),
    );
  }

  private async sendFailed(slot: TaskSlot, error: unknown): Promise<boolean> {
    if (!(error instanceof SendFailed)) throw error;
    this.listener.aborted?.({ taskId: slot.task.id, reason: describe(error.cause) });
    await this.rollback(slot, error.cause);
    return false;
  }

  private transactionalId(partition: number): string {
    const topic = this.names.inputTopics(this.stage)[0] ?? this.stage.name;
    return `${this.names.topology.applicationId}-${this.stage.name}-${topic}-${partition}`;
  }

  onAssigned(partitions: readonly number[]): void {
    const assigned = new Set(partitions);
    for (const [partition, slot] of this.slots) {
      if (!assigned.has(partition)) {
        this.slots.delete(partition);
        void this.release(slot, 'revoked');
      }
    }
    const fresh: number[] = [];
    for (const partition of partitions) {
      const retained = this.slots.get(partition);
      if (retained) {
        // kafkajs restarts a retained partition from its last commit; the task is further on
        for (const [topic, position] of retained.positions) {
          this.seek(topic, partition, position.toString());
        }
        continue;
      }
      this.slots.set(partition, this.newSlot(partition));
      fresh.push(partition);
    }
    this.logger.info(
      { stage: this.stage.name, assigned: [...assigned], starting: fresh },
      `stage ${this.stage.name}: assigned partitions [${[...assigned].join(', ')}]`,
    );
    if (fresh.length > 0) {
      void this.startTasks(
        fresh.map((partition) => this.slots.get(partition)).filter((slot) => slot !== undefined),
      );
    }
  }

  /**
   * Fences, restores and initialises exactly these slots, retrying while the
   * broker is away. A slot replaced meanwhile (revoked, given back, rolled
   * back) is skipped: its successor has a start of its own, and two restores
   * interleaved in one task would bring back deleted state.
   */
  private async startTasks(candidates: readonly TaskSlot[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const slots = candidates.filter(
        (slot) => slot.state === 'starting' && this.slots.get(slot.task.partition) === slot,
      );
      const partitions = slots.map((slot) => slot.task.partition);
      if (slots.length === 0 || this.stopping) return;
      try {
        await this.createProducers(slots);
        const starting = new Map(slots.map((slot) => [slot.task.partition, slot]));
        const started = this.now();
        const { records } = await this.transport.restore({
          topics: this.names.changelogTopics(this.stage),
          partitions: slots.map((slot) => slot.task.partition),
          apply: (topic, partition, key, value) => {
            const slot = starting.get(partition);
            if (slot?.state === 'starting') slot.task.restore(topic, { key, value });
          },
        });
        const restoreMs = this.now() - started;
        await this.rewindToCommitted(slots);
        const caughtUp = await this.caughtUpPartitions();
        for (const slot of slots) {
          if (slot.state !== 'starting') continue;
          slot.task.initialize();
          for (const topic of this.names.inputTopics(this.stage)) {
            slot.task.setCaughtUp(topic, caughtUp.has(`${topic}/${slot.task.partition}`));
          }
          slot.state = 'running';
          slot.lastCommitAt = this.now();
          slot.markReady();
        }
        this.listener.restored?.({ stage: this.stage.name, partitions, records, ms: restoreMs });
        this.logger.info(
          { stage: this.stage.name, partitions, records, ms: restoreMs },
          `stage ${this.stage.name}: restored ${records} changelog records for partitions [${partitions.join(', ')}] in ${restoreMs} ms`,
        );
        return;
      } catch (error) {
        const delay = retryDelay(this.settings, attempt);
        this.logger.warn(
          { stage: this.stage.name, partitions, err: error, attempt, retryInMs: delay },
          `stage ${this.stage.name}: starting tasks failed, retrying in ${delay} ms: ${describe(error)}`,
        );
        await sleep(delay);
      }
    }
  }

  /**
   * Creates the producers the slots lack (each fences its partition's older
   * owner) and returns once every creation has settled. A creation left
   * running past a failed attempt would land later beside the retry's own, or
   * on a slot revoked meanwhile, and no task would close it. A producer whose
   * slot is gone is closed at once. (Its epoch bump may already have fenced
   * the partition's new owner, which then takes the partition back after
   * FENCED_RETRY_MS, as a `cdstream run --workers 2` start-up showed.)
   */
  private async createProducers(slots: readonly TaskSlot[]): Promise<void> {
    const created = await Promise.allSettled(
      slots.map(async (slot) => {
        if (slot.producer) return;
        const producer = await this.transport.createTaskProducer(
          this.transactionalId(slot.task.partition),
          this.groupId,
          this.recordBatchLimitOf,
        );
        if (slot.state === 'released' || this.slots.get(slot.task.partition) !== slot) {
          await producer.close().catch(() => undefined);
          return;
        }
        slot.producer = producer;
      }),
    );
    const failed = created.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Reads the committed offsets (final now that older owners are fenced) and
   * moves the consumer there: whatever it fetched meanwhile is re-read.
   */
  private async rewindToCommitted(slots: readonly TaskSlot[]): Promise<void> {
    for (const topic of this.names.inputTopics(this.stage)) {
      const committed = await this.transport.committedOffsets(this.groupId, topic);
      for (const slot of slots) {
        const offset = committed.get(slot.task.partition);
        if (offset !== undefined) slot.positions.set(topic, BigInt(offset));
        this.seek(topic, slot.task.partition, offset ?? EARLIEST);
      }
    }
  }

  /** Input partitions the group has read to their end: their watermark may follow the clock. */
  private async caughtUpPartitions(): Promise<Set<string>> {
    const lags = await this.transport.consumerLag(this.groupId, this.names.inputTopics(this.stage));
    return new Set(
      lags.filter((lag) => lag.lag <= 0).map((lag) => `${lag.topic}/${lag.partition}`),
    );
  }

  commitDue(slot: TaskSlot): boolean {
    return (
      // a transaction is open on the broker: keep it short
      slot.task.hasSentUncommitted ||
      (slot.task.hasUncommittedWork &&
        (slot.task.uncommittedCount >= this.settings.commitMaxRecords ||
          this.now() - slot.lastCommitAt >=
            (slot.task.hasUncommittedOutputs
              ? this.settings.commitIntervalMs
              : this.settings.stateOnlyCommitIntervalMs))) ||
      slot.task.watermarkDue()
    );
  }

  /** Commits a task's open work; on failure the task is rebuilt from its last commit. */
  commit(slot: TaskSlot): Promise<void> {
    return slot.lock.run(async () => {
      if (slot.state !== 'running' || !slot.producer) return;
      if (!slot.task.hasUncommittedWork && !slot.task.watermarkDue()) return;
      const work = slot.task.takeCommit();
      const offsets = [...work.offsets].map(([topic, offset]) => ({
        topic,
        partition: slot.task.partition,
        offset,
      }));
      const started = this.now();
      try {
        await slot.producer.commitTransaction([...work.records, ...work.changelog], offsets);
        slot.lastCommitAt = this.now();
        this.listener.committed?.({
          taskId: slot.task.id,
          records: work.sent + work.records.length,
          changelog: work.changelog.length,
          ms: slot.lastCommitAt - started,
          deadLetters: work.deadLetters,
        });
      } catch (error) {
        this.listener.aborted?.({ taskId: slot.task.id, reason: describe(error) });
        await this.rollback(slot, error);
      }
    });
  }

  /**
   * After a failed transaction the task's memory is ahead of Kafka. A fenced
   * task belongs to someone else now: drop it. Otherwise rebuild it from the
   * changelog and re-read from the committed offset.
   */
  private async rollback(slot: TaskSlot, error: unknown): Promise<void> {
    const partition = slot.task.partition;
    slot.state = 'released';
    slot.task.close();
    await slot.producer?.close().catch(() => undefined);
    if (this.slots.get(partition) !== slot) return;
    const successor = this.newSlot(partition);
    this.slots.set(partition, successor);
    if (error instanceof TaskFencedError) {
      // Another worker took the partition; kafkajs tells us of the rebalance
      // only later. If the group still gives it to us after a short wait,
      // we take it back (fencing the other, then reading the committed
      // state); if not, the next assignment releases the slot.
      this.logger.warn(
        { task: slot.task.id, retryInMs: FENCED_RETRY_MS },
        `task ${slot.task.id}: fenced by another worker; taking it back in ${FENCED_RETRY_MS} ms if still assigned`,
      );
      setTimeout(() => void this.startTasks([successor]), FENCED_RETRY_MS).unref();
      return;
    }
    this.logger.warn(
      { task: slot.task.id, err: error },
      `task ${slot.task.id}: transaction aborted (${describe(error)}); restoring from the changelog and re-reading from the last commit`,
    );
    void this.startTasks([successor]);
  }

  private async release(slot: TaskSlot, reason: string): Promise<void> {
    if (slot.state === 'running') await this.commit(slot);
    await slot.lock.run(async () => {
      slot.state = 'released';
      slot.task.close();
      await slot.producer?.close().catch(() => undefined);
    });
    this.logger.info({ task: slot.task.id, reason }, `task ${slot.task.id}: closed (${reason})`);
  }

  commitAll(reason: string): void {
    for (const slot of this.slots.values()) {
      void this.commit(slot).catch((error: unknown) => {
        this.logger.warn(
          { task: slot.task.id, err: error },
          `task ${slot.task.id}: commit on ${reason} failed`,
        );
      });
    }
  }
}

/** Sending into a task's open transaction failed: the transaction is aborted. */
class SendFailed extends Error {
  constructor(cause: unknown) {
    super(`sending into the open transaction failed: ${describe(cause)}`, { cause });
    this.name = 'SendFailed';
  }
}
