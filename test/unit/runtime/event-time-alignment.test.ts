import { describe, expect, it } from 'vitest';
import { partitionsAhead } from '../../../src/runtime/event-time-alignment.js';

const HOUR = 3_600_000;
const at = (partition: number, hours: number, caughtUp = false) => ({
  partition,
  streamTime: hours * HOUR,
  caughtUp,
});

describe('event-time alignment', () => {
  it('pauses partitions more than the drift ahead of the slowest one with data left', () => {
    const ahead = partitionsAhead([at(0, 10), at(1, 11), at(2, 11.5), at(3, 12)], HOUR);
    expect([...ahead].sort()).toEqual([2, 3]);
  });

  it('lets a caught-up partition hold nobody back, however far behind', () => {
    expect([...partitionsAhead([at(0, 1, true), at(1, 10), at(2, 12)], HOUR)]).toEqual([2]);
  });

  it('pauses nothing while no partition with data left has read an event time', () => {
    expect(partitionsAhead([at(0, 1, true), at(1, 9, true)], HOUR).size).toBe(0);
    const unknown = { partition: 2, streamTime: Number.NEGATIVE_INFINITY, caughtUp: false };
    expect(partitionsAhead([unknown, at(1, 9)], HOUR).size).toBe(0);
  });

  it('never pauses the slowest partition, so reading goes on', () => {
    const progress = [at(0, 5), at(1, 5), at(2, 30)];
    const ahead = partitionsAhead(progress, 0);
    expect(ahead.has(0) || ahead.has(1)).toBe(false);
    expect(ahead.has(2)).toBe(true);
  });
});
