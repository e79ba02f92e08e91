/**
 * A task's event time (DESIGN.md §4): where time enters, one watermark per
 * input partition; downstream, the minimum of the upstream tasks' reports
 * and how far the processor has been handed records. Also what the task
 * tells its own readers (watermark records) and what it keeps across a
 * restart. Pure bookkeeping: the Task decides when to call it.
 */
import type { ProducedRecord } from './record.js';
import type { StageDefinition, TopologyNames } from './topology.js';
import { watermarkRecord } from './watermark-records.js';
import {
  NO_TIME,
  SourcePartitionWatermark,
  UpstreamWatermarks,
  type SourcePartitionState,
  type UpstreamState,
} from './watermark.js';

/** The task's time as its clock store keeps it. */
export interface ClockState {
  readonly sources?: Readonly<Record<string, SourcePartitionState>>;
  readonly upstream?: UpstreamState;
  /** readers: the watermark the processor has seen */
  readonly processed?: number;
  readonly streamTime?: number;
  /**
   * Tasks with an event-time buffer: per input topic, the next offset after
   * what the task had read at this commit. Its committed offset can be lower
   * (records held in memory are read again after a restart): a re-read record
   * below this was seen before.
   */
  readonly readUpTo?: Readonly<Record<string, string>>;
}

export interface TaskTimeOptions {
  readonly names: TopologyNames;
  readonly partitionsOf: (topic: string) => number;
  readonly now: () => number;
  /** publish at most this often, wall-clock ms; 0: whenever it moved */
  readonly watermarkIntervalMs?: number | undefined;
  /** whether input partitions' watermarks live on the wall clock; default true */
  readonly followWallClock?: boolean | undefined;
}

export class TaskTime {
  readonly readsUpstream: boolean;
  private readonly sources = new Map<string, SourcePartitionWatermark>();
  private readonly upstream: UpstreamWatermarks | undefined;
  /** the internal topics this task writes: they carry its watermark */
  private readonly internalOutputs: readonly string[];
  /** readers: the watermark the processor has been told */
  private processed: number;
  private streamTimeMs: number;
  private published = NO_TIME;
  private publishedAt = NO_TIME;
  /** records that came below a watermark already promised (a defect upstream) */
  violations = 0;

  constructor(
    private readonly stage: StageDefinition,
    private readonly taskId: string,
    partition: number,
    private readonly options: TaskTimeOptions,
    restored: ClockState = {},
  ) {
    this.readsUpstream = options.names.readsInternalTopics(stage);
    this.internalOutputs = options.names.internalOutputTopics(stage);
    this.streamTimeMs = restored.streamTime ?? NO_TIME;
    this.processed = restored.processed ?? NO_TIME;
    if (this.readsUpstream) {
      this.upstream = new UpstreamWatermarks(
        options.names.upstreamTasks(stage, options.partitionsOf),
        restored.upstream,
      );
      return;
    }
    const { disorderMs = 0, idleMs = 0 } = stage.eventTimeOptions ?? {};
    for (const topic of options.names.inputTopics(stage)) {
      if (partition >= options.partitionsOf(topic)) continue;
      const source = new SourcePartitionWatermark(
        disorderMs,
        restored.sources?.[topic],
        options.followWallClock ?? true,
        idleMs,
      );
      this.sources.set(topic, source);
    }
  }

  get graceMs(): number {
    return this.stage.eventTimeOptions?.graceMs ?? 0;
  }

  get streamTime(): number {
    return this.streamTimeMs;
  }

  /** The processor's watermark: no record with an earlier event time will reach it. */
  get watermark(): number {
    return this.readsUpstream ? this.processed : this.sourceWatermark() - this.graceMs;
  }

  /** Readers: the minimum the upstream tasks promised. */
  get upstreamWatermark(): number {
    return this.upstream?.current ?? NO_TIME;
  }

  holdingBack(): readonly string[] {
    return this.upstream?.holdingBack() ?? [];
  }

  get regressions(): number {
    return this.upstream?.regressions ?? 0;
  }

  setCaughtUp(topic: string, caughtUp: boolean): void {
    this.sources.get(topic)?.setCaughtUp(caughtUp, this.options.now());
  }

  /** Sources: a record of `topic` below this is late (its partition's watermark minus the grace). */
  lateBefore(topic: string): number {
    return (this.sources.get(topic)?.current(this.options.now()) ?? NO_TIME) - this.graceMs;
  }

  /** Sources: a record of `topic` delivered this event time. */
  observe(topic: string, eventTime: number): void {
    this.sources.get(topic)?.observe(eventTime, this.options.now());
    this.noteEventTime(eventTime);
  }

  noteEventTime(eventTime: number): void {
    if (eventTime > this.streamTimeMs) this.streamTimeMs = eventTime;
  }

  /** Readers: one upstream task's report; true when the minimum moved forward. */
  report(upstreamTask: string, time: number): boolean {
    return this.upstream?.report(upstreamTask, time) ?? false;
  }

  /** Readers: a record this old was promised not to come. */
  isBehind(eventTime: number): boolean {
    return eventTime < this.upstreamWatermark || eventTime < this.processed;
  }

  /** Readers: the processor has been handed everything before `time`; true when that moved. */
  advanceProcessed(time: number): boolean {
    if (time <= this.processed) return false;
    this.processed = time;
    return true;
  }

  /** Sources, at the end of a replay: as if every partition had delivered `eventTime` + grace. */
  advanceSourcesTo(eventTime: number): void {
    for (const source of this.sources.values()) source.advanceTo(eventTime + this.graceMs);
  }

  /** True when the task has a newer watermark to tell its internal outputs and it is time to. */
  watermarkDue(): boolean {
    if (this.internalOutputs.length === 0) return false;
    if (this.watermark <= this.published) return false;
    const interval = this.options.watermarkIntervalMs ?? 0;
    return this.options.now() - this.publishedAt >= interval;
  }

  /**
   * Watermark records to every partition of every internal output, to be
   * written after the data of the same transaction. Everything the task will
   * still write is at or after the watermark.
   */
  takeWatermarkRecords(): ProducedRecord[] {
    const watermark = this.watermark;
    if (!Number.isFinite(watermark)) return [];
    const records: ProducedRecord[] = [];
    for (const topic of this.internalOutputs) {
      const partitions = this.options.partitionsOf(topic);
      for (let partition = 0; partition < partitions; partition++) {
        records.push(watermarkRecord(topic, partition, this.taskId, watermark));
      }
    }
    this.published = watermark;
    this.publishedAt = this.options.now();
    return records;
  }

  snapshot(): ClockState {
    const sources: Record<string, SourcePartitionState> = {};
    for (const [topic, source] of this.sources) sources[topic] = source.snapshot();
    return {
      ...(this.sources.size > 0 ? { sources } : {}),
      ...(this.upstream ? { upstream: this.upstream.snapshot() } : {}),
      ...(this.readsUpstream ? { processed: this.processed } : {}),
      streamTime: this.streamTimeMs,
    };
  }

  /** Sources: the minimum over the task's input partitions. */
  private sourceWatermark(): number {
    const wallNow = this.options.now();
    let minimum = Number.POSITIVE_INFINITY;
    for (const source of this.sources.values()) {
      minimum = Math.min(minimum, source.current(wallNow));
    }
    return minimum === Number.POSITIVE_INFINITY ? NO_TIME : minimum;
  }
}
