/**
 * Event time across a topology (DESIGN.md §4). A watermark W promises that
 * no record with an event time below W will follow. Two kinds exist:
 *
 * - where time enters, one per external input partition: the largest event
 *   time the partition delivered (times ahead of the wall clock do not
 *   count) minus an allowance for disorder inside the partition. While the
 *   consumer is caught up with the partition's end, it moves on with the
 *   wall clock from the last event time (never jumping straight to "now"),
 *   so a quiet partition holds nobody back. A partition that never
 *   delivered anything has no time to move on from: it holds its readers
 *   at "unknown" until it has been caught up (empty) for the idle timeout,
 *   and then follows the clock from the moment it caught up (so workers
 *   started before their history is produced do not call it late);
 * - downstream, the minimum over every upstream task that writes the
 *   task's input topic, as those tasks reported it in watermark records.
 *   An upstream that never reported holds the reader at "unknown".
 *
 * Both never go backwards.
 */
export const NO_TIME = Number.NEGATIVE_INFINITY;

/** What is kept of one input partition across restarts. */
export interface SourcePartitionState {
  /** largest event time delivered, not ahead of the wall clock */
  readonly maxEventTime: number;
  /** the watermark last reported; it never goes back */
  readonly watermark: number;
}

export class SourcePartitionWatermark {
  private maxEventTime: number;
  private reported: number;
  /** wall-clock time at which the consumer caught up with the partition's end; undefined while behind */
  private caughtUpSince: number | undefined;

  /**
   * @param followsClock false where there is no live clock (replays, tests):
   *   event times are not capped by it and a caught-up partition does not follow it
   */
  constructor(
    private readonly disorderMs: number,
    restored?: SourcePartitionState,
    private readonly followsClock = true,
    private readonly idleMs = 0,
  ) {
    this.maxEventTime = restored?.maxEventTime ?? NO_TIME;
    this.reported = restored?.watermark ?? NO_TIME;
  }

  /** Notes a delivered event time; the wall clock caps what it can promise. */
  observe(eventTime: number, wallNow: number): void {
    const capped = this.followsClock ? Math.min(eventTime, wallNow) : eventTime;
    if (capped > this.maxEventTime) this.maxEventTime = capped;
  }

  /** The consumer has read everything the partition holds (true) or learned that more exists (false). */
  setCaughtUp(caughtUp: boolean, wallNow: number): void {
    if (!this.followsClock) return;
    if (!caughtUp) this.caughtUpSince = undefined;
    else this.caughtUpSince ??= wallNow;
  }

  /** Lets the watermark reach at least `eventTime` (end of a replay). */
  advanceTo(eventTime: number): void {
    const wanted = eventTime + this.disorderMs;
    if (wanted > this.maxEventTime) this.maxEventTime = wanted;
  }

  current(wallNow: number): number {
    let time = this.maxEventTime;
    if (this.caughtUpSince !== undefined) {
      const caughtUpFor = Math.max(0, wallNow - this.caughtUpSince);
      const extrapolated =
        time !== NO_TIME
          ? time + caughtUpFor
          : caughtUpFor >= this.idleMs
            ? this.caughtUpSince + (caughtUpFor - this.idleMs)
            : NO_TIME;
      time = Math.max(time, Math.min(extrapolated, wallNow));
    }
    const watermark = time - this.disorderMs;
    if (watermark > this.reported) this.reported = watermark;
    return this.reported;
  }

  snapshot(): SourcePartitionState {
    return { maxEventTime: this.maxEventTime, watermark: this.reported };
  }
}

/** What is kept of a reader's upstream watermarks across restarts. */
export interface UpstreamState {
  readonly reported: Readonly<Record<string, number>>;
  readonly watermark: number;
}

/**
 * The watermark of a task that reads internal topics: the minimum over the
 * full, known set of upstream tasks. Nobody is ever timed out: a dead
 * upstream holds the reader back, visibly (`holdingBack`).
 */
export class UpstreamWatermarks {
  private readonly reported = new Map<string, number>();
  private watermark: number;
  /** reports that would have moved one upstream backwards (must stay 0) */
  regressions = 0;

  constructor(
    readonly expected: readonly string[],
    restored?: UpstreamState,
  ) {
    for (const [id, time] of Object.entries(restored?.reported ?? {})) this.reported.set(id, time);
    this.watermark = restored?.watermark ?? NO_TIME;
  }

  /** Takes one upstream's report; returns true when the minimum moved forward. */
  report(upstream: string, time: number): boolean {
    const previous = this.reported.get(upstream);
    if (previous !== undefined && time < previous) {
      this.regressions++;
      return false;
    }
    this.reported.set(upstream, time);
    const minimum = this.minimum();
    if (minimum <= this.watermark) return false;
    this.watermark = minimum;
    return true;
  }

  get current(): number {
    return this.watermark;
  }

  /** The upstream tasks at the minimum (or that never reported): who holds this task back. */
  holdingBack(): string[] {
    const silent = this.expected.filter((id) => !this.reported.has(id));
    if (silent.length > 0) return silent;
    const minimum = this.minimum();
    return this.expected.filter((id) => this.reported.get(id) === minimum);
  }

  snapshot(): UpstreamState {
    return { reported: Object.fromEntries(this.reported), watermark: this.watermark };
  }

  private minimum(): number {
    let minimum = Number.POSITIVE_INFINITY;
    for (const id of this.expected) {
      const time = this.reported.get(id);
      if (time === undefined) return NO_TIME;
      if (time < minimum) minimum = time;
    }
    return minimum === Number.POSITIVE_INFINITY ? NO_TIME : minimum;
  }
}
