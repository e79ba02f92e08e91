import { describe, expect, it } from 'vitest';
import { EventClock, NO_TIME } from '../../../src/runtime/watermark.js';

describe('EventClock', () => {
  it('keeps the largest event time and trails it by the grace period', () => {
    const clock = new EventClock({ graceMs: 10 });
    expect(clock.streamTime).toBe(NO_TIME);
    expect(clock.observe(100, 0)).toBe(true);
    expect(clock.observe(50, 0)).toBe(false); // out of order: stream time stays
    expect(clock.streamTime).toBe(100);
    expect(clock.watermark).toBe(90);
  });

  it('advances with the wall clock only after the idle timeout', () => {
    const clock = new EventClock({ graceMs: 0, idleTimeoutMs: 1000 });
    clock.observe(5000, 0);
    expect(clock.advanceIfIdle(999)).toBe(false);
    expect(clock.streamTime).toBe(5000);
    expect(clock.advanceIfIdle(1500)).toBe(true);
    expect(clock.streamTime).toBe(6500);
    // the next advance needs another full idle period
    expect(clock.advanceIfIdle(2000)).toBe(false);
    expect(clock.advanceIfIdle(2500)).toBe(true);
    expect(clock.streamTime).toBe(7500);
  });

  it('never advances by itself without an idle timeout or before any record', () => {
    expect(new EventClock({ graceMs: 0 }).advanceIfIdle(1e12)).toBe(false);
    const fresh = new EventClock({ graceMs: 0, idleTimeoutMs: 1 });
    expect(fresh.advanceIfIdle(1e12)).toBe(false);
    expect(fresh.streamTime).toBe(NO_TIME);
  });

  it('starts counting idle time from its first call after a restore', () => {
    const clock = new EventClock({ graceMs: 0, idleTimeoutMs: 1000 }, { streamTime: 100 });
    expect(clock.advanceIfIdle(50_000)).toBe(false);
    expect(clock.advanceIfIdle(51_000)).toBe(true);
    expect(clock.streamTime).toBe(1100);
  });
});
