import { describe, expect, it } from 'vitest';
import {
  addDeployment,
  addDetection,
  addRestoration,
  addRollback,
  DAY_MS,
  emptyTimeline,
  failedDeploymentRecoveryTime,
  HOUR_MS,
  reworkRate,
  type ServiceTimeline,
} from '../../../../src/domain/dora/index.js';

const day = { start: 0, end: DAY_MS };
const MINUTE = 60_000;

const deploy = (eventId: string, time: number, openIncidents?: number, artifact = eventId) => ({
  eventId,
  time,
  artifact,
  openIncidents,
});

describe('deployment rework rate', () => {
  it('rework deployments (made while an incident was open) over the deployments of the window', () => {
    let t = emptyTimeline();
    t = addDeployment(t, deploy('a', HOUR_MS));
    t = addDeployment(t, deploy('hotfix', 2 * HOUR_MS, 1));
    t = addDeployment(t, deploy('b', 3 * HOUR_MS, 2));
    t = addDeployment(t, deploy('c', 4 * HOUR_MS));
    t = addDeployment(t, deploy('next-day', DAY_MS + HOUR_MS, 1));
    t = addRollback(t, { eventId: 'r', time: 5 * HOUR_MS });
    expect(reworkRate(t, day)).toEqual({
      deployments: 4,
      reworkDeployments: 2,
      rate: 0.5,
      band: 'low',
    });
  });

  it('no deployment: rate and band are undefined; rollbacks alone are not deployments', () => {
    const t = addRollback(emptyTimeline(), { eventId: 'r', time: HOUR_MS });
    expect(reworkRate(t, day)).toEqual({
      deployments: 0,
      reworkDeployments: 0,
      rate: undefined,
      band: undefined,
    });
  });

  it('bands as change failure rate: 1 of 20 is elite, 2 of 20 high, 3 of 20 medium, 4 of 20 low', () => {
    const bandOf = (rework: number) => {
      let t: ServiceTimeline = emptyTimeline();
      for (let i = 0; i < 20; i++)
        t = addDeployment(t, deploy(`d${i}`, i * MINUTE, i < rework ? 1 : undefined));
      return reworkRate(t, day).band;
    };
    expect([bandOf(0), bandOf(1), bandOf(2), bandOf(3), bandOf(4)]).toEqual([
      'elite',
      'elite',
      'high',
      'medium',
      'low',
    ]);
  });
});

describe('failed deployment recovery time', () => {
  it('deployment → its first recovery, counted in the window holding the recovery', () => {
    let t = emptyTimeline();
    t = addDeployment(t, deploy('a', HOUR_MS));
    t = addRollback(t, {
      eventId: 'rb',
      time: HOUR_MS + 30 * MINUTE,
      recovers: { eventId: 'a', time: HOUR_MS },
    });
    t = addDeployment(t, deploy('b', 3 * HOUR_MS));
    t = addDetection(t, { incidentId: 'i', time: 4 * HOUR_MS });
    t = addRestoration(t, {
      incidentId: 'i',
      resolvedAt: 5 * HOUR_MS,
      detectedAt: 4 * HOUR_MS,
      recovers: { eventId: 'b', time: 3 * HOUR_MS },
    });
    // recovered the next day: counts there, and b2 is still unrecovered at this day's end
    t = addDeployment(t, deploy('b2', 20 * HOUR_MS));
    t = addRollback(t, {
      eventId: 'rb2',
      time: 22 * HOUR_MS,
      recovers: { eventId: 'b2', time: 20 * HOUR_MS },
    });
    t = addDeployment(t, deploy('c', 23 * HOUR_MS));
    t = addDetection(t, { incidentId: 'j', time: 23 * HOUR_MS + 10 * MINUTE });
    t = addRestoration(t, {
      incidentId: 'j',
      resolvedAt: DAY_MS + 3 * HOUR_MS,
      detectedAt: 23 * HOUR_MS + 10 * MINUTE,
      recovers: { eventId: 'c', time: 23 * HOUR_MS },
    });
    expect(failedDeploymentRecoveryTime(t, day)).toEqual({
      recoveries: 3,
      unrecovered: 1,
      medianMs: 2 * HOUR_MS,
      p90Ms: 2 * HOUR_MS,
      band: 'high',
    });
    expect(failedDeploymentRecoveryTime(t, { start: DAY_MS, end: 2 * DAY_MS })).toMatchObject({
      recoveries: 1,
      medianMs: 4 * HOUR_MS,
      unrecovered: 0,
    });
  });

  it('a rollback or resolution that recovers nothing (or a second recovery) is not a recovery', () => {
    let t = emptyTimeline();
    t = addRollback(t, { eventId: 'rb-nothing-before', time: HOUR_MS });
    t = addDeployment(t, deploy('a', 2 * HOUR_MS));
    t = addRestoration(t, { incidentId: 'x', resolvedAt: 3 * HOUR_MS });
    expect(failedDeploymentRecoveryTime(t, day)).toEqual({
      recoveries: 0,
      unrecovered: 0,
      medianMs: undefined,
      p90Ms: undefined,
      band: undefined,
    });
  });

  it('still measures a recovery whose deployment the timeline has forgotten (pruned)', () => {
    // only the rollback is left: the deployment it recovers was 9 days earlier
    const t = addRollback(emptyTimeline(), {
      eventId: 'rb',
      time: 9 * DAY_MS + HOUR_MS,
      recovers: { eventId: 'old', time: HOUR_MS },
    });
    expect(failedDeploymentRecoveryTime(t, { start: 9 * DAY_MS, end: 10 * DAY_MS })).toMatchObject({
      recoveries: 1,
      medianMs: 9 * DAY_MS,
      band: 'low',
    });
  });
});
