/**
 * The demo's sample stream at any hour: no event is dated after the `now` it
 * is laid out for (a broker refuses records ahead of its clock), and the
 * story stays the same: four UTC days, three of them whole and closed.
 */
import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/cli/commands/replay.js';
import { isolatedConfig } from '../../../src/cli/demo/pipeline-run.js';
import { recordsOfFile } from '../../../src/cli/input-records.js';
import { sampleStream } from '../../../src/cli/sample-stream.js';
import { loadTopologyFile } from '../../../src/config/topology-file.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** every time an event of the sample names: CloudEvents time, CDEvent timestamp, ReplicaSet creation */
function timesIn(value: unknown): number[] {
  if (Array.isArray(value)) return value.flatMap(timesIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    ['time', 'timestamp', 'creationTimestamp'].includes(key) && typeof inner === 'string'
      ? [Date.parse(inner)]
      : timesIn(inner),
  );
}

const parsed = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined; // the sample's truncated record
  }
};

const AS_OF = [
  '2026-11-30T00:05:00Z', // the hour the issue was found: events up to 02:00 of this day were refused
  '2026-11-30T23:55:00Z',
  '2026-12-01T01:59:59.999Z',
  '2026-12-01T02:00:00Z',
  '2026-12-31T23:55:00Z',
  '2027-01-01T00:05:00Z',
  '2028-02-29T00:05:00Z',
  '2028-03-01T00:00:00Z',
];

describe('the sample stream of `cdstream demo`', () => {
  it.each(AS_OF)('as of %s: no record and no event time after now', (asOf) => {
    const now = Date.parse(asOf);
    const sample = sampleStream(now, 'run');
    const records = recordsOfFile(sample.lines.join('\n'));
    expect(records.length).toBe(sample.lines.length);
    const stamps = records.flatMap((r) => (r.timestamp === undefined ? [] : [r.timestamp]));
    expect(stamps.length).toBeGreaterThan(40);
    expect(Math.max(...stamps)).toBe(sample.lastEventTime);
    expect(sample.lastEventTime).toBeLessThanOrEqual(now);
    const embedded = sample.lines.flatMap((line) => timesIn(parsed(line)));
    expect(embedded.every((time) => !Number.isNaN(time) && time <= now)).toBe(true);
  });

  it.each(AS_OF)(
    'as of %s: four UTC days, the last one reaching 02:00, within 26 h before now',
    (asOf) => {
      const now = Date.parse(asOf);
      const sample = sampleStream(now, 'run');
      expect(sample.firstDay % DAY).toBe(0);
      expect(sample.lastEventTime).toBe(sample.firstDay + 3 * DAY + 2 * HOUR);
      expect(now - sample.lastEventTime).toBeLessThan(DAY);
      // a sample ends as late as it can: one day later would be after now
      expect(sample.lastEventTime + DAY).toBeGreaterThan(now);
    },
  );

  it('is the same story at 00:05 and at 23:55, one day apart', () => {
    const early = sampleStream(Date.parse('2026-11-30T00:05:00Z'), 'run');
    const late = sampleStream(Date.parse('2026-11-30T23:55:00Z'), 'run');
    expect(late.firstDay - early.firstDay).toBe(DAY);
    const shifted = (lines: readonly string[], by: number) =>
      lines.map((line) =>
        line.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, (time) =>
          new Date(Date.parse(time) + by).toISOString(),
        ),
      );
    expect(shifted(early.lines, DAY)).toEqual(late.lines);
  });

  it.each(['2026-11-30T00:05:00Z', '2026-11-30T23:55:00Z'])(
    'as of %s the pipeline closes three whole days and derives what `npm start` shows',
    async (asOf) => {
      const now = Date.parse(asOf);
      const config = isolatedConfig(loadTopologyFile('topologies/default.yaml'), 'unit');
      const sample = sampleStream(now, 'run');
      const out = (await replay(config, [sample.lines.join('\n')], { now })).map(
        (line) =>
          JSON.parse(line) as {
            topic: string;
            event?: { type: string; time?: string; data: Record<string, unknown> };
            headers?: Record<string, string>;
          },
      );
      const { metrics, incidents, deadLetter, late } = config.outputs;
      const daily = out
        .filter((l) => l.topic === metrics)
        .map((l) => l.event?.data ?? {})
        .filter((d) => d.window === 'P1D' && typeof d.deployments === 'number');
      const days = [...new Set(daily.map((d) => String(d.windowStart)))].sort();
      expect(days).toEqual(
        [0, 1, 2].map((day) => new Date(sample.firstDay + day * DAY).toISOString()),
      );
      expect(
        [...new Set(daily.map((d) => `${String(d.service)}/${String(d.environment)}`))].sort(),
      ).toEqual(sample.services.map((s) => `${s.service}/${s.environment}`).sort());
      expect(out.filter((l) => l.topic === late)).toEqual([]);
      expect(
        out
          .filter((l) => l.topic === incidents)
          .map((l) => /\.(detected|resolved)\./.exec(l.event?.type ?? '')?.[1]),
      ).toEqual(['detected', 'resolved']);
      expect(
        out
          .filter((l) => l.topic === deadLetter)
          .map((l) => l.headers?.['cdstream-error-code'])
          .sort(),
      ).toEqual(['DECODE_JSON', 'SBOM_HOSTILE', 'SCHEMA_VIOLATION', 'UNKNOWN_TYPE']);
      // every output is dated at or before now too
      for (const line of out) {
        if (line.event?.time !== undefined)
          expect(Date.parse(line.event.time)).toBeLessThanOrEqual(now);
      }
    },
  );
});
