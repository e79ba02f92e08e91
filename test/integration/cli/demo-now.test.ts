/**
 * `cdstream demo --now` on the broker, as of 00:05 UTC and as of 23:55 UTC:
 * the run succeeds, no record it produced (input, outputs, dead letters) is
 * dated after --now, and the tables show the three whole days before the
 * sample's last one. A --now ahead of the clock is refused in one line.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readToEnd } from '../../../src/cli/kafka-topics.js';
import { kafka } from '../setup/clients.js';
import { startCdstream } from '../setup/fleet.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** the latest moment at or before `clock` whose UTC time of day is hours:minutes */
function latest(hours: number, minutes: number, clock: number): number {
  const today = Math.floor(clock / DAY) * DAY + hours * HOUR + minutes * MINUTE;
  return today <= clock ? today : today - DAY;
}

/** The command's own lines; kafkajs' log lines and Node's warnings are not what this test is about. */
async function demo(args: string[]) {
  const run = startCdstream(['demo', '--sample-dir', '.local/test-demo', ...args], {
    NODE_NO_WARNINGS: '1',
  });
  const code = await run.exited;
  return { code, lines: run.output.filter((line) => !line.startsWith('{"level"')) };
}

describe('cdstream demo --now', () => {
  it.each([
    ['00:05', 0, 5],
    ['23:55', 23, 55],
  ])(
    'as of %s UTC: nothing dated after --now, three whole days in the tables',
    async (_label, hours, minutes) => {
      const now = latest(hours, minutes, Date.now() - MINUTE);
      const asOf = new Date(now).toISOString();
      const { code, lines } = await demo(['--now', asOf]);
      expect(code, lines.join('\n')).toBe(0);
      expect(lines[0]).toContain(`as of ${asOf}`);

      const prefix = /^Topics\s+(cdstream\.demo\.\d+)\./.exec(
        lines.find((line) => line.startsWith('Topics')) ?? '',
      )?.[1];
      expect(prefix).toBeDefined();
      const topics = ['in', 'enriched', 'metrics', 'incidents', 'late', 'dlq'].map(
        (name) => `${prefix ?? ''}.${name}`,
      );
      const records = await readToEnd(kafka('cdstream-test-demo-now'), topics);
      const input = records.filter((r) => r.topic === topics[0]);
      expect(input.length).toBeGreaterThan(40);
      expect(records.filter((r) => r.topic === topics[2]).length).toBeGreaterThan(50);
      const after = records.filter((r) => Number(r.message.timestamp) > now);
      expect(
        after.map((r) => `${r.topic}: ${new Date(Number(r.message.timestamp)).toISOString()}`),
      ).toEqual([]);

      const lastDay = Math.floor((now - 2 * HOUR) / DAY) * DAY;
      const days = [3, 2, 1].map((back) =>
        new Date(lastDay - back * DAY).toISOString().slice(0, 10),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(`^service/environment\\s+${days.join('\\s+')}$`),
      );
      expect(lines).toContain('Where to look next');
      // npm start ends with the report's path; the page names the run's topics
      const report = lines.at(-1) ?? '';
      expect(report).toMatch(/^report: \/.+\/report-\d{14}\.html$/);
      expect(readFileSync(report.slice('report: '.length), 'utf8')).toContain(topics[2]);
    },
    120_000,
  );

  it('refuses a --now ahead of the clock in one line, exit 2', async () => {
    const ahead = new Date(Date.now() + HOUR).toISOString();
    const { code, lines } = await demo(['--now', ahead]);
    expect(code).toBe(2);
    expect(lines).toEqual([
      expect.stringMatching(
        /^--now \S+ is (59m|1h 0m) ahead of this machine's clock \(\S+\); the broker refuses records from the future: give a moment at or before now$/,
      ),
    ]);
    const garbled = await demo(['--now', 'yesterday']);
    expect(garbled.code).toBe(2);
    expect(garbled.lines).toEqual([
      '--now "yesterday" is not an RFC 3339 date-time such as 2026-11-30T00:05:00Z',
    ]);
  }, 60_000);
});
