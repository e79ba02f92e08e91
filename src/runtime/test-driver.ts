import type { RuntimeListener } from './observer.js';
import { partitionForKey } from './partitioner.js';
import type { ProducedRecord, RecordHeaders } from './record.js';
import { Task, type RawRecord } from './task.js';
import { readWatermark } from './watermark-records.js';
import {
  TopologyNames,
  validateTopology,
  type StageDefinition,
  type Topology,
} from './topology.js';

export interface DriverInput {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: RecordHeaders;
  /** record timestamp, ms; default: the driver's wall clock */
  readonly timestamp?: number;
  readonly partition?: number;
}

export interface DriverRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
  readonly timestamp: number;
}

interface Unread {
  readonly stage: StageDefinition;
  readonly partition: number;
  readonly positions: number[];
  readonly record: StoredRecord;
}

interface StoredRecord extends DriverRecord {
  /** global write order, so reads across partitions see records as they were written */
  readonly writeOrder: number;
}

/**
 * A fleet's disorder, on demand: which task reads next is drawn at random,
 * weighted by each task's speed, and transactions stay open, commit or
 * abort at random. Everything is decided by `random`, so a seed repeats a run.
 */
export interface DriverInterleaving {
  /** uniform in [0, 1); seed it for repeatable runs */
  readonly random: () => number;
  /** relative speed per task `<stage>-<partition>`; default 1 */
  readonly speeds?: Readonly<Record<string, number>>;
  /** chance that a task commits after a record; default 1 */
  readonly commitProbability?: number;
  /** chance that a commit aborts instead (the task restores and re-reads); default 0 */
  readonly abortProbability?: number;
}

export interface TestDriverOptions {
  /** partitions of every topic; default 1 */
  readonly partitions?: number;
  /** initial wall-clock time, ms; default 0 */
  readonly wallClockTime?: number;
  /** default: every task commits after each record, and the oldest unread record goes first */
  readonly interleaving?: DriverInterleaving;
  /**
   * Whether input partitions' watermarks follow the manual wall clock while
   * read to their end, as a live worker's do; default false: a partition's
   * watermark moves only with its records (and `closeWindowsUpTo`).
   */
  readonly followWallClock?: boolean;
  /** how long a task holds a record in memory before it spills it to its buffer changelog; default the Task's */
  readonly bufferSpillAfterMs?: number;
  /** how far behind its read position a held record is spilled; default the Task's */
  readonly bufferSpillBehindRecords?: number;
  /** how long a task reads no data before it spills what it holds; default the Task's */
  readonly bufferSpillWhenIdleMs?: number;
  /**
   * Keep only what a broker would have to keep for the topology: records
   * every reading stage has committed past are dropped, a changelog keeps
   * the latest record per key and no tombstones (as compaction would), and
   * a topic no stage reads keeps its records until `readOutput` returns
   * them. For long runs that measure the topology, not the driver's
   * memory; `allRecords` and `recordsInWriteOrder` see only what is kept.
   * Default false: every record of every topic is kept.
   */
  readonly discardConsumed?: boolean;
  /** the largest record batch a topic takes (its max.message.bytes), by topic name; default none */
  readonly recordBatchLimits?: Readonly<Record<string, number>>;
  /** told of every committed transaction, as a worker's listener is (`ms` is 0) */
  readonly listener?: Pick<RuntimeListener, 'committed'>;
}

/** Where a dropped record was: offsets stay the array index. */
const DISCARDED: StoredRecord = Object.freeze({
  topic: '',
  partition: -1,
  offset: -1,
  key: null,
  value: null,
  headers: {},
  timestamp: 0,
  writeOrder: -1,
});
const isKept = (record: StoredRecord): boolean => record !== DISCARDED;

const toBuffer = (value: Buffer | string | null | undefined): Buffer | null =>
  value === null || value === undefined
    ? null
    : Buffer.isBuffer(value)
      ? value
      : Buffer.from(value);

/**
 * Runs a topology on in-memory topics with a manual wall clock, like Kafka
 * Streams' TopologyTestDriver. Every processed record commits at once, so
 * outputs are visible as soon as `pipeInput` returns. `restart()` drops every
 * task and restores it from the in-memory changelogs, as a new worker would.
 */
export class TopologyTestDriver {
  private readonly names: TopologyNames;
  private readonly partitions: number;
  private wallClock: number;
  private readonly logs = new Map<string, StoredRecord[][]>();
  private readonly readPositions = new Map<string, number[]>();
  /** stages whose input is left unread (pauseReading) */
  private readonly pausedStages = new Set<string>();
  private readonly outputPositions = new Map<string, number>();
  private readonly committedPositions = new Map<string, number[]>();
  private readonly discardConsumed: boolean;
  /** per topic, the readers (`<stage>:<topic>`) whose commits release its records */
  private readonly readersOf = new Map<string, string[]>();
  private readonly changelogs: Set<string>;
  /** with `discardConsumed`: a changelog key's latest record, by `<topic>/<partition>/<key>` */
  private readonly latestByKey = new Map<string, number>();
  /** per topic partition, the offsets below which every record is dropped */
  private readonly discardedBelow = new Map<string, number>();
  private tasks = new Map<string, Task>();
  private roundRobin = 0;
  private writeCounter = 0;
  private readonly interleaving: DriverInterleaving | undefined;
  private readonly followWallClock: boolean;
  private readonly recordBatchLimits: Readonly<Record<string, number>>;
  private readonly listener: Pick<RuntimeListener, 'committed'> | undefined;
  private readonly buffer: Pick<
    TestDriverOptions,
    'bufferSpillAfterMs' | 'bufferSpillBehindRecords' | 'bufferSpillWhenIdleMs'
  >;

  constructor(
    readonly topology: Topology,
    options: TestDriverOptions = {},
  ) {
    validateTopology(topology);
    this.names = new TopologyNames(topology);
    this.partitions = options.partitions ?? 1;
    this.wallClock = options.wallClockTime ?? 0;
    this.interleaving = options.interleaving;
    this.followWallClock = options.followWallClock ?? false;
    this.recordBatchLimits = options.recordBatchLimits ?? {};
    this.listener = options.listener;
    this.discardConsumed = options.discardConsumed ?? false;
    for (const stage of topology.stages) {
      for (const topic of this.names.inputTopics(stage)) {
        this.readersOf.set(topic, [...(this.readersOf.get(topic) ?? []), `${stage.name}:${topic}`]);
      }
    }
    this.changelogs = new Set(
      topology.stages.flatMap((stage) => this.names.changelogTopics(stage)),
    );
    // undefined leaves the Task's default
    this.buffer = {
      bufferSpillAfterMs: options.bufferSpillAfterMs,
      bufferSpillBehindRecords: options.bufferSpillBehindRecords,
      bufferSpillWhenIdleMs: options.bufferSpillWhenIdleMs,
    };
    this.startTasks();
  }

  get wallClockTime(): number {
    return this.wallClock;
  }

  /** Appends records to a topic and processes everything that follows from them. */
  async pipeInput(topic: string, inputs: readonly DriverInput[]): Promise<void> {
    for (const input of inputs) {
      this.append(topic, {
        key: toBuffer(input.key),
        value: toBuffer(input.value),
        headers: input.headers ?? {},
        timestamp: input.timestamp ?? this.wallClock,
        partition: input.partition,
      });
    }
    await this.runUntilQuiet();
  }

  /**
   * Leaves a stage's input unread, as a consumer busy elsewhere or with a
   * backlog does: records pile up, and its tasks learn they are not caught up.
   */
  pauseReading(stage: string): void {
    this.pausedStages.add(stage);
  }

  /** Reads a paused stage's input again, and everything that follows. */
  async resumeReading(stage: string): Promise<void> {
    this.pausedStages.delete(stage);
    await this.runUntilQuiet();
  }

  /** Moves the wall clock, runs idle advance and punctuations, and processes their outputs. */
  async advanceWallClockTime(ms: number): Promise<void> {
    this.wallClock += ms;
    for (const task of this.tasks.values()) {
      this.markCaughtUp(task);
      await task.punctuate();
      this.commit(task);
    }
    await this.runUntilQuiet();
  }

  /**
   * End of input: every source task's watermark moves to `eventTime`, so
   * every window ending at or before it closes downstream, and what follows
   * is processed.
   */
  async closeWindowsUpTo(eventTime: number): Promise<void> {
    for (const task of this.tasks.values()) {
      await task.advanceSourceWatermark(eventTime);
      this.commit(task);
    }
    await this.runUntilQuiet();
  }

  /** Every task's watermark status, by task id. */
  watermarks(): Map<string, ReturnType<Task['watermarkStatus']>> {
    return new Map([...this.tasks].map(([id, task]) => [id, task.watermarkStatus()]));
  }

  /** The offsets a stage's task on `partition` has committed, per input topic (as the broker keeps them). */
  committedOffsets(stage: string, partition = 0): Record<string, number> {
    const definition = this.topology.stages.find((candidate) => candidate.name === stage);
    if (!definition) throw new Error(`no stage ${stage}`);
    return Object.fromEntries(
      this.names
        .inputTopics(definition)
        .map((topic) => [topic, this.committedOf(`${stage}:${topic}`)[partition] ?? 0]),
    );
  }

  /** Records of a topic partition, watermark records included. */
  logLength(topic: string, partition = 0): number {
    return this.partitionLog(topic, partition).length;
  }

  /** Entries per state store, summed over the partitions' tasks. */
  storeSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const task of this.tasks.values()) {
      for (const [name, size] of Object.entries(task.storeSizes())) {
        sizes.set(name, (sizes.get(name) ?? 0) + size);
      }
    }
    return sizes;
  }

  /** Largest stream time of any task: the last event time the topology has seen. */
  get maxStreamTime(): number {
    return Math.max(...[...this.tasks.values()].map((task) => task.streamTime));
  }

  /** Every record of the given topics, in the order they were written (watermark records left out). */
  recordsInWriteOrder(topics: readonly string[]): DriverRecord[] {
    return topics
      .flatMap((topic) => (this.logs.get(topic) ?? []).flat())
      .filter((record) => isKept(record) && readWatermark(record) === undefined)
      .sort((a, b) => a.writeOrder - b.writeOrder);
  }

  /** Records written to a topic since the last call for that topic, in write order (watermark records left out). */
  readOutput(topic: string): DriverRecord[] {
    if (this.discardConsumed) {
      // what a stage reads or a changelog holds is dropped behind the reader's back
      if (this.readersOf.has(topic) || this.changelogs.has(topic)) {
        throw new Error(`readOutput(${topic}): with discardConsumed, only topics no stage reads`);
      }
      return this.drain(topic);
    }
    const all = this.allRecords(topic, { watermarks: true });
    const from = this.outputPositions.get(topic) ?? 0;
    this.outputPositions.set(topic, all.length);
    return all.slice(from).filter((record) => readWatermark(record) === undefined);
  }

  /** With `discardConsumed`: what a topic no stage reads holds, dropped as it is returned. */
  private drain(topic: string): DriverRecord[] {
    const records = this.allRecords(topic);
    for (const log of this.logs.get(topic) ?? []) log.fill(DISCARDED);
    return records;
  }

  /** Every record a topic holds, oldest first; watermark records only when asked for. */
  allRecords(topic: string, options: { watermarks?: boolean } = {}): DriverRecord[] {
    const partitions = this.logs.get(topic) ?? [];
    const records = partitions
      .flat()
      .filter(isKept)
      .sort((a, b) => a.writeOrder - b.writeOrder);
    return options.watermarks ? records : records.filter((r) => readWatermark(r) === undefined);
  }

  task(stage: string, partition = 0): Task {
    const task = this.tasks.get(`${stage}-${partition}`);
    if (!task) throw new Error(`no task ${stage}-${partition}`);
    return task;
  }

  /**
   * Simulates every worker dying and a new one taking over from the
   * changelogs: open transactions are lost, reading resumes at the last commit.
   */
  restart(): void {
    for (const task of this.tasks.values()) task.close();
    this.startTasks();
  }

  /** One task dies and comes back: its open transaction aborts. */
  restartTask(stage: string, partition: number): void {
    const task = this.task(stage, partition);
    task.close();
    this.tasks.set(task.id, this.startTask(task.stage, partition));
  }

  private startTasks(): void {
    this.tasks = new Map();
    for (const stage of this.topology.stages) {
      for (let partition = 0; partition < this.partitions; partition++) {
        const task = this.startTask(stage, partition);
        this.tasks.set(task.id, task);
      }
    }
  }

  /** A task restored from the committed changelogs, reading from its committed positions. */
  private startTask(stage: StageDefinition, partition: number): Task {
    const task = new Task(stage, partition, {
      names: this.names,
      now: () => this.wallClock,
      partitionsOf: () => this.partitions,
      watermarkIntervalMs: 0,
      followWallClock: this.followWallClock,
      recordBatchLimitOf: (topic) => this.recordBatchLimits[topic],
      ...this.buffer,
    });
    for (const changelog of task.changelogTopics) {
      for (const record of this.partitionLog(changelog, partition)) {
        if (!isKept(record)) continue;
        task.restore(changelog, { key: record.key?.toString() ?? '', value: record.value });
      }
    }
    for (const topic of this.names.inputTopics(stage)) {
      const reader = `${stage.name}:${topic}`;
      this.positionsOf(reader)[partition] = this.committedOf(reader)[partition] ?? 0;
    }
    task.initialize();
    this.markCaughtUp(task);
    return task;
  }

  /**
   * Processes unread records across every stage and partition until none
   * is left and every transaction is committed. By default the oldest
   * unread record goes first, as a running fleet would see them arrive;
   * with an interleaving, a task drawn at random by speed reads next.
   */
  private async runUntilQuiet(): Promise<void> {
    for (;;) {
      const next = this.interleaving ? this.randomUnread(this.interleaving) : this.oldestUnread();
      if (!next) {
        if (!this.commitOpenWork()) return;
        continue;
      }
      next.positions[next.partition] = (next.positions[next.partition] ?? 0) + 1;
      const task = this.task(next.stage.name, next.partition);
      await task.process(this.toRaw(next.record));
      this.markCaughtUp(task);
      this.endOfRecord(task);
    }
  }

  private endOfRecord(task: Task): void {
    const chances = this.interleaving;
    if (!chances) {
      this.commit(task);
      return;
    }
    if (chances.random() >= (chances.commitProbability ?? 1)) return;
    if (chances.random() < (chances.abortProbability ?? 0)) this.abort(task);
    else this.commit(task);
  }

  /** Commits every task with open work; false when there was none. */
  private commitOpenWork(): boolean {
    let committed = false;
    for (const task of this.tasks.values()) {
      if (task.hasUncommittedWork || task.watermarkDue()) {
        this.commit(task);
        committed = true;
      }
    }
    return committed;
  }

  private markCaughtUp(task: Task): void {
    for (const topic of this.names.inputTopics(task.stage)) {
      const position = this.positionsOf(`${task.stage.name}:${topic}`)[task.partition] ?? 0;
      task.setCaughtUp(topic, position >= this.partitionLog(topic, task.partition).length);
    }
  }

  private oldestUnread(): Unread | undefined {
    let oldest: Unread | undefined;
    for (const candidate of this.unreadHeads()) {
      if (!oldest || candidate.record.writeOrder < oldest.record.writeOrder) oldest = candidate;
    }
    return oldest;
  }

  /** A task drawn by speed among those with unread records; its oldest unread record. */
  private randomUnread(interleaving: DriverInterleaving): Unread | undefined {
    const byTask = new Map<string, Unread>();
    for (const candidate of this.unreadHeads()) {
      const id = `${candidate.stage.name}-${candidate.partition}`;
      const current = byTask.get(id);
      if (!current || candidate.record.writeOrder < current.record.writeOrder)
        byTask.set(id, candidate);
    }
    const candidates = [...byTask].map(([id, unread]) => ({
      unread,
      weight: interleaving.speeds?.[id] ?? 1,
    }));
    const total = candidates.reduce((sum, candidate) => sum + candidate.weight, 0);
    let draw = interleaving.random() * total;
    for (const candidate of candidates) {
      draw -= candidate.weight;
      if (draw < 0) return candidate.unread;
    }
    return candidates.at(-1)?.unread;
  }

  private *unreadHeads(): Generator<Unread> {
    for (const stage of this.topology.stages) {
      if (this.pausedStages.has(stage.name)) continue;
      for (const topic of this.names.inputTopics(stage)) {
        const positions = this.positionsOf(`${stage.name}:${topic}`);
        for (let partition = 0; partition < this.partitions; partition++) {
          const record = this.partitionLog(topic, partition)[positions[partition] ?? 0];
          if (record) yield { stage, partition, positions, record };
        }
      }
    }
  }

  private commit(task: Task): void {
    const { records, changelog, offsets, deadLetters } = task.takeCommit();
    for (const record of [...records, ...changelog]) this.appendProduced(record);
    this.listener?.committed?.({
      taskId: task.id,
      records: records.length,
      changelog: changelog.length,
      ms: 0,
      deadLetters,
    });
    // as the broker would: the offsets the task commits (a task holding records commits below them)
    for (const [topic, offset] of offsets) {
      this.committedOf(`${task.stage.name}:${topic}`)[task.partition] = Number(offset);
      if (this.discardConsumed) this.discardCommitted(topic, task.partition);
    }
  }

  /** Drops the records of a topic partition every reader has committed past. */
  private discardCommitted(topic: string, partition: number): void {
    const readers = this.readersOf.get(topic) ?? [];
    const below = Math.min(...readers.map((reader) => this.committedOf(reader)[partition] ?? 0));
    const id = `${topic}/${partition}`;
    const log = this.partitionLog(topic, partition);
    for (let offset = this.discardedBelow.get(id) ?? 0; offset < below; offset++) {
      log[offset] = DISCARDED;
    }
    this.discardedBelow.set(id, Math.max(below, this.discardedBelow.get(id) ?? 0));
  }

  /** The open transaction is lost: the task restores from the changelogs and re-reads. */
  private abort(task: Task): void {
    task.takeCommit();
    task.close();
    this.tasks.set(task.id, this.startTask(task.stage, task.partition));
  }

  private appendProduced(record: ProducedRecord): void {
    this.append(record.topic, {
      key: toBuffer(record.key),
      value: toBuffer(record.value),
      headers: record.headers ?? {},
      timestamp: record.timestamp ?? this.wallClock,
      partition: record.partition,
    });
  }

  private append(
    topic: string,
    record: Omit<DriverRecord, 'topic' | 'offset' | 'partition'> & {
      partition?: number | undefined;
    },
  ): void {
    const partition =
      record.partition ??
      (record.key
        ? partitionForKey(record.key, this.partitions)
        : this.roundRobin++ % this.partitions);
    const log = this.partitionLog(topic, partition);
    const stored: StoredRecord = {
      topic,
      partition,
      offset: log.length,
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: record.timestamp,
      writeOrder: this.writeCounter++,
    };
    if (!this.discardConsumed || !this.changelogs.has(topic)) {
      log.push(stored);
    } else {
      const latest = `${topic}/${partition}/${record.key?.toString() ?? ''}`;
      const previous = this.latestByKey.get(latest);
      if (previous !== undefined) log[previous] = DISCARDED;
      // a tombstone leaves nothing to restore: compaction drops it in time
      if (record.value === null) {
        this.latestByKey.delete(latest);
        log.push(DISCARDED);
      } else {
        this.latestByKey.set(latest, log.length);
        log.push(stored);
      }
    }
  }

  private partitionLog(topic: string, partition: number): StoredRecord[] {
    let partitions = this.logs.get(topic);
    if (!partitions) {
      partitions = Array.from({ length: this.partitions }, () => []);
      this.logs.set(topic, partitions);
    }
    const log = partitions[partition];
    if (!log) throw new Error(`topic ${topic} has no partition ${partition}`);
    return log;
  }

  private committedOf(reader: string): number[] {
    let positions = this.committedPositions.get(reader);
    if (!positions) {
      positions = Array.from({ length: this.partitions }, () => 0);
      this.committedPositions.set(reader, positions);
    }
    return positions;
  }

  private positionsOf(reader: string): number[] {
    let positions = this.readPositions.get(reader);
    if (!positions) {
      positions = Array.from({ length: this.partitions }, () => 0);
      this.readPositions.set(reader, positions);
    }
    return positions;
  }

  private toRaw(record: DriverRecord): RawRecord {
    return {
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
      key: record.key,
      value: record.value,
      headers: record.headers,
      recordTimestamp: record.timestamp,
    };
  }
}
