/**
 * Per-task event clock. Stream time is the largest event time seen; the
 * watermark trails it by the grace period. When a task has seen no record for
 * `idleTimeoutMs` of wall-clock time, stream time advances with the wall clock
 * from the last record on, so windows close on a quiet day. Replayed history
 * does not jump to "now": it only moves as fast as time passes while idle.
 */
export interface EventClockOptions {
  readonly graceMs: number;
  /** undefined: never advance by wall-clock time */
  readonly idleTimeoutMs?: number | undefined;
}

export interface EventClockState {
  streamTime: number;
}

export const NO_TIME = Number.NEGATIVE_INFINITY;

export class EventClock {
  private streamTimeMs: number;
  /** wall-clock time of the last record or idle advance */
  private lastActivityWallMs: number | undefined;

  constructor(
    private readonly options: EventClockOptions,
    initial: EventClockState = { streamTime: NO_TIME },
  ) {
    this.streamTimeMs = initial.streamTime;
  }

  get streamTime(): number {
    return this.streamTimeMs;
  }

  get watermark(): number {
    return this.streamTimeMs - this.options.graceMs;
  }

  /** Records an event time; returns true when stream time moved forward. */
  observe(eventTime: number, wallNow: number): boolean {
    this.lastActivityWallMs = wallNow;
    if (eventTime > this.streamTimeMs) {
      this.streamTimeMs = eventTime;
      return true;
    }
    return false;
  }

  /** Advances stream time by wall-clock time if the task has been idle long enough. */
  advanceIfIdle(wallNow: number): boolean {
    const idleTimeout = this.options.idleTimeoutMs;
    if (idleTimeout === undefined || this.streamTimeMs === NO_TIME) return false;
    if (this.lastActivityWallMs === undefined) {
      // A restored task starts its idle count when it starts running.
      this.lastActivityWallMs = wallNow;
      return false;
    }
    const idleFor = wallNow - this.lastActivityWallMs;
    if (idleFor < idleTimeout) return false;
    this.streamTimeMs += idleFor;
    this.lastActivityWallMs = wallNow;
    return true;
  }

  snapshot(): EventClockState {
    return { streamTime: this.streamTimeMs };
  }
}
