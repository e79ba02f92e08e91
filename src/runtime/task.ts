import { isStageFailure, StageFailure, TopologyError } from './failure.js';
import {
  DEAD_LETTER_HEADERS,
  deadLetterRecordWithin,
  type DeadLetterReason,
} from './dead-letter.js';
import type { Processor, ProcessorContext, PunctuationType } from './processor.js';
import {
  nextOffsetOf,
  recordBatchBytes,
  type InputRecord,
  type OutputRecord,
  type ProducedRecord,
  headerText,
} from './record.js';
import { KeyValueStore } from './stores/key-value-store.js';
import type { ChangelogEntry, StateStore } from './stores/store.js';
import { WindowStore } from './stores/window-store.js';
import { EventTimeBuffer, inEventTimeOrder, type HeldRecord } from './event-time-buffer.js';
import {
  bufferStoreName,
  changelogTopic,
  clockStoreName,
  type StageDefinition,
  type TopologyNames,
} from './topology.js';
import { TaskTime, type ClockState } from './task-time.js';
import { readWatermark } from './watermark-records.js';
import { NO_TIME } from './watermark.js';

export type RawRecord = Omit<InputRecord, 'timestamp'>;

export interface TaskOptions {
  readonly names: TopologyNames;
  /** partition count of a topic (resolved at start-up) */
  readonly partitionsOf: (topic: string) => number;
  /** wall clock, ms */
  readonly now: () => number;
  /** a task publishes its watermark to internal topics at most this often (wall-clock ms); 0: at every commit */
  readonly watermarkIntervalMs?: number;
  /**
   * Whether input partitions' watermarks live on the wall clock (capped by
   * it, following it while caught up); default true. False for replays and
   * tests of history, where the clock says nothing about the data.
   */
  readonly followWallClock?: boolean;
  /**
   * A record held for event-time order longer than this (wall-clock ms) is
   * written to the buffer's changelog so the committed offset can pass it;
   * default 30 s. Shorter waits cost no changelog: the record is re-read.
   */
  readonly bufferSpillAfterMs?: number;
  /**
   * Once the task has read nothing for this long (wall-clock ms) while
   * caught up with every input, everything it holds is spilled: its input
   * has stopped, waiting saves nothing, and the committed offset reaches the
   * end of its input; default 3 s.
   */
  readonly bufferSpillWhenIdleMs?: number;
  /**
   * A held record more than this many offsets behind what the task has read
   * of its topic is spilled too: a restart re-reads at most this many records
   * per input partition; default 10,000.
   */
  readonly bufferSpillBehindRecords?: number;
  /**
   * Sends records into the task's open transaction ahead of its commit. A
   * punctuation that forwards many records (a day's windows of every
   * service closing at once) yields between them; at a yield the task sends
   * what it holds once that is `sendAfterRecords` or more, so its memory
   * stays bounded. Without it everything waits for `takeCommit`.
   */
  readonly send?: (records: ProducedRecord[]) => Promise<void>;
  /** see `send`; default 1,000 */
  readonly sendAfterRecords?: number;
  /**
   * The largest record batch a topic takes, when known: a record forwarded
   * that cannot fit fails the record being processed (OUTPUT_TOO_LARGE, dead-lettered)
   * instead of failing every transaction that tries to write it.
   */
  readonly recordBatchLimitOf?: (topic: string) => number | undefined;
}

const DEFAULT_BUFFER_SPILL_AFTER_MS = 30_000;
const DEFAULT_BUFFER_SPILL_WHEN_IDLE_MS = 3_000;
const DEFAULT_BUFFER_SPILL_BEHIND_RECORDS = 10_000;
const DEFAULT_SEND_AFTER_RECORDS = 1_000;

/** How far a task's event time has come, for metrics and readiness. */
export interface WatermarkStatus {
  /** what the processor has been promised: no record below it will follow */
  readonly watermark: number;
  /** upstream tasks at the minimum, or that never reported (readers of internal topics) */
  readonly holdingBack: readonly string[];
  /** records held for event-time order */
  readonly held: number;
  /** largest event time the task has read */
  readonly streamTime: number;
  /** records that came below a watermark already promised: a defect upstream (must stay 0) */
  readonly violations: number;
  /** upstream reports that went backwards (must stay 0) */
  readonly regressions: number;
}

/** Everything a task produced since the last commit, to be committed atomically. */
export interface TaskCommit {
  readonly records: ProducedRecord[];
  readonly changelog: ProducedRecord[];
  /** next offset to consume, per input topic */
  readonly offsets: ReadonlyMap<string, string>;
  /** records of this transaction sent before the commit (`TaskOptions.send`) */
  readonly sent: number;
  /** dead letters among this transaction's records (sent before the commit too), by error code */
  readonly deadLetters: ReadonlyMap<string, number>;
}

interface Punctuator {
  readonly type: PunctuationType;
  readonly intervalMs: number;
  readonly callback: (time: number) => Punctuation;
  lastFiredAt: number;
}

/** What a punctuator returns: nothing, or the steps of a generator (see ProcessorContext.schedule). */
type Punctuation = Iterable<unknown> | undefined;

const CLOCK_KEY = 'clock';

/**
 * One stage on one partition: its processor, its stores and its watermarks.
 * Knows nothing of Kafka: the runner feeds it records and commits what
 * `takeCommit()` returns in one transaction.
 *
 * A task reading external topics is where time enters: each input partition
 * has its own watermark, and the processor learns, per record, below which
 * event time the record is late. A task reading internal topics takes the
 * minimum of its upstream tasks' watermark records and, with `ordering:
 * 'event-time'`, holds records until that minimum passes them.
 */
export class Task {
  readonly id: string;
  private readonly stores = new Map<string, StateStore>();
  private readonly storeByChangelog = new Map<string, StateStore>();
  private readonly clockStore: KeyValueStore<ClockState>;
  private time!: TaskTime;
  private buffer: EventTimeBuffer | undefined;
  /** sources: the watermark below which the current record is late */
  private lateBefore = NO_TIME;
  private observedEventTime: number | undefined;
  private processor: Processor | undefined;
  /** what the processor sees of the task; made once, it reads the task's fields when called */
  private readonly processorContext: ProcessorContext;
  private readonly punctuators: Punctuator[] = [];
  private pending: ProducedRecord[] = [];
  /** dead letters sent into the open transaction, by code (see `countDeadLetters`) */
  private deadLettersSinceCommit = new Map<string, number>();
  private readonly nextOffsets = new Map<string, string>();
  private clockWritten = '';
  /** buffered tasks: next offset after what this task has read, per input topic */
  private readonly position = new Map<string, string>();
  /**
   * buffered tasks: the furthest any incarnation has read, per input topic
   * (kept in the clock store); a restarted task re-reading below it must not
   * commit it before it has re-read that far
   */
  private readonly readUpTo = new Map<string, string>();
  /** buffered tasks: offsets last committed, per input topic */
  private readonly committedOffsets = new Map<string, string>();
  /** buffered tasks, after a restart: records below these offsets were read before */
  private readonly rereadBelow = new Map<string, bigint>();
  /** wall clock of the last data record read, ms */
  private lastReadAt = Number.NEGATIVE_INFINITY;
  /** input topics whose partition had data left unread when the consumer last fetched it */
  private readonly unreadInputs = new Set<string>();
  private paused = false;
  /** buffered tasks: the processed watermark at the last commit; re-read records below it were folded */
  private restoredProcessed = NO_TIME;
  private processedSinceCommit = 0;
  /** records sent into the open transaction since the last commit */
  private sentSinceCommit = 0;
  /** timestamp given to forwarded records that carry none: the current record's or punctuation's time */
  private currentTimestamp = 0;
  /** the record being processed, for context.deadLetter() */
  private currentRecord: RawRecord | undefined;

  constructor(
    readonly stage: StageDefinition,
    readonly partition: number,
    private readonly options: TaskOptions,
  ) {
    this.id = `${stage.name}-${partition}`;
    const applicationId = options.names.topology.applicationId;
    for (const definition of options.names.storesOf(stage)) {
      const store =
        definition.kind === 'window'
          ? new WindowStore<unknown>(definition.name)
          : new KeyValueStore<unknown>(definition.name);
      this.stores.set(definition.name, store);
      this.storeByChangelog.set(changelogTopic(applicationId, definition.name), store);
    }
    this.clockStore = this.stores.get(clockStoreName(stage.name)) as KeyValueStore<ClockState>;
    this.processorContext = this.makeContext();
  }

  get changelogTopics(): string[] {
    return [...this.storeByChangelog.keys()];
  }

  get initialized(): boolean {
    return this.processor !== undefined;
  }

  /** records processed since the last commit */
  get uncommittedCount(): number {
    return this.processedSinceCommit;
  }

  /** The open transaction holds records for an output (not only state changes and offsets). */
  get hasUncommittedOutputs(): boolean {
    return this.pending.length > 0 || this.sentSinceCommit > 0;
  }

  /** Records were sent into the open transaction: it is to be committed soon. */
  get hasSentUncommitted(): boolean {
    return this.sentSinceCommit > 0;
  }

  get hasUncommittedWork(): boolean {
    return (
      this.processedSinceCommit > 0 ||
      this.sentSinceCommit > 0 ||
      this.pending.length > 0 ||
      this.nextOffsets.size > 0 ||
      (this.buffer?.spillDue(this.spillCutoff()) ?? false)
    );
  }

  get streamTime(): number {
    return this.time.streamTime;
  }

  /** The processor's watermark: no record with an earlier event time will reach it. */
  get watermark(): number {
    return this.time.watermark;
  }

  watermarkStatus(): WatermarkStatus {
    return {
      watermark: this.time.watermark,
      holdingBack: this.time.holdingBack(),
      held: this.buffer?.size ?? 0,
      streamTime: this.time.streamTime,
      violations: this.time.violations,
      regressions: this.time.regressions,
    };
  }

  /**
   * Tells the task whether its consumer has read all that a partition of
   * `topic` holds: while it has, a source partition's watermark follows the
   * clock, and a buffered task that reads nothing may call its input stopped.
   */
  setCaughtUp(topic: string, caughtUp: boolean): void {
    this.time.setCaughtUp(topic, caughtUp);
    if (caughtUp) this.unreadInputs.delete(topic);
    else this.unreadInputs.add(topic);
  }

  /** Whether the consumer's last fetch of some input partition left data unread. */
  get hasUnreadInput(): boolean {
    return this.unreadInputs.size > 0;
  }

  /**
   * The runner stopped or restarted fetching the task's input because it
   * reads ahead of its stage in event time: a paused task reading nothing
   * waits its turn, its input has not stopped.
   */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  storeSizes(): Record<string, number> {
    return Object.fromEntries([...this.stores].map(([name, store]) => [name, store.size]));
  }

  /** Applies one changelog record; only before initialize(). */
  restore(changelog: string, entry: ChangelogEntry): void {
    const store = this.storeByChangelog.get(changelog);
    if (!store) throw new Error(`task ${this.id} has no store for changelog ${changelog}`);
    store.restore(entry);
  }

  /** Starts the processor on restored state. */
  initialize(): void {
    const restored = this.clockStore.get(CLOCK_KEY);
    this.time = new TaskTime(this.stage, this.id, this.partition, this.options, restored);
    if (this.time.readsUpstream && this.stage.ordering === 'event-time') {
      this.buffer = new EventTimeBuffer(
        this.keyValueStoreOf<HeldRecord>(bufferStoreName(this.stage.name)),
      );
      this.restoredProcessed = restored?.processed ?? NO_TIME;
      for (const [topic, offset] of Object.entries(restored?.readUpTo ?? {})) {
        this.readUpTo.set(topic, offset);
        this.rereadBelow.set(topic, BigInt(offset));
      }
    }
    this.clockWritten = JSON.stringify(this.time.snapshot());
    this.processor = this.stage.processor();
    this.processor.init?.(this.processorContext);
  }

  /**
   * Processes one record. Synchronous, and undefined, unless the processor
   * or a punctuation it sets off has to wait (an async processor, records
   * sent ahead of a commit): then the promise of the rest. A worker calls
   * this for every record of every stage, so no promise is made for nothing.
   */
  process(raw: RawRecord): Promise<void> | undefined {
    this.requireProcessor();
    let waiting: Promise<void> | undefined;
    if (this.isReread(raw)) this.reread(raw);
    else if (this.time.readsUpstream) waiting = this.processFromUpstream(raw);
    else waiting = this.processFromSource(raw);
    if (waiting) {
      return waiting.then(() => {
        this.processed(raw);
      });
    }
    this.processed(raw);
    return undefined;
  }

  private processed(raw: RawRecord): void {
    const next = nextOffsetOf(raw.offset);
    this.nextOffsets.set(raw.topic, next);
    if (this.buffer) this.notePosition(raw.topic, next);
    // watermark records keep coming when the input has stopped: only data counts as reading
    if (raw.value !== null) this.lastReadAt = this.options.now();
    this.processedSinceCommit++;
  }

  private notePosition(topic: string, next: string): void {
    this.position.set(topic, next);
    const furthest = this.readUpTo.get(topic);
    if (furthest === undefined || BigInt(next) > BigInt(furthest)) this.readUpTo.set(topic, next);
  }

  /** Buffered tasks after a restart: the record was read before the last commit. */
  private isReread(raw: RawRecord): boolean {
    const below = this.rereadBelow.get(raw.topic);
    if (below === undefined) return false;
    if (BigInt(raw.offset) < below) return true;
    // offsets only grow: the rest of this topic is new
    this.rereadBelow.delete(raw.topic);
    return false;
  }

  /**
   * A record read again because it was held in memory at the last commit:
   * held again, unless it was folded before (below the processed watermark
   * then), is in the restored buffer (spilled), or was nothing to hold (a
   * watermark record, whose report the restored clock has; a record the
   * stage ignored or dead-lettered, which is not dead-lettered twice).
   */
  private reread(raw: RawRecord): void {
    if (readWatermark(raw)) return;
    const buffer = this.buffer as EventTimeBuffer;
    const eventTime = this.eventTimeOf(raw);
    if (eventTime < this.restoredProcessed || buffer.isSpilled(raw)) return;
    const prepared = this.prepare(raw, eventTime, { quiet: true });
    if (prepared) buffer.hold(prepared.raw, eventTime, prepared.orderKey, this.options.now());
  }

  /** Held records put in the buffer at or before this wall-clock time are due to spill. */
  private spillCutoff(): number {
    const now = this.options.now();
    const idleMs = this.options.bufferSpillWhenIdleMs ?? DEFAULT_BUFFER_SPILL_WHEN_IDLE_MS;
    // a task waiting its turn (behind a backlog, paused) reads nothing either: only a caught-up input has stopped
    if (now - this.lastReadAt >= idleMs && !this.hasUnreadInput && !this.paused) {
      return Number.POSITIVE_INFINITY;
    }
    return now - (this.options.bufferSpillAfterMs ?? DEFAULT_BUFFER_SPILL_AFTER_MS);
  }

  private processFromSource(raw: RawRecord): Promise<void> | undefined {
    // another application's internal topic read as an input: its watermark records are not data
    if (readWatermark(raw)) return undefined;
    const before = this.time.watermark;
    this.lateBefore = this.time.lateBefore(raw.topic);
    this.observedEventTime = undefined;
    const eventTime = this.eventTimeOf(raw);
    const prepared = this.prepare(raw, eventTime);
    const handing = prepared ? this.handOver(prepared.raw, eventTime, true) : undefined;
    if (handing) return handing.then(() => this.observeSource(raw, eventTime, before));
    return this.observeSource(raw, eventTime, before);
  }

  /** After a source record: its event time moves the watermark, which may fire punctuators. */
  private observeSource(
    raw: RawRecord,
    eventTime: number,
    before: number,
  ): Promise<void> | undefined {
    const observed = this.stage.reportsEventTime ? this.observedEventTime : eventTime;
    if (observed !== undefined) this.time.observe(raw.topic, observed);
    if (this.time.watermark > before)
      return this.firePunctuators('event-time', this.time.watermark);
    return undefined;
  }

  private processFromUpstream(raw: RawRecord): Promise<void> | undefined {
    const mark = readWatermark(raw);
    if (mark) {
      if (this.time.report(mark.task, mark.time)) return this.release(this.time.upstreamWatermark);
      return undefined;
    }
    const eventTime = this.eventTimeOf(raw);
    const prepared = this.prepare(raw, eventTime);
    if (!prepared) return undefined;
    if (this.time.isBehind(eventTime)) {
      // an upstream promised that nothing this old would come: processed at
      // once, and counted, because it is a defect, never a late record
      this.time.violations++;
    } else if (this.buffer) {
      this.buffer.hold(prepared.raw, eventTime, prepared.orderKey, this.options.now());
      return undefined;
    }
    this.time.noteEventTime(eventTime);
    return this.handOver(prepared.raw, eventTime, true);
  }

  /**
   * The record as the processor gets it: read once by the stage's `prepare`
   * when it has one. Undefined when there is nothing to hand over (the stage
   * had nothing to do with it, or it was dead-lettered).
   */
  private prepare(
    raw: RawRecord,
    eventTime: number,
    { quiet = false } = {},
  ): { raw: RawRecord; orderKey: string | undefined } | undefined {
    const prepare = this.stage.prepare;
    if (!prepare) return { raw, orderKey: undefined };
    this.currentTimestamp = eventTime;
    this.currentRecord = raw;
    try {
      const result = prepare({ ...raw, timestamp: eventTime });
      if (result === undefined) return undefined;
      return { raw: { ...raw, prepared: result.prepared }, orderKey: result.orderKey };
    } catch (error) {
      if (!quiet) this.deadLetter(raw, error);
      return undefined;
    } finally {
      this.currentRecord = undefined;
    }
  }

  /**
   * Hands held records below `watermark` to the processor in event-time
   * order, then the watermark. Synchronous until a step has to wait (a
   * punctuation sending records, an async processor): the rest follows it.
   */
  private release(watermark: number): Promise<void> | undefined {
    const held = this.buffer?.releaseBelow(watermark) ?? [];
    return this.releaseFrom(inEventTimeOrder(held, this.stage.orderKey), 0, watermark);
  }

  private releaseFrom(
    ordered: readonly { raw: RawRecord; time: number }[],
    from: number,
    watermark: number,
  ): Promise<void> | undefined {
    for (let index = from; index < ordered.length; index++) {
      const { raw, time } = ordered[index] as { raw: RawRecord; time: number };
      const firing = this.advanceProcessedWatermark(time);
      const waiting = firing
        ? firing.then(() => this.handOverReleased(raw, time))
        : this.handOverReleased(raw, time);
      if (waiting) return waiting.then(() => this.releaseFrom(ordered, index + 1, watermark));
    }
    return this.advanceProcessedWatermark(watermark);
  }

  private handOverReleased(raw: RawRecord, time: number): Promise<void> | undefined {
    this.time.noteEventTime(time);
    // held whole by a version without `prepare` (restored after an upgrade): read it now
    const ready =
      this.stage.prepare && raw.prepared === undefined ? this.prepare(raw, time)?.raw : raw;
    // a retry would hand the record over twice: failures here are dead letters
    return ready ? this.handOver(ready, time, false) : undefined;
  }

  private advanceProcessedWatermark(time: number): Promise<void> | undefined {
    if (!this.time.advanceProcessed(time)) return undefined;
    this.currentTimestamp = time;
    return this.firePunctuators('event-time', time);
  }

  /** The processor's turn; a promise only when the processor returned one. */
  private handOver(
    raw: RawRecord,
    eventTime: number,
    retriable: boolean,
  ): Promise<void> | undefined {
    const processor = this.requireProcessor();
    const record: InputRecord = { ...raw, timestamp: eventTime };
    const pendingBefore = this.pending.length;
    this.currentTimestamp = eventTime;
    this.currentRecord = raw;
    let result: void | Promise<void>;
    try {
      result = processor.process(record, this.processorContext);
    } catch (error) {
      this.currentRecord = undefined;
      this.handOverFailed(raw, error, pendingBefore, retriable);
      return undefined;
    }
    if (result !== undefined) return this.awaitHandOver(result, raw, pendingBefore, retriable);
    this.currentRecord = undefined;
    return undefined;
  }

  private async awaitHandOver(
    result: Promise<void>,
    raw: RawRecord,
    pendingBefore: number,
    retriable: boolean,
  ): Promise<void> {
    try {
      await result;
    } catch (error) {
      this.handOverFailed(raw, error, pendingBefore, retriable);
    } finally {
      this.currentRecord = undefined;
    }
  }

  /** A failed record forwards nothing; it is retried (thrown) or dead-lettered. */
  private handOverFailed(
    raw: RawRecord,
    error: unknown,
    pendingBefore: number,
    retriable: boolean,
  ): void {
    this.pending.length = pendingBefore;
    if (retriable && isStageFailure(error) && error.retriable) throw error;
    this.deadLetter(raw, error);
  }

  /** Moves the committed position past records that carry no data (transaction markers). */
  skipTo(topic: string, nextOffset: string): void {
    const current = this.nextOffsets.get(topic) ?? this.position.get(topic);
    if (current !== undefined && BigInt(current) >= BigInt(nextOffset)) return;
    this.nextOffsets.set(topic, nextOffset);
    if (this.buffer) this.notePosition(topic, nextOffset);
  }

  /** Wall-clock duties: a caught-up source's watermark follows the clock; wall-clock punctuators. */
  async punctuate(): Promise<void> {
    this.requireProcessor();
    const wallNow = this.options.now();
    this.currentTimestamp = wallNow;
    if (!this.time.readsUpstream) await this.firePunctuators('event-time', this.time.watermark);
    await this.firePunctuators('wall-clock', wallNow);
  }

  /**
   * End of input (a replay, a test): a source task's watermark moves to
   * `eventTime` as if every partition had delivered it, so every window
   * ending at or before it closes downstream.
   */
  async advanceSourceWatermark(eventTime: number): Promise<void> {
    this.requireProcessor();
    if (this.time.readsUpstream) return;
    const before = this.time.watermark;
    this.time.advanceSourcesTo(eventTime);
    if (this.time.watermark > before) {
      this.currentTimestamp = eventTime;
      await this.firePunctuators('event-time', this.time.watermark);
    }
  }

  /** True when the task has a newer watermark to tell its internal outputs and it is time to. */
  watermarkDue(): boolean {
    return this.time.watermarkDue();
  }

  /** Drains outputs, changelog writes and offsets for one transaction. */
  takeCommit(): TaskCommit {
    // after this commit's data: a reader may rely on everything before it
    if (this.time.watermarkDue()) this.pending.push(...this.time.takeWatermarkRecords());
    const offsets = this.buffer ? this.bufferedOffsets(this.buffer) : new Map(this.nextOffsets);
    const clock: ClockState = this.buffer
      ? { ...this.time.snapshot(), readUpTo: Object.fromEntries(this.readUpTo) }
      : this.time.snapshot();
    const written = JSON.stringify(clock);
    if (written !== this.clockWritten) {
      this.clockStore.put(CLOCK_KEY, clock);
      this.clockWritten = written;
    }
    const changelog: ProducedRecord[] = [];
    for (const [topic, store] of this.storeByChangelog) {
      for (const entry of store.drainChanges()) {
        changelog.push({ topic, partition: this.partition, key: entry.key, value: entry.value });
      }
    }
    this.countDeadLetters(this.pending);
    const commit: TaskCommit = {
      records: this.pending,
      changelog,
      offsets,
      sent: this.sentSinceCommit,
      deadLetters: this.deadLettersSinceCommit,
    };
    this.pending = [];
    this.deadLettersSinceCommit = new Map();
    this.nextOffsets.clear();
    this.processedSinceCommit = 0;
    this.sentSinceCommit = 0;
    return commit;
  }

  /**
   * Offsets a buffered task may commit: per input topic, up to its first
   * record held in memory only (records held too long are spilled first), so
   * a restart reads that record again; only those that moved.
   */
  private bufferedOffsets(buffer: EventTimeBuffer): Map<string, string> {
    buffer.spill(
      this.spillCutoff(),
      this.position,
      this.options.bufferSpillBehindRecords ?? DEFAULT_BUFFER_SPILL_BEHIND_RECORDS,
    );
    const offsets = new Map<string, string>();
    for (const [topic, next] of this.position) {
      const offset = buffer.firstUnspilledOffset(topic) ?? next;
      if (this.committedOffsets.get(topic) === offset) continue;
      offsets.set(topic, offset);
      this.committedOffsets.set(topic, offset);
    }
    return offsets;
  }

  close(): void {
    this.processor?.close?.();
    this.processor = undefined;
    for (const store of this.stores.values()) store.clear();
    this.pending = [];
    this.deadLettersSinceCommit = new Map();
  }

  private eventTimeOf(raw: RawRecord): number {
    try {
      const extracted = this.stage.eventTime?.(raw);
      if (extracted !== undefined && Number.isFinite(extracted)) return extracted;
    } catch {
      // an extractor that cannot read the record leaves the record timestamp
    }
    return raw.recordTimestamp;
  }

  private deadLetter(raw: RawRecord, error: unknown): void {
    const reason = isStageFailure(error)
      ? { code: error.code, message: error.message, path: error.path }
      : {
          code: 'PROCESSING_FAILED',
          message: `stage ${this.stage.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        };
    this.pushDeadLetter(raw, reason, error);
  }

  private pushDeadLetter(raw: RawRecord, reason: DeadLetterReason, error?: unknown): void {
    const topic = this.stage.deadLetterTopic;
    if (topic === undefined) {
      throw new StageFailure(
        isStageFailure(error) ? error.code : 'CONFIG_INVALID',
        `${reason.message} (record ${raw.topic}/${raw.partition}@${raw.offset}; stage ${this.stage.name} has no dead-letter topic)`,
        { cause: error },
      );
    }
    // a held record keeps only what `prepare` made of it: that is what can be shown
    const shown =
      raw.value === null && raw.prepared !== undefined
        ? { ...raw, value: Buffer.from(JSON.stringify(raw.prepared)) }
        : raw;
    // the dead letter's own topic may take less than the record came with: cut to fit, never refused
    const limit = this.options.recordBatchLimitOf?.(topic);
    this.pending.push({
      topic,
      ...deadLetterRecordWithin(shown, reason, this.options.now(), limit),
    });
  }

  /**
   * Fires the due punctuators in order. Synchronous unless one is a
   * generator: then the rest waits until its steps are done (undefined
   * otherwise, so the per-record path does not pay for a promise).
   */
  private firePunctuators(
    type: PunctuationType,
    time: number,
    from = 0,
  ): Promise<void> | undefined {
    for (let index = from; index < this.punctuators.length; index++) {
      const punctuator = this.punctuators[index] as Punctuator;
      if (punctuator.type !== type) continue;
      if (time <= punctuator.lastFiredAt && type === 'event-time') continue;
      if (time - punctuator.lastFiredAt < punctuator.intervalMs) continue;
      punctuator.lastFiredAt = time;
      if (type === 'wall-clock') this.currentTimestamp = time;
      const steps = punctuator.callback(time)?.[Symbol.iterator]();
      if (steps) return this.finishPunctuation(steps, type, time, index + 1);
    }
    return undefined;
  }

  /** Runs a generator punctuator to its end, sending as it goes, then the punctuators after it. */
  private async finishPunctuation(
    steps: Iterator<unknown>,
    type: PunctuationType,
    time: number,
    next: number,
  ): Promise<void> {
    // nothing else of this task runs until the last step: the caller holds its lock
    while (!steps.next().done) await this.sendIfMany();
    await this.firePunctuators(type, time, next);
  }

  /** Sends the records forwarded so far into the open transaction once there are enough. */
  private async sendIfMany(): Promise<void> {
    const send = this.options.send;
    const enough = this.options.sendAfterRecords ?? DEFAULT_SEND_AFTER_RECORDS;
    if (!send || this.pending.length < enough) return;
    const records = this.pending;
    this.pending = [];
    this.sentSinceCommit += records.length;
    this.countDeadLetters(records);
    await send(records);
  }

  /** Counted as records leave for the transaction: a dead letter dropped with a failed record is not. */
  private countDeadLetters(records: readonly ProducedRecord[]): void {
    const topic = this.stage.deadLetterTopic;
    if (topic === undefined) return;
    for (const record of records) {
      if (record.topic !== topic) continue;
      const code = headerText(record.headers ?? {}, DEAD_LETTER_HEADERS.code) ?? 'UNKNOWN';
      this.deadLettersSinceCommit.set(code, (this.deadLettersSinceCommit.get(code) ?? 0) + 1);
    }
  }

  private requireProcessor(): Processor {
    if (!this.processor) throw new Error(`task ${this.id} used before initialize()`);
    return this.processor;
  }

  private makeContext(): ProcessorContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const task = this;
    const names = this.options.names;
    return {
      taskId: task.id,
      partition: task.partition,
      get streamTime() {
        return task.time.streamTime;
      },
      get watermark() {
        return task.time.watermark;
      },
      get lateBefore() {
        return task.time.readsUpstream ? task.time.watermark : task.lateBefore;
      },
      observeEventTime: (eventTime: number) => {
        task.observedEventTime = Math.max(task.observedEventTime ?? NO_TIME, eventTime);
      },
      wallClockTime: () => task.options.now(),
      forward: (output: string, record: OutputRecord) => {
        const definition = names.output(task.stage, output);
        const encoded = definition.encode ? definition.encode(record) : record;
        const topic = names.topic(definition.topic);
        task.checkFits(output, topic, encoded);
        task.pending.push({
          ...encoded,
          timestamp: encoded.timestamp ?? task.currentTimestamp,
          topic,
        });
      },
      partitionCount: (output: string) =>
        task.options.partitionsOf(names.outputTopic(task.stage, output)),
      keyValueStore: <V>(name: string) => task.keyValueStoreOf<V>(name),
      windowStore: <V>(name: string) => task.windowStoreOf<V>(name),
      deadLetter: (reason: DeadLetterReason) => {
        if (!task.currentRecord) {
          throw new Error(
            `task ${task.id}: deadLetter() is only possible while processing a record`,
          );
        }
        task.pushDeadLetter(task.currentRecord, reason);
      },
      schedule: (type, intervalMs, callback) => {
        const start = type === 'wall-clock' ? task.options.now() : task.time.watermark;
        task.punctuators.push({ type, intervalMs, callback, lastFiredAt: start });
      },
    };
  }

  /** A record no batch of its topic can hold would fail every transaction that writes it. */
  private checkFits(output: string, topic: string, record: OutputRecord): void {
    const limit = this.options.recordBatchLimitOf?.(topic);
    if (limit === undefined) return;
    const bytes = recordBatchBytes(record);
    if (bytes <= limit) return;
    throw new StageFailure(
      'OUTPUT_TOO_LARGE',
      `stage ${this.stage.name} would write a record of about ${bytes} bytes to ${output} (${topic}), which takes at most ${limit} (max.message.bytes)`,
    );
  }

  private keyValueStoreOf<V>(name: string): KeyValueStore<V> {
    const store = this.stores.get(name);
    if (store instanceof KeyValueStore) return store as KeyValueStore<V>;
    throw this.missingStore(name, 'key-value');
  }

  private windowStoreOf<V>(name: string): WindowStore<V> {
    const store = this.stores.get(name);
    if (store instanceof WindowStore) return store as WindowStore<V>;
    throw this.missingStore(name, 'window');
  }

  private missingStore(name: string, kind: string): TopologyError {
    return new TopologyError(
      'CONFIG_INVALID',
      `stage "${this.stage.name}" has no ${kind} store named "${name}"`,
    );
  }
}
