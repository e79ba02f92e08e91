import { describe, expect, it } from 'vitest';
import {
  hoppingWindows,
  isWindowClosed,
  tumblingWindows,
  windowsFor,
} from '../../../src/runtime/windows.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('tumbling windows', () => {
  const daily = tumblingWindows(DAY);

  it('aligns to the epoch in UTC, half-open [start, end)', () => {
    const t = Date.UTC(2026, 10, 23, 13, 45);
    expect(windowsFor(daily, t)).toEqual([
      { start: Date.UTC(2026, 10, 23), end: Date.UTC(2026, 10, 24) },
    ]);
    // the first instant of a day belongs to that day, the last ms to the day before
    expect(windowsFor(daily, Date.UTC(2026, 10, 24))[0]?.start).toBe(Date.UTC(2026, 10, 24));
    expect(windowsFor(daily, Date.UTC(2026, 10, 24) - 1)[0]?.start).toBe(Date.UTC(2026, 10, 23));
  });

  it('handles timestamps before 1970', () => {
    expect(windowsFor(tumblingWindows(1000), -1)).toEqual([{ start: -1000, end: 0 }]);
    expect(windowsFor(tumblingWindows(1000), -1000)).toEqual([{ start: -1000, end: 0 }]);
  });

  it('rejects sizes that are not positive whole milliseconds', () => {
    expect(() => tumblingWindows(0)).toThrow(RangeError);
    expect(() => tumblingWindows(1.5)).toThrow(RangeError);
  });
});

describe('hopping windows', () => {
  const weekAdvancingDaily = hoppingWindows(7 * DAY, DAY);

  it('puts each instant into size/advance windows, oldest first', () => {
    const t = Date.UTC(2026, 10, 23, 12);
    const windows = windowsFor(weekAdvancingDaily, t);
    expect(windows).toHaveLength(7);
    expect(windows[0]).toEqual({ start: Date.UTC(2026, 10, 17), end: Date.UTC(2026, 10, 24) });
    expect(windows[6]).toEqual({ start: Date.UTC(2026, 10, 23), end: Date.UTC(2026, 10, 30) });
    for (const window of windows) {
      expect(window.start <= t && t < window.end).toBe(true);
    }
  });

  it('handles an advance that does not divide the size', () => {
    const windows = windowsFor(hoppingWindows(10, 3), 10);
    expect(windows).toEqual([
      { start: 3, end: 13 },
      { start: 6, end: 16 },
      { start: 9, end: 19 },
    ]);
  });

  it('rejects an advance larger than the size', () => {
    expect(() => hoppingWindows(DAY, 2 * DAY)).toThrow(/advance/);
  });
});

describe('window closing and enumeration', () => {
  it('a window is final once the watermark reaches its end', () => {
    const window = { start: 0, end: 100 };
    expect(isWindowClosed(window, 99)).toBe(false);
    expect(isWindowClosed(window, 100)).toBe(true);
  });
});
