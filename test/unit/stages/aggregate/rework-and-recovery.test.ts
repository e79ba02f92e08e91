/**
 * Deployment rework rate and failed deployment recovery time through the
 * aggregate stage, with one-day windows only, so that the timeline is pruned
 * to the current day: what happened days before must still count right.
 */
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../../src/domain/dora/index.js';
import { aggregateStage, METRICS_TYPES } from '../../../../src/stages/aggregate/index.js';
import { byWindow, driverFor, metricsEvents, pipe, TOPICS } from './driver-helpers.js';
import { deployment, incident, rollback, type EnrichedRecord } from './enriched-events.js';

const D0 = Date.UTC(2026, 2, 2);
const MINUTE = 60_000;
const at = (time: number) => ({ service: 'shop', environment: 'prod', time: D0 + time });
const windowOf = (day: number) => `shop/prod P1D ${new Date(D0 + day * DAY_MS).toISOString()}`;

async function run(records: readonly EnrichedRecord[]) {
  const driver = driverFor(
    aggregateStage({
      source: '/cdstream/test',
      topics: TOPICS,
      windows: [{ name: 'P1D', sizeMs: DAY_MS }],
      graceMs: HOUR_MS,
    }),
  );
  // one record at a time: every window closes (and the timeline is pruned) as time passes
  for (const record of records) await pipe(driver, [record]);
  return metricsEvents(driver.readOutput(TOPICS.metrics));
}

describe('deployment rework rate through the stage', () => {
  it('counts deployments made while an incident is open, also one opened days before', async () => {
    const events = await run([
      deployment(at(HOUR_MS), { artifact: 'a' }),
      incident(at(2 * HOUR_MS), { phase: 'detected', incident: 'long' }),
      deployment(at(3 * HOUR_MS), { artifact: 'hotfix-1' }), // rework
      // two days later: the detection's day is emitted and pruned, the incident still open
      deployment(at(2 * DAY_MS + HOUR_MS), { artifact: 'hotfix-2' }), // rework
      incident(at(2 * DAY_MS + 2 * HOUR_MS), { phase: 'resolved', incident: 'long' }),
      deployment(at(2 * DAY_MS + 3 * HOUR_MS), { artifact: 'planned' }), // not rework
      incident(at(2 * DAY_MS + 4 * HOUR_MS), { phase: 'detected', incident: 'after' }),
      deployment(at(3 * DAY_MS + 2 * HOUR_MS), { artifact: 'closes-day-2' }),
    ]);
    const rework = byWindow(events, METRICS_TYPES.deploymentReworkRate);
    expect(rework.get(windowOf(0))).toMatchObject({
      deployments: 2,
      reworkDeployments: 1,
      reworkRate: 0.5,
      band: 'low',
    });
    expect(rework.get(windowOf(1))).toMatchObject({
      deployments: 0,
      reworkDeployments: 0,
      reworkRate: null,
      band: null,
    });
    expect(rework.get(windowOf(2))).toMatchObject({
      deployments: 2,
      reworkDeployments: 1,
      reworkRate: 0.5,
    });
  });
});

describe('failed deployment recovery time through the stage', () => {
  it('measures from the failed deployment to its first recovery, however old the deployment', async () => {
    const events = await run([
      deployment(at(HOUR_MS), { artifact: 'a' }),
      incident(at(2 * HOUR_MS), { phase: 'detected', incident: 'inc-a' }), // links a
      // three days later, a is long pruned from the timeline
      incident(at(3 * DAY_MS + HOUR_MS), { phase: 'resolved', incident: 'inc-a' }), // recovers a: 3 d
      deployment(at(3 * DAY_MS + 2 * HOUR_MS), { artifact: 'c' }),
      deployment(at(3 * DAY_MS + 3 * HOUR_MS), { artifact: 'd' }),
      incident(at(3 * DAY_MS + 3 * HOUR_MS + 30 * MINUTE), {
        phase: 'detected',
        incident: 'inc-d',
      }),
      rollback(at(3 * DAY_MS + 4 * HOUR_MS), 'c'), // undoes d: recovered after 1 h
      incident(at(3 * DAY_MS + 5 * HOUR_MS), { phase: 'resolved', incident: 'inc-d' }), // d again: not counted
      rollback(at(3 * DAY_MS + 6 * HOUR_MS), 'c'), // undoes d once more: not counted
      deployment(at(4 * DAY_MS + 2 * HOUR_MS), { artifact: 'closes-day-3' }),
    ]);
    const recovery = byWindow(events, METRICS_TYPES.failedDeploymentRecoveryTime);
    expect(recovery.get(windowOf(0))).toMatchObject({
      recoveries: 0,
      unrecovered: 1,
      medianMs: null,
      band: null,
    });
    expect(recovery.get(windowOf(3))).toMatchObject({
      recoveries: 2,
      unrecovered: 0,
      medianMs: Math.round((3 * DAY_MS + HOUR_MS) / 2),
      p90Ms: 3 * DAY_MS,
      band: 'medium',
    });
    // change failure rate and time to restore are as before
    expect(byWindow(events, METRICS_TYPES.changeFailureRate).get(windowOf(3))).toMatchObject({
      deployments: 2,
      failedDeployments: 1,
    });
  });
});
