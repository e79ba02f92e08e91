/**
 * The generator of the benchmarks and the fault suite never dates an event
 * after its `now` (a broker refuses record timestamps ahead of its clock),
 * whatever the hour: every event time, and every time written in a record.
 */
import { describe, expect, it } from 'vitest';
import { EventGenerator } from '../../../bench/lib/events.js';

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;

describe('bench EventGenerator', () => {
  it.each(['2026-11-30T00:05:00Z', '2026-11-30T23:55:00Z'])(
    'as of %s: nothing after now',
    (asOf) => {
      const now = Date.parse(asOf);
      const records = [...new EventGenerator(3_000, { run: 'clock', now }).records()];
      expect(Math.max(...records.map((r) => r.eventTime))).toBeLessThanOrEqual(now);
      const written = records.flatMap((r) =>
        [r.value.toString('latin1'), ...Object.values(r.headers)].flatMap((text) =>
          [...text.matchAll(TIME)].map((match) => Date.parse(match[0])),
        ),
      );
      expect(written.length).toBeGreaterThan(3_000);
      expect(written.filter((time) => time > now)).toEqual([]);
    },
  );
});

describe('bench EventGenerator span', () => {
  const digests = (releases: number | undefined) => {
    const options = { run: 'span', now: Date.parse('2026-11-30T12:00:00Z'), services: 4 };
    const generator = new EventGenerator(4_000, releases ? { ...options, releases } : options);
    const seen = new Set<string>();
    for (const record of generator.records()) {
      for (const match of record.value.toString('latin1').matchAll(/[0-9a-f]{64}/g)) {
        seen.add(match[0]);
      }
    }
    return seen.size;
  };

  it('makes about `releases` images of each service over the span', () => {
    const byDefault = digests(undefined);
    const many = digests(200);
    // 4 services: ~21 images each by default (20 releases and the next), ~201 with 200
    expect(byDefault).toBeGreaterThanOrEqual(4 * 15);
    expect(byDefault).toBeLessThanOrEqual(4 * 25);
    expect(many).toBeGreaterThan(4 * 150);
  });

  it('spreads event times over spanMs before now', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const spanMs = 60 * 86_400_000;
    const times = [
      ...new EventGenerator(2_000, { run: 'span', now, spanMs, lateShare: 0 }).records(),
    ].map((r) => r.eventTime);
    expect(Math.min(...times)).toBeLessThan(now - 0.99 * spanMs);
    expect(Math.max(...times)).toBeGreaterThan(now - 0.01 * spanMs - 600_000);
  });
});
