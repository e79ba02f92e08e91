import { describe, expect, it } from 'vitest';
import {
  addDeployment,
  addDetection,
  addRestoration,
  addRollback,
  changeFailureRate,
  DAY_MS,
  deploymentFrequency,
  emptyTimeline,
  HOUR_MS,
  leadTime,
  timeToRestore,
  type ServiceTimeline,
} from '../../../../src/domain/dora/index.js';

const day = { start: 0, end: DAY_MS };
const week = { start: 0, end: 7 * DAY_MS };

function timeline(build: (t: ServiceTimeline) => ServiceTimeline): ServiceTimeline {
  return build(emptyTimeline());
}

const deploy = (eventId: string, time: number, artifact?: string, leadTimeStart?: number) => ({
  eventId,
  time,
  artifact,
  leadTimeStart,
});

describe('deployment frequency', () => {
  it('counts deployments in [start, end), rollbacks apart, distinct artifacts', () => {
    const t = timeline((t) =>
      addRollback(
        addDeployment(
          addDeployment(
            addDeployment(addDeployment(t, deploy('a', 0, 'x')), deploy('b', HOUR_MS, 'y')),
            deploy('c', DAY_MS - 1, 'x'),
          ),
          deploy('d', DAY_MS, 'z'),
        ),
        { eventId: 'r', time: 2 * HOUR_MS },
      ),
    );
    expect(deploymentFrequency(t, day)).toEqual({
      deployments: 3,
      rollbacks: 1,
      distinctArtifacts: 2,
      deploymentsPerDay: 3,
      band: 'elite',
    });
    expect(deploymentFrequency(t, week)).toMatchObject({
      deployments: 4,
      deploymentsPerDay: 4 / 7,
      band: 'high',
    });
    expect(deploymentFrequency(emptyTimeline(), day)).toMatchObject({
      deployments: 0,
      band: 'low',
    });
  });
});

describe('change failure rate', () => {
  it('fails the deployment running when an incident is detected, and the one a rollback undoes', () => {
    const t = timeline((t) => {
      t = addDeployment(t, deploy('d1', 1 * HOUR_MS, 'a'));
      t = addDeployment(t, deploy('d2', 2 * HOUR_MS, 'b'));
      t = addDeployment(t, deploy('d3', 3 * HOUR_MS, 'c'));
      t = addDeployment(t, deploy('d4', 4 * HOUR_MS, 'd'));
      t = addDetection(t, { incidentId: 'i1', time: 2.5 * HOUR_MS }); // d2 was running
      t = addDetection(t, { incidentId: 'i2', time: 2.7 * HOUR_MS }); // d2 again: one failed change
      t = addRollback(t, { eventId: 'r1', time: 5 * HOUR_MS }); // undoes d4
      return t;
    });
    expect(changeFailureRate(t, day)).toEqual({
      deployments: 4,
      failedDeployments: 2,
      rolledBackDeployments: 1,
      incidentLinkedDeployments: 1,
      rate: 0.5,
      band: 'low',
    });
  });

  it('links an incident that names an artifact to the latest deployment of that artifact', () => {
    const t = timeline((t) => {
      t = addDeployment(t, deploy('d1', HOUR_MS, 'a'));
      t = addDeployment(t, deploy('d2', 2 * HOUR_MS, 'b'));
      return addDetection(t, { incidentId: 'i', time: 3 * HOUR_MS, artifact: 'a' });
    });
    expect(changeFailureRate(t, day)).toMatchObject({ failedDeployments: 1, rate: 0.5 });
    const linkedToB = addDetection(t, { incidentId: 'j', time: 3 * HOUR_MS, artifact: 'unknown' });
    expect(changeFailureRate(linkedToB, day).failedDeployments).toBe(1);
  });

  it('an incident before any deployment fails nothing; no deployments: no rate', () => {
    const t = addDeployment(
      addDetection(emptyTimeline(), { incidentId: 'i', time: 0 }),
      deploy('d', HOUR_MS),
    );
    expect(changeFailureRate(t, day)).toMatchObject({
      failedDeployments: 0,
      rate: 0,
      band: 'elite',
    });
    expect(changeFailureRate(emptyTimeline(), day)).toMatchObject({
      rate: undefined,
      band: undefined,
    });
  });
});

describe('time to restore', () => {
  it('durations of the incidents resolved in the window, median and p90; unmatched resolves counted', () => {
    let t = emptyTimeline();
    t = addRestoration(t, { incidentId: 'a', detectedAt: 0, resolvedAt: 30 * 60_000 });
    t = addRestoration(t, { incidentId: 'b', detectedAt: HOUR_MS, resolvedAt: 3 * HOUR_MS });
    t = addRestoration(t, { incidentId: 'c', detectedAt: 2 * HOUR_MS, resolvedAt: 6 * HOUR_MS });
    t = addRestoration(t, { incidentId: 'd', resolvedAt: 7 * HOUR_MS });
    t = addRestoration(t, { incidentId: 'e', detectedAt: 0, resolvedAt: DAY_MS }); // next window
    const result = timeToRestore(t, day);
    expect(result.restorations.map((r) => r.durationMs)).toEqual([
      30 * 60_000,
      2 * HOUR_MS,
      4 * HOUR_MS,
    ]);
    expect(result).toMatchObject({
      unmatchedResolutions: 1,
      medianMs: 2 * HOUR_MS,
      p90Ms: 4 * HOUR_MS,
      band: 'high',
    });
  });
});

describe('lead time', () => {
  it('deployment time minus lead-time start, for deployments that carry one', () => {
    let t = emptyTimeline();
    t = addDeployment(t, deploy('a', 2 * HOUR_MS, 'x', 0));
    t = addDeployment(t, deploy('b', 5 * HOUR_MS, 'y', 4 * HOUR_MS));
    t = addDeployment(t, deploy('c', 6 * HOUR_MS, 'x'));
    t = addDeployment(t, deploy('d', 10 * HOUR_MS, 'z', 4 * HOUR_MS));
    expect(leadTime(t, day)).toEqual({
      samples: 3,
      medianMs: 2 * HOUR_MS,
      p90Ms: 6 * HOUR_MS,
      band: 'elite',
      changeSamples: 0,
      changeMedianMs: undefined,
      changeP90Ms: undefined,
      changeBand: undefined,
      start: 'artifact',
    });
    expect(leadTime(emptyTimeline(), day)).toEqual({
      samples: 0,
      medianMs: undefined,
      p90Ms: undefined,
      band: undefined,
      changeSamples: 0,
      changeMedianMs: undefined,
      changeP90Ms: undefined,
      changeBand: undefined,
      start: undefined,
    });
  });

  it('also from the change when the deployment carries a change start; start says which', () => {
    let t = emptyTimeline();
    t = addDeployment(t, { ...deploy('a', 2 * HOUR_MS, 'x', HOUR_MS), changeLeadTimeStart: 0 });
    t = addDeployment(t, deploy('b', 5 * HOUR_MS, 'y', 4 * HOUR_MS));
    // a change start without an artifact start is not a sample: it is not a new artifact
    t = addDeployment(t, { ...deploy('c', 6 * HOUR_MS, 'x'), changeLeadTimeStart: 0 });
    expect(leadTime(t, day)).toMatchObject({
      samples: 2,
      medianMs: HOUR_MS,
      changeSamples: 1,
      changeMedianMs: 2 * HOUR_MS,
      changeP90Ms: 2 * HOUR_MS,
      changeBand: 'elite',
      start: 'mixed',
    });
    const changeOnly = addDeployment(emptyTimeline(), {
      ...deploy('d', 9 * DAY_MS, 'z', 9 * DAY_MS - HOUR_MS),
      changeLeadTimeStart: 0,
    });
    expect(leadTime(changeOnly, { start: 9 * DAY_MS, end: 10 * DAY_MS })).toMatchObject({
      samples: 1,
      band: 'elite',
      changeMedianMs: 9 * DAY_MS,
      changeBand: 'medium', // 9 days: at least a week
      start: 'change',
    });
  });
});
