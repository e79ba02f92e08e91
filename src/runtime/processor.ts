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
  /** stream time minus the grace period: windows ending at or before it are final */
  readonly watermark: number;
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
   */
  schedule(type: PunctuationType, intervalMs: number, callback: (time: number) => void): void;
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
