/**
 * The settings of a stage runner and the state it keeps per task: a slot
 * holds the task, its transactional producer, its position per input topic
 * and the lock that keeps processing, punctuation and commits one at a time.
 */
import { isStageFailure } from './failure.js';
import { Mutex } from './mutex.js';
import type { Task } from './task.js';
import type { TaskProducer } from './transport.js';

export interface RunnerSettings {
  /** commit a task's transaction at least this often while it has work, ms */
  readonly commitIntervalMs: number;
  /** ... or after this many records, whichever comes first */
  readonly commitMaxRecords: number;
  /**
   * commit a task whose open transaction holds no output records (only state
   * changes and input offsets: nothing a reader waits for) at least this
   * often instead, ms; the aggregate between window closes. Each
   * transaction costs the worker and the broker a few ms of CPU whatever it
   * holds: at low live rates that, not the events, is what a pipeline spends.
   */
  readonly stateOnlyCommitIntervalMs: number;
  readonly partitionsConsumedConcurrently: number;
  /** backoff for retriable failures (registry or broker away), ms */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** a task tells its internal outputs its watermark at most this often, ms */
  readonly watermarkIntervalMs: number;
  /** a record held for event-time order longer than this goes to the buffer's changelog, ms */
  readonly bufferSpillAfterMs: number;
  /** ... or more than this many offsets behind what its task has read (bounds re-reading after a restart) */
  readonly bufferSpillBehindRecords: number;
  /** ... or when its task has read no data for this long (its input stopped), ms */
  readonly bufferSpillWhenIdleMs: number;
  /**
   * a partition whose task has read this far (event time, ms) ahead of the
   * slowest partition of the stage that still has data to read is paused
   * until that one catches up (event-time-alignment.ts); Infinity: never
   */
  readonly alignmentDriftMs: number;
  /**
   * a punctuation that forwards many records (windows closing) sends them
   * into the open transaction in runs of this many, so that they are not all
   * held until the commit
   */
  readonly sendAfterRecords: number;
}

export const DEFAULT_RUNNER_SETTINGS: RunnerSettings = {
  commitIntervalMs: 100,
  commitMaxRecords: 1000,
  stateOnlyCommitIntervalMs: 1000,
  partitionsConsumedConcurrently: 4,
  retryInitialMs: 100,
  retryMaxMs: 30_000,
  watermarkIntervalMs: 1000,
  bufferSpillAfterMs: 30_000,
  bufferSpillBehindRecords: 10_000,
  bufferSpillWhenIdleMs: 3000,
  alignmentDriftMs: 15 * 60_000,
  sendAfterRecords: 1000,
};

/** Delay before retry number `attempt` (from 1): doubling from retryInitialMs, at most retryMaxMs. */
export function retryDelay(settings: RunnerSettings, attempt: number): number {
  return Math.min(settings.retryMaxMs, settings.retryInitialMs * 2 ** (attempt - 1));
}

export type SlotState = 'starting' | 'running' | 'released';

export class TaskSlot {
  state: SlotState = 'starting';
  producer: TaskProducer | undefined;
  readonly lock = new Mutex();
  /**
   * Next offset to process per input topic. Records below it are already in
   * the task's state: kafkajs may deliver them again (a rebalance resets its
   * position to the last commit; a batch fetched before a seek), so they are
   * dropped here. This is what keeps a retained task from counting twice.
   */
  readonly positions = new Map<string, bigint>();
  lastCommitAt: number;
  readonly ready: Promise<void>;
  markReady!: () => void;

  constructor(
    readonly task: Task,
    now: number,
  ) {
    this.lastCommitAt = now;
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }
}

/** One line for logs: the code of a stage failure, else the message. */
export function describe(error: unknown): string {
  if (isStageFailure(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
