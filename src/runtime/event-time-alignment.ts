/**
 * Event-time alignment of a stage's partitions (Flink calls it watermark
 * alignment). In a replay every partition has history to read, and a
 * consumer reads them unevenly: some partitions run hours of event time
 * ahead of others. Downstream, a task's watermark is the minimum over its
 * upstream tasks, so every record above the slowest upstream's time is held
 * in memory until it catches up: the skew becomes memory, and the memory
 * grows with the history replayed. Pausing the partitions that run ahead of
 * the slowest one by more than a drift bounds the skew, and with it what
 * downstream tasks hold.
 *
 * Only partitions with unread data count as slowest: a caught-up partition
 * (a live one, or one whose history ended) holds nobody back here, so a
 * paused partition is resumed when the slowest one catches up.
 */

export interface PartitionProgress {
  readonly partition: number;
  /** largest event time the partition's task has read; not finite before its first record */
  readonly streamTime: number;
  /** whether the consumer has read everything the partition's topics hold */
  readonly caughtUp: boolean;
}

/** The partitions more than `driftMs` of event time ahead of the slowest one that still has data to read. */
export function partitionsAhead(
  progress: readonly PartitionProgress[],
  driftMs: number,
): Set<number> {
  let slowest = Number.POSITIVE_INFINITY;
  for (const { streamTime, caughtUp } of progress) {
    if (!caughtUp && Number.isFinite(streamTime) && streamTime < slowest) slowest = streamTime;
  }
  const ahead = new Set<number>();
  if (!Number.isFinite(slowest)) return ahead;
  for (const { partition, streamTime } of progress) {
    if (streamTime > slowest + driftMs) ahead.add(partition);
  }
  return ahead;
}
