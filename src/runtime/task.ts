import { CdstreamError, isCdstreamError } from '../errors.js';
import { deadLetterRecord, type DeadLetterReason } from './dead-letter.js';
import type { Processor, ProcessorContext, PunctuationType } from './processor.js';
import type { InputRecord, OutputRecord, ProducedRecord } from './record.js';
import { KeyValueStore } from './stores/key-value-store.js';
import type { ChangelogEntry, StateStore } from './stores/store.js';
import { WindowStore } from './stores/window-store.js';
import {
  changelogTopic,
  clockStoreName,
  type StageDefinition,
  type TopologyNames,
} from './topology.js';
import { EventClock, NO_TIME, type EventClockState } from './watermark.js';

export type RawRecord = Omit<InputRecord, 'timestamp'>;

export interface TaskOptions {
  readonly names: TopologyNames;
  /** partition count of a topic (resolved at start-up) */
  readonly partitionsOf: (topic: string) => number;
  /** wall clock, ms */
  readonly now: () => number;
}

/** Everything a task produced since the last commit, to be committed atomically. */
export interface TaskCommit {
  readonly records: ProducedRecord[];
  readonly changelog: ProducedRecord[];
  /** next offset to consume, per input topic */
  readonly offsets: ReadonlyMap<string, string>;
}

interface Punctuator {
  readonly type: PunctuationType;
  readonly intervalMs: number;
  readonly callback: (time: number) => void;
  lastFiredAt: number;
}

const CLOCK_KEY = 'clock';

/**
 * One stage on one partition: its processor, its stores and its event clock.
 * Knows nothing of Kafka: the runner feeds it records and commits what
 * `takeCommit()` returns in one transaction.
 */
export class Task {
  readonly id: string;
  private readonly stores = new Map<string, StateStore>();
  private readonly storeByChangelog = new Map<string, StateStore>();
  private readonly clockStore: KeyValueStore<EventClockState>;
  private clock!: EventClock;
  private processor: Processor | undefined;
  private readonly punctuators: Punctuator[] = [];
  private pending: ProducedRecord[] = [];
  private readonly nextOffsets = new Map<string, string>();
  private clockWrittenAt = NO_TIME;
  private processedSinceCommit = 0;
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
    this.clockStore = this.stores.get(clockStoreName(stage.name)) as KeyValueStore<EventClockState>;
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

  get hasUncommittedWork(): boolean {
    return this.processedSinceCommit > 0 || this.pending.length > 0 || this.nextOffsets.size > 0;
  }

  get streamTime(): number {
    return this.clock.streamTime;
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
    this.clock = new EventClock(
      this.stage.eventTimeOptions ?? { graceMs: 0 },
      restored ? { streamTime: restored.streamTime } : undefined,
    );
    this.clockWrittenAt = this.clock.streamTime;
    this.processor = this.stage.processor();
    this.processor.init?.(this.context());
  }

  async process(raw: RawRecord): Promise<void> {
    const processor = this.requireProcessor();
    const wallNow = this.options.now();
    const eventTime = this.eventTimeOf(raw);
    const record: InputRecord = { ...raw, timestamp: eventTime };
    const pendingBefore = this.pending.length;
    const advanced = this.clock.observe(eventTime, wallNow);
    this.currentTimestamp = eventTime;
    this.currentRecord = raw;
    try {
      await processor.process(record, this.context());
    } catch (error) {
      this.pending.length = pendingBefore;
      if (isCdstreamError(error) && error.retriable) throw error;
      this.deadLetter(raw, error);
    } finally {
      this.currentRecord = undefined;
    }
    this.nextOffsets.set(raw.topic, (BigInt(raw.offset) + 1n).toString());
    this.processedSinceCommit++;
    if (advanced) this.firePunctuators('event-time', this.clock.watermark);
  }

  /** Moves the committed position past records that carry no data (transaction markers). */
  skipTo(topic: string, nextOffset: string): void {
    const current = this.nextOffsets.get(topic);
    if (current !== undefined && BigInt(current) >= BigInt(nextOffset)) return;
    this.nextOffsets.set(topic, nextOffset);
  }

  /** Wall-clock duties: idle advance of stream time, then wall-clock punctuators. */
  punctuate(): void {
    this.requireProcessor();
    const wallNow = this.options.now();
    if (this.clock.advanceIfIdle(wallNow)) this.firePunctuators('event-time', this.clock.watermark);
    this.firePunctuators('wall-clock', wallNow);
  }

  /**
   * Moves stream time forward without a record (end of a replay): windows
   * whose end the watermark passes close as if a record had come.
   */
  advanceStreamTime(streamTime: number): void {
    this.requireProcessor();
    if (this.clock.observe(streamTime, this.options.now())) {
      this.currentTimestamp = streamTime;
      this.firePunctuators('event-time', this.clock.watermark);
    }
  }

  /** Drains outputs, changelog writes and offsets for one transaction. */
  takeCommit(): TaskCommit {
    if (this.clock.streamTime !== this.clockWrittenAt && Number.isFinite(this.clock.streamTime)) {
      this.clockStore.put(CLOCK_KEY, this.clock.snapshot());
      this.clockWrittenAt = this.clock.streamTime;
    }
    const changelog: ProducedRecord[] = [];
    for (const [topic, store] of this.storeByChangelog) {
      for (const entry of store.drainChanges()) {
        changelog.push({ topic, partition: this.partition, key: entry.key, value: entry.value });
      }
    }
    const commit: TaskCommit = {
      records: this.pending,
      changelog,
      offsets: new Map(this.nextOffsets),
    };
    this.pending = [];
    this.nextOffsets.clear();
    this.processedSinceCommit = 0;
    return commit;
  }

  close(): void {
    this.processor?.close?.();
    this.processor = undefined;
    for (const store of this.stores.values()) store.clear();
    this.pending = [];
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
    const reason = isCdstreamError(error)
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
      throw new CdstreamError(
        isCdstreamError(error) ? error.code : 'CONFIG_INVALID',
        `${reason.message} (record ${raw.topic}/${raw.partition}@${raw.offset}; stage ${this.stage.name} has no dead-letter topic)`,
        { cause: error },
      );
    }
    this.pending.push({ topic, ...deadLetterRecord(raw, reason, this.options.now()) });
  }

  private firePunctuators(type: PunctuationType, time: number): void {
    for (const punctuator of this.punctuators) {
      if (punctuator.type !== type) continue;
      if (time - punctuator.lastFiredAt < punctuator.intervalMs) continue;
      punctuator.lastFiredAt = time;
      this.currentTimestamp = type === 'event-time' ? this.clock.streamTime : time;
      punctuator.callback(time);
    }
  }

  private requireProcessor(): Processor {
    if (!this.processor) throw new Error(`task ${this.id} used before initialize()`);
    return this.processor;
  }

  private context(): ProcessorContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const task = this;
    const names = this.options.names;
    return {
      taskId: task.id,
      partition: task.partition,
      get streamTime() {
        return task.clock.streamTime;
      },
      get watermark() {
        return task.clock.watermark;
      },
      wallClockTime: () => task.options.now(),
      forward: (output: string, record: OutputRecord) => {
        const definition = names.output(task.stage, output);
        const encoded = definition.encode ? definition.encode(record) : record;
        task.pending.push({
          ...encoded,
          timestamp: encoded.timestamp ?? task.currentTimestamp,
          topic: names.topic(definition.topic),
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
        const start = type === 'wall-clock' ? task.options.now() : task.clock.watermark;
        task.punctuators.push({ type, intervalMs, callback, lastFiredAt: start });
      },
    };
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

  private missingStore(name: string, kind: string): CdstreamError {
    return new CdstreamError(
      'CONFIG_INVALID',
      `stage "${this.stage.name}" has no ${kind} store named "${name}"`,
    );
  }
}
