import { partitionForKey } from './partitioner.js';
import type { ProducedRecord, RecordHeaders } from './record.js';
import { Task, type RawRecord } from './task.js';
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

interface StoredRecord extends DriverRecord {
  /** global write order, so reads across partitions see records as they were written */
  readonly writeOrder: number;
}

export interface TestDriverOptions {
  /** partitions of every topic; default 1 */
  readonly partitions?: number;
  /** initial wall-clock time, ms; default 0 */
  readonly wallClockTime?: number;
}

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
  private readonly outputPositions = new Map<string, number>();
  private tasks = new Map<string, Task>();
  private roundRobin = 0;
  private writeCounter = 0;

  constructor(
    readonly topology: Topology,
    options: TestDriverOptions = {},
  ) {
    validateTopology(topology);
    this.names = new TopologyNames(topology);
    this.partitions = options.partitions ?? 1;
    this.wallClock = options.wallClockTime ?? 0;
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

  /** Moves the wall clock, runs idle advance and punctuations, and processes their outputs. */
  async advanceWallClockTime(ms: number): Promise<void> {
    this.wallClock += ms;
    for (const task of this.tasks.values()) {
      task.punctuate();
      this.commit(task);
    }
    await this.runUntilQuiet();
  }

  /**
   * End of input: every task's watermark moves to `eventTime`, so every
   * window ending at or before it closes, and what follows is processed.
   */
  async closeWindowsUpTo(eventTime: number): Promise<void> {
    for (const stage of this.topology.stages) {
      const grace = stage.eventTimeOptions?.graceMs ?? 0;
      for (let partition = 0; partition < this.partitions; partition++) {
        const task = this.task(stage.name, partition);
        task.advanceStreamTime(eventTime + grace);
        this.commit(task);
      }
      await this.runUntilQuiet();
    }
  }

  /** Largest stream time of any task: the last event time the topology has seen. */
  get maxStreamTime(): number {
    return Math.max(...[...this.tasks.values()].map((task) => task.streamTime));
  }

  /** Every record of the given topics, in the order they were written. */
  recordsInWriteOrder(topics: readonly string[]): DriverRecord[] {
    return topics
      .flatMap((topic) => (this.logs.get(topic) ?? []).flat())
      .sort((a, b) => a.writeOrder - b.writeOrder);
  }

  /** Records written to a topic since the last call for that topic, in write order. */
  readOutput(topic: string): DriverRecord[] {
    const all = this.allRecords(topic);
    const from = this.outputPositions.get(topic) ?? 0;
    this.outputPositions.set(topic, all.length);
    return all.slice(from);
  }

  /** Every record a topic holds, oldest first. */
  allRecords(topic: string): DriverRecord[] {
    const partitions = this.logs.get(topic) ?? [];
    return partitions.flat().sort((a, b) => a.writeOrder - b.writeOrder);
  }

  task(stage: string, partition = 0): Task {
    const task = this.tasks.get(`${stage}-${partition}`);
    if (!task) throw new Error(`no task ${stage}-${partition}`);
    return task;
  }

  /** Simulates every worker dying and a new one taking over from the changelogs. */
  restart(): void {
    for (const task of this.tasks.values()) task.close();
    this.startTasks();
  }

  private startTasks(): void {
    this.tasks = new Map();
    for (const stage of this.topology.stages) {
      for (let partition = 0; partition < this.partitions; partition++) {
        const task = new Task(stage, partition, {
          names: this.names,
          now: () => this.wallClock,
          partitionsOf: () => this.partitions,
        });
        for (const changelog of task.changelogTopics) {
          for (const record of this.partitionLog(changelog, partition)) {
            task.restore(changelog, { key: record.key?.toString() ?? '', value: record.value });
          }
        }
        task.initialize();
        this.tasks.set(task.id, task);
      }
    }
  }

  /**
   * Processes unread records oldest first, across every stage and partition,
   * as a running fleet would see them arrive; a stage never reads one
   * partition to its end before the others.
   */
  private async runUntilQuiet(): Promise<void> {
    for (;;) {
      const next = this.oldestUnread();
      if (!next) return;
      next.positions[next.partition] = (next.positions[next.partition] ?? 0) + 1;
      const task = this.task(next.stage.name, next.partition);
      await task.process(this.toRaw(next.record));
      this.commit(task);
    }
  }

  private oldestUnread():
    | { stage: StageDefinition; partition: number; positions: number[]; record: StoredRecord }
    | undefined {
    let oldest: ReturnType<TopologyTestDriver['oldestUnread']>;
    for (const stage of this.topology.stages) {
      for (const topic of this.names.inputTopics(stage)) {
        const positions = this.positionsOf(`${stage.name}:${topic}`);
        for (let partition = 0; partition < this.partitions; partition++) {
          const record = this.partitionLog(topic, partition)[positions[partition] ?? 0];
          if (record && (!oldest || record.writeOrder < oldest.record.writeOrder)) {
            oldest = { stage, partition, positions, record };
          }
        }
      }
    }
    return oldest;
  }

  private commit(task: Task): void {
    const { records, changelog } = task.takeCommit();
    for (const record of [...records, ...changelog]) this.appendProduced(record);
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
    log.push({
      topic,
      partition,
      offset: log.length,
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: record.timestamp,
      writeOrder: this.writeCounter++,
    });
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
