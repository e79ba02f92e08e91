/**
 * Summary statistics of durations, in whole milliseconds.
 *
 * - median: the middle value; for an even count the mean of the two middle
 *   values, rounded to the nearest millisecond.
 * - p90: nearest-rank percentile, the ⌈0.9·n⌉-th smallest value, so it is
 *   always a value that was observed (as Four Keys and DevLake report it).
 *
 * Both are undefined for an empty sample.
 */
export function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[middle - 1] as number;
  return Math.round((lower + upper) / 2);
}

export function nearestRankPercentile(
  values: readonly number[],
  percentile: number,
): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
  return sorted[rank - 1];
}

export const p90 = (values: readonly number[]): number | undefined =>
  nearestRankPercentile(values, 90);
