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
