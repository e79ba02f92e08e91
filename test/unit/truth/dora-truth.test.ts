/**
 * The truth side of issue 13 checked by hand: tiny histories with
 * expectations computed on paper for every rule of the oracle and its edges,
 * the comparison, and the generator's own promises (lateness rule, re-sends,
 * partitions, valid CDEvents v0.5.1). Nothing here imports `src/`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cdeventsSpecDirectory } from '../cdevents-spec.js';
import { compareIncidents, compareMetrics } from '../../truth/compare.js';
import {
  DAY_MS,
  doraTruth,
  HOUR_MS,
  medianOf,
  METRICS_TYPES,
  metricsKey,
  MINUTE_MS,
  p90Of,
  truthFromHistory,
  type ExpectedMetrics,
  type MetricsType,
  type Truth,
} from '../../truth/dora-truth.js';
import {
  artifactPackaged,
  artifactPublished,
  buildFinished,
  changeEvent,
  byPartition,
  CDEVENT_TYPES,
  DEFAULT_START,
  generateHistory,
  historyArbitrary,
  incidentEvent,
  ociPurl,
  serviceEvent,
  type History,
  type IncidentPhase,
  type StructuredCloudEvent,
} from '../../truth/history.js';

// ---------------------------------------------------------------------------
// tiny histories
// ---------------------------------------------------------------------------

const DAY0 = DEFAULT_START; // 2026-03-02T00:00Z
const at = (day: number, hours: number, minutes = 0) =>
  DAY0 + day * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS;

const A = ociPurl('svc', 'a'.repeat(64));
const B = ociPurl('svc', 'b'.repeat(64));
const C = ociPurl('svc', 'c'.repeat(64));

let sequence = 0;
const nextId = () => `e-${++sequence}`;

function deploy(artifactId: string, time: number, kind: 'deployed' | 'upgraded' = 'deployed') {
  return serviceEvent({
    id: nextId(),
    source: '/cd/prod',
    time,
    kind,
    service: 'svc',
    environment: 'prod',
    artifactId,
  });
}
function rollback(artifactId: string, time: number) {
  return serviceEvent({
    id: nextId(),
    source: '/cd/prod',
    time,
    kind: 'rolledback',
    service: 'svc',
    environment: 'prod',
    artifactId,
  });
}
function incident(
  phase: IncidentPhase,
  name: string,
  time: number,
  extra: { artifactId?: string; service?: string } = {},
) {
  return incidentEvent({
    id: nextId(),
    source: '/pagerduty',
    time,
    phase,
    incident: name,
    service: extra.service ?? 'svc',
    environment: 'prod',
    ...(extra.artifactId === undefined ? {} : { artifactId: extra.artifactId }),
  });
}
function build(artifactId: string, time: number) {
  return buildFinished({ id: nextId(), source: '/ci/svc', time, artifactId });
}

const P1D = 'P1D';
const P7D = 'P7D/P1D';

function metric(
  truth: Truth,
  type: MetricsType,
  window: string,
  startMs: number,
  service = 'svc',
): ExpectedMetrics | undefined {
  return truth.metrics.get(metricsKey(type, service, 'prod', window, startMs));
}
const day = (n: number) => DAY0 + n * DAY_MS;
const truthOf = (events: StructuredCloudEvent[], closeAt = day(1)) =>
  doraTruth(events, { closeAt });

// ---------------------------------------------------------------------------

describe('oracle: which windows exist', () => {
  it('from the earliest window holding the first anchor up to every window ending by closeAt, zeros included', () => {
    // first anchor on day 2; closeAt = day 4 → P1D days 2 and 3; P7D starts day-4 and day-3
    const truth = truthOf([build(A, at(1, 5)), deploy(A, at(2, 10))], day(4));
    const keys = [...truth.metrics.keys()].filter((k) =>
      k.startsWith(METRICS_TYPES.deploymentFrequency),
    );
    expect(keys.sort()).toEqual(
      [
        metricsKey(METRICS_TYPES.deploymentFrequency, 'svc', 'prod', P1D, day(2)),
        metricsKey(METRICS_TYPES.deploymentFrequency, 'svc', 'prod', P1D, day(3)),
        metricsKey(METRICS_TYPES.deploymentFrequency, 'svc', 'prod', P7D, day(-4)),
        metricsKey(METRICS_TYPES.deploymentFrequency, 'svc', 'prod', P7D, day(-3)),
      ].sort(),
    );
    expect(truth.metrics.size).toBe(24); // six metrics each
    expect(metric(truth, METRICS_TYPES.deploymentFrequency, P1D, day(3))).toEqual({
      service: 'svc',
      environment: 'prod',
      window: P1D,
      windowStartMs: day(3),
      windowEndMs: day(4),
      deployments: 0,
      rollbacks: 0,
      distinctArtifacts: 0,
      deploymentsPerDay: 0,
      band: 'low',
    });
  });

  it('an incident alone makes a stream; builds alone make none', () => {
    const truth = truthOf([build(A, at(0, 1)), incident('resolved', 'INC-1', at(0, 2))]);
    expect(metric(truth, METRICS_TYPES.changeFailureRate, P1D, day(0))).toMatchObject({
      deployments: 0,
      failedDeployments: 0,
      changeFailureRate: null,
      band: null,
    });
    // P1D day 0, and the week [day -6, day 1): six metrics each
    expect(truth.metrics.size).toBe(12);
  });
});

describe('oracle: deployment frequency', () => {
  it('counts deployed and upgraded, rollbacks apart, distinct artifacts, per day and band', () => {
    const events = [
      deploy(A, at(0, 1)),
      deploy(B, at(0, 2), 'upgraded'),
      rollback(A, at(0, 3)),
      deploy(A, at(0, 4)),
    ];
    const truth = truthOf(events, day(7));
    expect(metric(truth, METRICS_TYPES.deploymentFrequency, P1D, day(0))).toMatchObject({
      deployments: 3,
      rollbacks: 1,
      distinctArtifacts: 2,
      deploymentsPerDay: 3,
      band: 'elite',
    });
    expect(metric(truth, METRICS_TYPES.deploymentFrequency, P7D, day(0))).toMatchObject({
      deployments: 3,
      deploymentsPerDay: 3 / 7,
      band: 'high',
    });
    expect(metric(truth, METRICS_TYPES.deploymentFrequency, P1D, day(1))).toMatchObject({
      deployments: 0,
      band: 'low',
    });
  });

  it('one a day is high, not elite', () => {
    const truth = truthOf([deploy(A, at(0, 1))]);
    expect(metric(truth, METRICS_TYPES.deploymentFrequency, P1D, day(0))).toMatchObject({
      deployments: 1,
      band: 'high',
    });
  });
});

describe('oracle: change failure rate', () => {
  it('a rollback fails the latest deployment before it; two rollbacks in a row fail it once', () => {
    const events = [
      deploy(A, at(0, 1)),
      deploy(B, at(0, 2)),
      rollback(A, at(0, 3)),
      rollback(A, at(0, 4)),
      deploy(C, at(0, 5)),
    ];
    expect(metric(truthOf(events), METRICS_TYPES.changeFailureRate, P1D, day(0))).toEqual({
      service: 'svc',
      environment: 'prod',
      window: P1D,
      windowStartMs: day(0),
      windowEndMs: day(1),
      deployments: 3,
      failedDeployments: 1,
      rolledBackDeployments: 1,
      incidentLinkedDeployments: 0,
      changeFailureRate: 1 / 3,
      band: 'low',
    });
  });

  it('an incident naming an artifact links its latest deployment; one naming none links the latest deployment', () => {
    const events = [
      deploy(A, at(0, 1)),
      deploy(B, at(0, 2)),
      deploy(A, at(0, 3)),
      deploy(C, at(0, 4)),
      incident('detected', 'INC-1', at(0, 5), { artifactId: A }), // → A at 03:00
      incident('reported', 'INC-2', at(0, 6)), // → C at 04:00
      incident('detected', 'INC-3', at(0, 7), { artifactId: 'pkg:oci/svc@sha256:never' }), // → none
    ];
    expect(metric(truthOf(events), METRICS_TYPES.changeFailureRate, P1D, day(0))).toMatchObject({
      deployments: 4,
      failedDeployments: 2,
      rolledBackDeployments: 0,
      incidentLinkedDeployments: 2,
      changeFailureRate: 0.5,
      band: 'low',
    });
  });

  it('an incident of another service links nothing here', () => {
    const events = [deploy(A, at(0, 1)), incident('detected', 'INC-1', at(0, 2), { service: 'x' })];
    expect(metric(truthOf(events), METRICS_TYPES.changeFailureRate, P1D, day(0))).toMatchObject({
      failedDeployments: 0,
    });
  });

  it('a deployment both rolled back and linked is failed once', () => {
    const events = [
      deploy(A, at(0, 1)),
      deploy(B, at(0, 2)),
      incident('detected', 'INC-1', at(0, 2, 10)),
      rollback(A, at(0, 2, 20)),
    ];
    expect(metric(truthOf(events), METRICS_TYPES.changeFailureRate, P1D, day(0))).toMatchObject({
      deployments: 2,
      failedDeployments: 1,
      rolledBackDeployments: 1,
      incidentLinkedDeployments: 1,
      changeFailureRate: 0.5,
    });
  });

  it('evidence after the window ends does not fail a deployment of that window', () => {
    const events = [
      deploy(A, at(0, 1)),
      deploy(B, at(0, 23)),
      rollback(A, at(1, 0, 30)), // next day
      deploy(C, at(1, 1)),
      incident('detected', 'INC-1', at(2, 1)), // links C, a day later
    ];
    const truth = truthOf(events, day(7));
    expect(metric(truth, METRICS_TYPES.changeFailureRate, P1D, day(0))).toMatchObject({
      deployments: 2,
      failedDeployments: 0,
      changeFailureRate: 0,
      band: 'elite',
    });
    expect(metric(truth, METRICS_TYPES.changeFailureRate, P1D, day(1))).toMatchObject({
      deployments: 1,
      failedDeployments: 0,
    });
    // the week from day 0 holds all three deployments and both pieces of evidence
    expect(metric(truth, METRICS_TYPES.changeFailureRate, P7D, day(0))).toMatchObject({
      deployments: 3,
      failedDeployments: 2,
      rolledBackDeployments: 1,
      incidentLinkedDeployments: 1,
    });
    // the week ending on day 1 holds B but not its rollback
    expect(metric(truth, METRICS_TYPES.changeFailureRate, P7D, day(-6))).toMatchObject({
      deployments: 2,
      failedDeployments: 0,
    });
  });

  it('a duplicate detection while open links nothing more; a detection after the resolve links again', () => {
    const events = [
      deploy(A, at(0, 1)),
      incident('detected', 'INC-1', at(0, 2)), // opens, links A
      deploy(B, at(0, 3)),
      incident('reported', 'INC-1', at(0, 4)), // duplicate while open: B not linked
      incident('resolved', 'INC-1', at(0, 5)),
      deploy(C, at(0, 6)),
      incident('detected', 'INC-1', at(0, 7)), // opens again, links C
    ];
    expect(metric(truthOf(events), METRICS_TYPES.changeFailureRate, P1D, day(0))).toMatchObject({
      deployments: 3,
      incidentLinkedDeployments: 2,
      failedDeployments: 2,
    });
  });

  it('bands: ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium', () => {
    const band = (failed: number, total: number) => {
      const events: StructuredCloudEvent[] = [];
      for (let i = 0; i < total; i++) {
        events.push(deploy(ociPurl('svc', i.toString(16).padStart(64, '0')), at(0, 0, 10 + i * 3)));
        if (i < failed) events.push(incident('detected', `INC-${i}`, at(0, 0, 11 + i * 3)));
      }
      return metric(truthOf(events), METRICS_TYPES.changeFailureRate, P1D, day(0));
    };
    expect(band(1, 20)).toMatchObject({ changeFailureRate: 0.05, band: 'elite' });
    expect(band(2, 20)).toMatchObject({ changeFailureRate: 0.1, band: 'high' });
    expect(band(3, 20)).toMatchObject({ changeFailureRate: 0.15, band: 'medium' });
    expect(band(4, 20)).toMatchObject({ changeFailureRate: 0.2, band: 'low' });
    expect(band(0, 20)).toMatchObject({ changeFailureRate: 0, band: 'elite' });
  });
});

describe('oracle: time to restore', () => {
  it('pairs detect and resolve per incident; duplicates and re-opens; an even count takes the rounded mean', () => {
    const events = [
      incident('detected', 'INC-1', at(0, 1)),
      incident('reported', 'INC-1', at(0, 1, 10)), // duplicate while open
      incident('resolved', 'INC-1', at(0, 2)), // 1 h
      incident('detected', 'INC-1', at(0, 3)), // opens again
      incident('resolved', 'INC-1', at(0, 3) + 30 * MINUTE_MS + 1), // 30 min + 1 ms
    ];
    expect(metric(truthOf(events), METRICS_TYPES.timeToRestore, P1D, day(0))).toEqual({
      service: 'svc',
      environment: 'prod',
      window: P1D,
      windowStartMs: day(0),
      windowEndMs: day(1),
      incidentsRestored: 2,
      unmatchedResolutions: 0,
      medianMs: 2_700_001, // (3_600_000 + 1_800_001) / 2 = 2_700_000.5, rounded up
      p90Ms: HOUR_MS, // ⌈1.8⌉ = 2nd
      band: 'elite',
    });
  });

  it('a resolve without a detect is unmatched; the window of the resolve counts it', () => {
    const events = [
      incident('resolved', 'INC-9', at(0, 1)),
      incident('detected', 'INC-2', at(0, 22)),
      incident('resolved', 'INC-2', at(1, 2)), // 4 h, on day 1
      incident('resolved', 'INC-2', at(1, 3)), // nothing open any more
    ];
    const truth = truthOf(events, day(2));
    expect(metric(truth, METRICS_TYPES.timeToRestore, P1D, day(0))).toMatchObject({
      incidentsRestored: 0,
      unmatchedResolutions: 1,
      medianMs: null,
      p90Ms: null,
      band: null,
    });
    expect(metric(truth, METRICS_TYPES.timeToRestore, P1D, day(1))).toMatchObject({
      incidentsRestored: 1,
      unmatchedResolutions: 1,
      medianMs: 4 * HOUR_MS,
      p90Ms: 4 * HOUR_MS,
      band: 'high',
    });
  });

  it('a resolve that arrives before its detection is still paired in event-time order', () => {
    const resolve = incident('resolved', 'INC-1', at(0, 2));
    const detect = incident('detected', 'INC-1', at(0, 1));
    expect(
      metric(truthOf([resolve, detect]), METRICS_TYPES.timeToRestore, P1D, day(0)),
    ).toMatchObject({
      incidentsRestored: 1,
      unmatchedResolutions: 0,
      medianMs: HOUR_MS,
      band: 'high',
    });
  });

  it('incidents are told apart by subject source and id', () => {
    const other = incidentEvent({
      id: nextId(),
      source: '/monitoring/prod',
      time: at(0, 2),
      phase: 'resolved',
      incident: 'INC-1',
      incidentSource: '/opsgenie',
      service: 'svc',
      environment: 'prod',
    });
    const events = [incident('detected', 'INC-1', at(0, 1)), other];
    expect(metric(truthOf(events), METRICS_TYPES.timeToRestore, P1D, day(0))).toMatchObject({
      incidentsRestored: 0,
      unmatchedResolutions: 1,
    });
  });

  it('bands of the median: under an hour elite, under a day high, under a week medium', () => {
    const ttr = (durationMs: number) =>
      metric(
        truthOf(
          [
            incident('detected', 'I', at(0, 0, 1)),
            incident('resolved', 'I', at(0, 0, 1) + durationMs),
          ],
          day(10),
        ),
        METRICS_TYPES.timeToRestore,
        P7D,
        day(0),
      );
    expect(ttr(HOUR_MS - 1)).toMatchObject({ band: 'elite' });
    expect(ttr(HOUR_MS)).toMatchObject({ band: 'high' });
    expect(ttr(DAY_MS)).toMatchObject({ band: 'medium' });
    expect(ttr(6 * DAY_MS)).toMatchObject({ band: 'medium' });
  });
});

describe('oracle: deployment rework rate', () => {
  it('a deployment while an incident of its stream is open is rework; after the resolve it is not', () => {
    const truth = truthOf([
      deploy(A, at(0, 1)),
      incident('detected', 'INC-1', at(0, 2)),
      deploy(B, at(0, 3)), // rework
      incident('reported', 'INC-1', at(0, 3, 30)), // duplicate while open
      incident('resolved', 'INC-1', at(0, 4)),
      deploy(C, at(0, 5)),
      incident('detected', 'INC-2', at(0, 6), { service: 'other' }),
      deploy(A, at(0, 7)), // another service's incident: not rework
    ]);
    expect(metric(truth, METRICS_TYPES.deploymentReworkRate, P1D, day(0))).toMatchObject({
      deployments: 4,
      reworkDeployments: 1,
      reworkRate: 0.25,
      band: 'low',
    });
  });

  it('an incident opened days before still makes a deployment rework; no deployment: null', () => {
    const truth = truthOf([incident('detected', 'INC-1', at(0, 2)), deploy(A, at(3, 1))], day(4));
    expect(metric(truth, METRICS_TYPES.deploymentReworkRate, P1D, day(3))).toMatchObject({
      deployments: 1,
      reworkDeployments: 1,
      reworkRate: 1,
    });
    expect(metric(truth, METRICS_TYPES.deploymentReworkRate, P1D, day(0))).toMatchObject({
      deployments: 0,
      reworkRate: null,
      band: null,
    });
  });
});

describe('oracle: failed deployment recovery time', () => {
  it('the first of the rollback and the linked resolve recovers; counted in the window of the recovery', () => {
    const truth = truthOf(
      [
        deploy(A, at(0, 1)),
        incident('detected', 'INC-1', at(0, 2)), // links A
        deploy(B, at(0, 3)),
        rollback(A, at(0, 4)), // undoes B: 1 h
        incident('resolved', 'INC-1', at(2, 1)), // recovers A: 2 days
        deploy(C, at(2, 2)),
        rollback(A, at(2, 3)), // undoes C: 1 h
        incident('detected', 'INC-2', at(2, 4)), // links C, the latest deployment
        incident('resolved', 'INC-2', at(2, 5)), // C again: not a second recovery
      ],
      day(3),
    );
    expect(metric(truth, METRICS_TYPES.failedDeploymentRecoveryTime, P1D, day(0))).toMatchObject({
      recoveries: 1,
      unrecovered: 1,
      medianMs: HOUR_MS,
      band: 'high',
    });
    expect(metric(truth, METRICS_TYPES.failedDeploymentRecoveryTime, P1D, day(2))).toMatchObject({
      recoveries: 2,
      unrecovered: 0,
      medianMs: Math.round((2 * DAY_MS + HOUR_MS) / 2),
      p90Ms: 2 * DAY_MS,
      band: 'medium',
    });
  });
});

describe('oracle: lead time', () => {
  it('earliest origin → deployment; a redeploy of the running artifact is no sample', () => {
    const events = [
      build(A, at(0, 1)),
      artifactPackaged({ id: nextId(), source: '/ci/svc', time: at(0, 1, 5), artifactId: A }),
      deploy(A, at(0, 2)), // 1 h
      deploy(A, at(0, 3)), // redeploy: no sample
    ];
    expect(metric(truthOf(events), METRICS_TYPES.leadTime, P1D, day(0))).toEqual({
      service: 'svc',
      environment: 'prod',
      window: P1D,
      windowStartMs: day(0),
      windowEndMs: day(1),
      samples: 1,
      medianMs: HOUR_MS,
      p90Ms: HOUR_MS,
      band: 'elite',
      // the packaged event names a change nobody reported
      changeSamples: 0,
      changeMedianMs: null,
      changeP90Ms: null,
      changeBand: null,
      start: 'artifact',
    });
  });

  it('from the change: the earliest created/merged of the change the artifact was packaged from', () => {
    const change = (
      phase: 'created' | 'merged',
      name: string,
      time: number,
      subjectSource = true,
    ) =>
      changeEvent({
        id: nextId(),
        source: '/git/example',
        time,
        phase,
        change: name,
        omitSubjectSource: !subjectSource,
      });
    const packaged = (artifactId: string, name: string, time: number) =>
      artifactPackaged({ id: nextId(), source: '/ci/svc', time, artifactId, change: name });
    const events = [
      change('created', 'PR-1', at(0, 0, 30)),
      change('merged', 'PR-1', at(0, 1), false), // same change: subject source defaults to /git/example
      packaged(A, 'PR-1', at(0, 1, 10)),
      deploy(A, at(0, 2)), // artifact 50 min, change 90 min
      packaged(B, 'PR-2', at(0, 3)),
      deploy(B, at(0, 4)), // PR-2 merged only after it: artifact sample only
      change('merged', 'PR-2', at(0, 5)),
      packaged(C, 'PR-2', at(0, 6)),
      deploy(C, at(0, 7)), // change 2 h
    ];
    expect(metric(truthOf(events), METRICS_TYPES.leadTime, P1D, day(0))).toMatchObject({
      samples: 3,
      changeSamples: 2,
      changeMedianMs: Math.round((90 * MINUTE_MS + 2 * HOUR_MS) / 2),
      changeP90Ms: 2 * HOUR_MS,
      changeBand: 'elite',
      start: 'mixed',
    });
  });

  it('after a rollback, deploying the rolled-back artifact again is a sample, the one rolled back to is not', () => {
    const events = [
      build(A, at(0, 1)),
      build(B, at(0, 2)),
      deploy(A, at(0, 3)), // sample 2 h
      deploy(B, at(0, 4)), // sample 2 h
      rollback(A, at(0, 5)),
      deploy(A, at(0, 6)), // A already runs: no sample
      rollback(A, at(0, 7)), // (rolls back to A, still A)
      deploy(B, at(0, 8)), // B again: sample 6 h
    ];
    expect(metric(truthOf(events), METRICS_TYPES.leadTime, P1D, day(0))).toMatchObject({
      samples: 3,
      medianMs: 2 * HOUR_MS,
      p90Ms: 6 * HOUR_MS,
    });
  });

  it('an origin after the deployment does not count for it, but for a later one elsewhere', () => {
    const publish = artifactPublished({
      id: nextId(),
      source: '/registry',
      time: at(0, 3),
      artifactId: A,
    });
    const staging = serviceEvent({
      id: nextId(),
      source: '/cd/staging',
      time: at(0, 2),
      kind: 'deployed',
      service: 'svc',
      environment: 'staging',
      artifactId: A,
    });
    const truth = truthOf([staging, publish, deploy(A, at(0, 10))]);
    expect(
      truth.metrics.get(metricsKey(METRICS_TYPES.leadTime, 'svc', 'staging', P1D, day(0))),
    ).toMatchObject({ samples: 0, medianMs: null, p90Ms: null, band: null });
    expect(metric(truth, METRICS_TYPES.leadTime, P1D, day(0))).toMatchObject({
      samples: 1,
      medianMs: 7 * HOUR_MS,
    });
  });

  it('an even count takes the mean of the middle two, rounded to the ms', () => {
    const events = [
      build(A, at(0, 1)),
      deploy(A, at(0, 1) + 1000),
      build(B, at(0, 2)),
      deploy(B, at(0, 2) + 2001),
    ];
    expect(metric(truthOf(events), METRICS_TYPES.leadTime, P1D, day(0))).toMatchObject({
      samples: 2,
      medianMs: 1501,
      p90Ms: 2001,
      band: 'elite',
    });
  });

  it('median and p90 (nearest rank)', () => {
    expect(medianOf([])).toBeNull();
    expect(p90Of([])).toBeNull();
    expect(medianOf([5, 1, 3])).toBe(3);
    expect(medianOf([1, 2])).toBe(2); // 1.5 rounds up
    expect(p90Of([7])).toBe(7);
    const upTo = (n: number) => Array.from({ length: n }, (_, i) => n - i);
    expect(p90Of(upTo(10))).toBe(9);
    expect(p90Of(upTo(11))).toBe(10);
    expect(p90Of(upTo(20))).toBe(18);
    expect(p90Of(upTo(21))).toBe(19);
  });
});

describe('oracle: de-duplication and late records', () => {
  it('counts an exact re-send once; the same id from another source is another event', () => {
    const first = deploy(A, at(0, 1));
    const again = structuredClone(first);
    const otherSource = structuredClone(first);
    otherSource.source = '/cd/other';
    otherSource.data.context.source = '/cd/other';
    const truth = truthOf([first, again, otherSource]);
    expect(metric(truth, METRICS_TYPES.deploymentFrequency, P1D, day(0))).toMatchObject({
      deployments: 2,
    });
  });

  it('truthFromHistory leaves the late records out and closes at the end', () => {
    const events = [deploy(A, at(0, 1)), deploy(B, at(0, 2))];
    const history = {
      events: events.map((event, i) => ({ value: JSON.stringify(event), late: i === 1 })),
      end: day(1),
    };
    expect(
      metric(truthFromHistory(history), METRICS_TYPES.deploymentFrequency, P1D, day(0)),
    ).toMatchObject({ deployments: 1 });
  });
});

describe('oracle: failure-burst incidents', () => {
  it('three rollbacks within an hour open one; the window is half-open', () => {
    const events = [
      rollback(A, at(0, 1)),
      rollback(A, at(0, 1, 30)),
      rollback(A, at(0, 2)), // the 01:00 one is exactly an hour old: not kept
      rollback(A, at(0, 2, 10)), // 01:30, 02:00, 02:10
      rollback(A, at(0, 2, 20)), // already open
      rollback(A, at(0, 5)),
      rollback(A, at(0, 5, 1)),
      rollback(A, at(0, 5, 2)),
    ];
    expect(truthOf(events).incidents).toEqual([
      { service: 'svc', environment: 'prod', detectedAt: at(0, 2, 10) },
    ]);
  });

  it('rollbacks of different streams do not add up', () => {
    const stagingRollback = (time: number) =>
      serviceEvent({
        id: nextId(),
        source: '/cd/staging',
        time,
        kind: 'rolledback',
        service: 'svc',
        environment: 'staging',
        artifactId: A,
      });
    const events = [rollback(A, at(0, 1)), stagingRollback(at(0, 1, 5)), rollback(A, at(0, 1, 10))];
    expect(truthOf(events).incidents).toEqual([]);
  });
});

// ---------------------------------------------------------------------------

describe('compare', () => {
  const events = [build(A, at(0, 1)), deploy(A, at(0, 2)), incident('resolved', 'INC-1', at(0, 3))];
  const truth = truthOf(events, day(2));
  const emitted = () =>
    [...truth.metrics.entries()].map(([key, data]) => ({
      specversion: '1.0',
      type: key.split('|')[0],
      data: { ...data, final: true },
    }));

  it('finds nothing when the product says what the oracle says', () => {
    expect(compareMetrics(truth.metrics, emitted())).toEqual([]);
    expect(
      compareMetrics(
        truth.metrics,
        emitted().map((e) => JSON.stringify(e)),
      ),
    ).toEqual([]);
  });

  it('reports missing, unexpected, repeated finals and wrong fields; ignores early updates', () => {
    const actual = emitted();
    const missing = actual.splice(0, 1)[0];
    const first = actual[0];
    if (missing === undefined || first === undefined) throw new Error('no windows');
    actual.push(structuredClone(first));
    const wrong = actual.find((e) => e.type === METRICS_TYPES.leadTime);
    if (wrong === undefined) throw new Error('no lead time');
    Object.assign(wrong.data, { medianMs: 1, band: 'high' });
    actual.push({ ...missing, data: { ...missing.data, final: false } });
    actual.push({
      specversion: '1.0',
      type: METRICS_TYPES.deploymentFrequency,
      data: { ...first.data, service: 'ghost', final: true },
    });
    const differences = compareMetrics(truth.metrics, actual);
    expect(differences).toHaveLength(4);
    expect(differences.filter((d) => d.startsWith('missing: '))).toHaveLength(1);
    expect(differences.filter((d) => d.startsWith('final 2 times: '))).toHaveLength(1);
    expect(differences.filter((d) => d.startsWith('unexpected: '))).toHaveLength(1);
    expect(differences.filter((d) => d.startsWith('wrong: leadtime svc/prod P1D'))).toEqual([
      'wrong: leadtime svc/prod P1D 2026-03-02T00:00:00.000Z: medianMs expected 3600000, actual 1; band expected "elite", actual "high"',
    ]);
  });

  it('null is not absent, and windows after closeAt can be left out', () => {
    const actual = emitted();
    const later = actual.find((e) => e.type === METRICS_TYPES.timeToRestore);
    if (later === undefined) throw new Error('no time to restore');
    const copy = structuredClone(later);
    copy.data.windowStartMs = day(5);
    copy.data.windowEndMs = day(6);
    actual.push(copy);
    Reflect.deleteProperty(later.data, 'medianMs');
    const differences = compareMetrics(truth.metrics, actual, { closeAt: day(2) });
    expect(differences).toHaveLength(1);
    expect(differences[0]).toContain('medianMs expected null, actual absent');
  });

  it('incidents: missing, unexpected, repeated and resolved', () => {
    const derived = (service: string, time: number, phase: IncidentPhase = 'detected') =>
      incidentEvent({
        id: nextId(),
        source: '/cdstream',
        time,
        phase,
        incident: `burst-${service}`,
        service,
        environment: 'prod',
      });
    const expected = [
      { service: 'svc', environment: 'prod', detectedAt: at(0, 1) },
      { service: 'two', environment: 'prod', detectedAt: at(0, 2) },
    ];
    expect(
      compareIncidents(expected, [derived('svc', at(0, 1)), derived('two', at(0, 2))]),
    ).toEqual([]);
    expect(
      compareIncidents(expected, [
        derived('svc', at(0, 1)),
        derived('svc', at(0, 1)),
        derived('three', at(0, 3)),
        derived('svc', at(0, 4), 'resolved'),
      ]),
    ).toEqual([
      'unexpected resolution: svc/prod',
      'incident svc/prod at 2026-03-02T01:00:00.000Z: 2 detections, expected 1',
      'missing incident: two/prod at 2026-03-02T02:00:00.000Z',
      'unexpected incident: three/prod at 2026-03-02T03:00:00.000Z',
    ]);
  });
});

// ---------------------------------------------------------------------------

/** The lateness rule again, written here from the brief, to hold the generator's marks against. */
function lateByRule(
  lane: readonly History['events'][number][],
  allowanceMs: number,
  graceMs: number,
) {
  const marks: boolean[] = [];
  for (let i = 0; i < lane.length; i++) {
    const record = lane[i];
    if (record === undefined) continue;
    const earlier = lane.slice(0, i).map((r) => r.time);
    const newest = earlier.length === 0 ? -Infinity : Math.max(...earlier);
    marks.push(record.duplicateOf === undefined && record.time < newest - allowanceMs - graceMs);
  }
  return marks;
}

function schemaValidator() {
  const directory = join(cdeventsSpecDirectory(), 'v0.5.1', 'schemas');
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under nodenext its default import is the plugin itself
  (addFormats as unknown as typeof addFormats.default)(ajv);
  for (const file of readdirSync(join(directory, 'links')))
    ajv.addSchema(JSON.parse(readFileSync(join(directory, 'links', file), 'utf8')) as object);
  const byType = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const type of Object.values(CDEVENT_TYPES)) {
    const name = type.split('.').slice(2, 4).join('');
    const schema = JSON.parse(readFileSync(join(directory, `${name}.json`), 'utf8')) as object;
    byType.set(type, ajv.compile(schema));
  }
  return byType;
}

describe('generator', () => {
  it('is a function of its options', () => {
    expect(generateHistory({ seed: 42 })).toEqual(generateHistory({ seed: 42 }));
    expect(generateHistory({ seed: 42 }).events).not.toEqual(generateHistory({ seed: 43 }).events);
  });

  it('delivers every partition in time order within the allowance, makes late exactly what the rule calls late, re-sends right after the original', () => {
    fc.assert(
      fc.property(historyArbitrary(), (history) => {
        const { allowanceMs, graceMs } = history;
        const lanes = byPartition(history);
        let late = 0;
        for (const [partition, lane] of lanes.entries()) {
          expect(lane.map((r) => r.offset)).toEqual(lane.map((_, i) => i));
          const marks = lateByRule(lane, allowanceMs, graceMs);
          expect(lane.map((r) => r.late)).toEqual(marks);
          let newest = -Infinity;
          lane.forEach((record, i) => {
            expect(record.partition).toBe(partition);
            expect(record.key).toBe(record.source);
            if (record.late) {
              late += 1;
              // late by a clear margin, never re-sent
              expect(newest - record.time).toBeGreaterThan(allowanceMs + graceMs + MINUTE_MS);
              expect(history.events.some((r) => r.duplicateOf === record.id)).toBe(false);
            } else if (record.duplicateOf !== undefined) {
              const original = lane[i - 1];
              expect(original?.id).toBe(record.duplicateOf);
              expect(original?.value).toBe(record.value);
              expect(original?.late).toBe(false);
            } else {
              expect(newest - record.time).toBeLessThanOrEqual(allowanceMs);
            }
            newest = Math.max(newest, record.time);
          });
        }
        // as many as asked for, when the history has room for them
        expect(late).toBeLessThanOrEqual(history.options.lateEvents);
        // one source, one partition
        const partitionOfSource = new Map<string, number>();
        for (const record of history.events) {
          expect(partitionOfSource.get(record.source) ?? record.partition).toBe(record.partition);
          partitionOfSource.set(record.source, record.partition);
        }
        // distinct times, all before the end, which is the next UTC midnight
        const originals = history.events.filter((r) => r.duplicateOf === undefined);
        expect(new Set(originals.map((r) => r.time)).size).toBe(originals.length);
        const last = Math.max(...originals.map((r) => r.time));
        expect(history.end % DAY_MS).toBe(0);
        expect(history.end).toBeGreaterThan(last);
        expect(history.end - DAY_MS).toBeLessThanOrEqual(last);
        expect(originals.every((r) => r.time >= history.start)).toBe(true);
        expect(new Set(originals.map((r) => `${r.source}|${r.id}`)).size).toBe(originals.length);
      }),
      { numRuns: 60 },
    );
  });

  it('makes structured CloudEvents of valid CDEvents v0.5.1', () => {
    const validators = schemaValidator();
    const errors: string[] = [];
    for (let seed = 0; seed < 20; seed++) {
      for (const record of generateHistory({ seed }).events) {
        const event = JSON.parse(record.value) as StructuredCloudEvent;
        expect(event).toMatchObject({
          specversion: '1.0',
          id: record.id,
          source: record.source,
          type: record.type,
          time: new Date(record.time).toISOString(),
          datacontenttype: 'application/json',
          data: {
            context: {
              specversion: '0.5.1',
              id: record.id,
              source: record.source,
              type: record.type,
              timestamp: new Date(record.time).toISOString(),
            },
          },
        });
        const validate = validators.get(event.type);
        if (validate === undefined) errors.push(`${event.type}: no schema`);
        else if (!validate(event.data))
          errors.push(`${event.type}: ${JSON.stringify(validate.errors)}`);
      }
    }
    expect(errors).toEqual([]);
  });

  it('makes every kind of edge the oracle has rules for', () => {
    let rollbacks = 0;
    let bursts = 0;
    let unmatched = 0;
    let linked = 0;
    let late = 0;
    let resends = 0;
    for (let seed = 0; seed < 30; seed++) {
      const history = generateHistory({ seed });
      const truth = truthFromHistory(history);
      bursts += truth.incidents.length;
      late += history.events.filter((r) => r.late).length;
      resends += history.events.filter((r) => r.duplicateOf !== undefined).length;
      for (const value of truth.metrics.values()) {
        if (value.window !== P1D) continue;
        if ('rolledBackDeployments' in value) {
          rollbacks += value.rolledBackDeployments;
          linked += value.incidentLinkedDeployments;
        }
        if ('unmatchedResolutions' in value) unmatched += value.unmatchedResolutions;
      }
    }
    for (const count of [rollbacks, bursts, unmatched, linked, late, resends])
      expect(count).toBeGreaterThan(0);
  });

  it('oracle invariants on generated histories: a week is the sum of its days, the comparison of the truth with itself is empty', () => {
    fc.assert(
      fc.property(historyArbitrary(), (history) => {
        const truth = truthFromHistory(history);
        for (const value of truth.metrics.values()) {
          if (value.window !== P7D || !('deploymentsPerDay' in value)) continue;
          let days = 0;
          for (let d = 0; d < 7; d++) {
            const daily = truth.metrics.get(
              metricsKey(
                METRICS_TYPES.deploymentFrequency,
                value.service,
                value.environment,
                P1D,
                value.windowStartMs + d * DAY_MS,
              ),
            );
            days += daily !== undefined && 'deploymentsPerDay' in daily ? daily.deployments : 0;
          }
          expect(value.deployments).toBe(days);
        }
        const actual = [...truth.metrics.entries()].map(([key, data]) => ({
          type: key.split('|')[0],
          data: { ...data, final: true },
        }));
        expect(compareMetrics(truth.metrics, actual)).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });
});
