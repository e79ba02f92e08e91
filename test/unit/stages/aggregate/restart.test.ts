import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../../src/domain/dora/index.js';
import { aggregateStage } from '../../../../src/stages/aggregate/index.js';
import type { TopologyTestDriver } from '../../../../src/runtime/test-driver.js';
import { driverFor, pipe, TOPICS } from './driver-helpers.js';
import {
  deployment,
  incident,
  outcome,
  rollback,
  scan,
  type EnrichedRecord,
} from './enriched-events.js';

const D0 = Date.UTC(2026, 2, 2);
const services = ['shop', 'cart', 'search'];

/** Three days of mixed events for three services, slightly out of order. */
function scenario(): EnrichedRecord[] {
  const records: EnrichedRecord[] = [];
  for (let hour = 0; hour < 72; hour++) {
    for (const [index, service] of services.entries()) {
      const where = (offset: number) => ({
        service,
        environment: 'prod',
        time: D0 + hour * HOUR_MS + offset,
        id: `${service}-${hour}-${offset}`,
      });
      if ((hour + index) % 6 === 0)
        records.push(
          deployment(where(0), {
            artifact: `${service}-${hour}`,
            leadTimeStart: D0 + (hour - 5) * HOUR_MS,
            vulnerabilities: { critical: hour % 12 === 0 ? 1 : 0 },
          }),
        );
      if ((hour + index) % 9 === 0)
        records.push(incident(where(1), { phase: 'detected', incident: `${service}-inc-${hour}` }));
      if ((hour + index) % 9 === 3)
        records.push(
          incident(where(2), { phase: 'resolved', incident: `${service}-inc-${hour - 3}` }),
        );
      if ((hour + index) % 15 === 0) records.push(rollback(where(3), `${service}-${hour - 6}`));
      if (hour % 7 === index)
        records.push(
          outcome(where(-HOUR_MS), 'pipelinerun', hour % 2 === 0 ? 'failure' : 'success'),
        );
      if (hour % 10 === index)
        records.push(
          scan(where(4), `${service}-${hour - (hour % 6)}`, {
            critical: 1,
            criticalIds: ['CVE-1'],
          }),
        );
    }
  }
  return records;
}

const outputs = (driver: TopologyTestDriver) =>
  [TOPICS.metrics, TOPICS.incidents, TOPICS.deadLetter].map((topic) =>
    driver
      .allRecords(topic)
      .map((record) => `${record.key?.toString() ?? ''} ${record.value?.toString() ?? ''}`)
      .sort(),
  );

describe('aggregate stage across a restart', () => {
  it('restart() mid-run gives the same metrics and incidents as an uninterrupted run', async () => {
    const stage = () =>
      aggregateStage({
        source: '/cdstream/test',
        topics: TOPICS,
        windows: [
          { name: 'P1D', sizeMs: DAY_MS },
          { name: 'P2D/P1D', sizeMs: 2 * DAY_MS, advanceMs: DAY_MS },
        ],
        graceMs: HOUR_MS,
      });
    const records = scenario();
    const end = Math.max(...records.map((record) => record.timestamp)) + 2 * DAY_MS;
    const uninterrupted = driverFor(stage(), 2);
    await pipe(uninterrupted, records);
    await uninterrupted.closeWindowsUpTo(end);

    const restarted = driverFor(stage(), 2);
    const half = Math.floor(records.length / 2);
    await pipe(restarted, records.slice(0, half));
    restarted.restart();
    await pipe(restarted, records.slice(half, half + 10));
    restarted.restart();
    await pipe(restarted, records.slice(half + 10));
    await restarted.closeWindowsUpTo(end);

    const expected = outputs(uninterrupted);
    expect(expected[0]?.length).toBeGreaterThan(50);
    expect(expected[1]?.length).toBeGreaterThan(0);
    expect(outputs(restarted)).toEqual(expected);
  });
});
