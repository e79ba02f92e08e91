import type { DeadLetterReason } from './dead-letter.js';
import type { InputRecord, OutputRecord } from './record.js';
import type { KeyValueStore } from './stores/key-value-store.js';
import type { WindowStore } from './stores/window-store.js';

export type PunctuationType = 'event-time' | 'wall-clock';

/** What a stage sees of the engine while it processes one partition's records. */
export interface ProcessorContext {
  /** `<stage>-<partition>` */
  readonly taskId: string;
  readonly partition: number;
  /** largest event time seen by this task, epoch ms (-Infinity before the first record) */
  readonly streamTime: number;
  /**
   * No record with an earlier event time will reach this processor: windows
   * ending at or before it are final. Where time enters, the minimum over the
   * task's input partitions minus the grace; downstream, what the upstream
   * tasks promised (records in event-time order have all been handed over).
   */
  readonly watermark: number;
  /**
   * Where time enters: the record being processed is late when its event
   * time is below this (its input partition's watermark minus the grace).
   * Downstream: equal to `watermark`.
   */
  readonly lateBefore: number;
  /**
   * Says the event time of the record being processed, for stages that set
   * `reportsEventTime` (they must decode a record to know it). Late,
   * dead-lettered or ignored records are not reported.
   */
  observeEventTime(eventTime: number): void;
  /** wall-clock time, ms; manual in the test driver */
  wallClockTime(): number;
  /** Sends a record to a named output of the stage; it is produced in the task's next transaction. */
  forward(output: string, record: OutputRecord): void;
  /**
   * Sends a copy of the record being processed (original key, value and
   * headers) to the stage's dead-letter topic with the reason in headers.
   * May be called more than once for one record (e.g. per bad event of a batch).
   */
  deadLetter(reason: DeadLetterReason): void;
  /** partitions of an output's topic, e.g. to broadcast a record to every partition */
  partitionCount(output: string): number;
  keyValueStore<V>(name: string): KeyValueStore<V>;
  windowStore<V>(name: string): WindowStore<V>;
  /**
   * Calls `callback` every `intervalMs` of event time (when the watermark
   * advances by at least that much) or of wall-clock time. Register in init().
   *
   * A callback that may forward many records is a generator: at each
   * `yield` the task may send what was forwarded so far into its open
   * transaction (still committed or aborted as one), so those records need
   * not all be held at once. No record of the task is processed before the
   * generator is done, so it may change state between yields.
   */
  schedule(
    type: PunctuationType,
    intervalMs: number,
    callback: (time: number) => Iterable<unknown> | undefined,
  ): void;
}

/**
 * A stage's logic for one partition. One instance per task; the runtime calls
 * init once (after state is restored), process for each record in offset
 * order, and close when the task goes away.
 */
export interface Processor {
  init?(context: ProcessorContext): void;
  process(record: InputRecord, context: ProcessorContext): void | Promise<void>;
  close?(): void;
}
