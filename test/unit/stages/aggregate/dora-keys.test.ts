import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { DAY_MS, emptyTimeline, HOUR_MS } from '../../../../src/domain/dora/index.js';
import { windowMetrics } from '../../../../src/stages/aggregate/metrics-data.js';
import { aggregateStage, METRICS_TYPES } from '../../../../src/stages/aggregate/index.js';
import { createAjv } from '../../../../src/validation/ajv.js';
import {
  byWindow,
  driverFor,
  metricsEvents,
  pipe,
  TOPICS,
  type MetricsEvent,
} from './driver-helpers.js';
import { deployment, incident, rollback } from './enriched-events.js';

const D0 = Date.UTC(2026, 2, 2);
const WINDOW = 'shop/prod P1D 2026-03-02T00:00:00.000Z';
const MINUTE = 60_000;
const at = (time: number, id?: string) => ({
  service: 'shop',
  environment: 'prod',
  time: D0 + time,
  ...(id ? { id } : {}),
});

/** One day of shop/prod: three deployments, one rolled back, one with an incident. */
const day = [
  deployment(at(1 * HOUR_MS), { artifact: 'a', leadTimeStart: D0 - HOUR_MS }), // lead time 2 h
  incident(at(2 * HOUR_MS), { phase: 'detected', incident: 'inc-1' }), // fails deployment a
  incident(at(2.5 * HOUR_MS), { phase: 'reported', incident: 'inc-1' }), // same incident: no second open
  incident(at(3.5 * HOUR_MS), { phase: 'resolved', incident: 'inc-1' }), // restored after 90 min
  deployment(at(4 * HOUR_MS), { artifact: 'b', leadTimeStart: D0 + 3 * HOUR_MS }), // lead time 1 h
  rollback(at(5 * HOUR_MS), 'a'), // undoes b
  deployment(at(6 * HOUR_MS, 'deploy-c'), { artifact: 'c', leadTimeStart: D0 }), // lead time 6 h
  deployment(at(6 * HOUR_MS, 'deploy-c'), { artifact: 'c', leadTimeStart: D0 }), // re-sent
  incident(at(7 * HOUR_MS), { phase: 'detected', incident: 'inc-2', draft: true, artifact: 'a' }), // names a: no new failure
  incident(at(7 * HOUR_MS + 20 * MINUTE), { phase: 'resolved', incident: 'inc-2', draft: true }), // 20 min
  incident(at(8 * HOUR_MS), { phase: 'resolved', incident: 'never-opened' }),
];

async function closedDay(): Promise<MetricsEvent[]> {
  const driver = driverFor(
    aggregateStage({
      source: '/cdstream/test',
      topics: TOPICS,
      windows: [{ name: 'P1D', sizeMs: DAY_MS }],
      graceMs: HOUR_MS,
    }),
  );
  await pipe(driver, day);
  await pipe(driver, [deployment(at(DAY_MS + HOUR_MS), { artifact: 'd' })]);
  return metricsEvents(driver.readOutput(TOPICS.metrics));
}

describe('DORA keys of one day through the stage', () => {
  it('deployment frequency counts rollbacks apart and re-sent deployments once', async () => {
    const data = byWindow(await closedDay(), METRICS_TYPES.deploymentFrequency).get(WINDOW);
    expect(data).toMatchObject({
      deployments: 3,
      rollbacks: 1,
      distinctArtifacts: 3,
      band: 'elite',
    });
  });

  it('change failure rate: the rolled-back and the incident-linked deployment fail, 2 of 3', async () => {
    const data = byWindow(await closedDay(), METRICS_TYPES.changeFailureRate).get(WINDOW);
    expect(data).toMatchObject({
      deployments: 3,
      failedDeployments: 2,
      rolledBackDeployments: 1,
      incidentLinkedDeployments: 1,
      changeFailureRate: 2 / 3,
      band: 'low',
    });
  });

  it('time to restore per incident and as median/p90; a resolve without an open incident is counted', async () => {
    const data = byWindow(await closedDay(), METRICS_TYPES.timeToRestore).get(WINDOW);
    expect(data).toMatchObject({
      incidentsRestored: 2,
      unmatchedResolutions: 1,
      medianMs: 55 * MINUTE, // (90 + 20) / 2
      p90Ms: 90 * MINUTE,
      band: 'elite',
    });
    expect((data?.restorations as { durationMs: number }[]).map((r) => r.durationMs)).toEqual([
      90 * MINUTE,
      20 * MINUTE,
    ]);
  });

  it('lead time from cdsleadtimestart to the deployment, median and p90', async () => {
    const data = byWindow(await closedDay(), METRICS_TYPES.leadTime).get(WINDOW);
    expect(data).toMatchObject({
      samples: 3,
      medianMs: 2 * HOUR_MS,
      p90Ms: 6 * HOUR_MS,
      band: 'elite',
    });
  });

  it('rework rate: no deployment of the day was made while an incident was open', async () => {
    const data = byWindow(await closedDay(), METRICS_TYPES.deploymentReworkRate).get(WINDOW);
    expect(data).toMatchObject({
      deployments: 3,
      reworkDeployments: 0,
      reworkRate: 0,
      band: 'elite',
    });
  });

  it('failed deployment recovery time: a recovered by its incident, b by the rollback', async () => {
    const data = byWindow(await closedDay(), METRICS_TYPES.failedDeploymentRecoveryTime).get(
      WINDOW,
    );
    expect(data).toMatchObject({
      recoveries: 2, // a: 1 h → 3.5 h; b: 4 h → 5 h; inc-2 names a again: not a second recovery
      unrecovered: 0,
      medianMs: 105 * MINUTE,
      p90Ms: 150 * MINUTE,
      band: 'high',
    });
  });

  it('emits data that matches the Avro and JSON schemas of each metrics type', async () => {
    const events = await closedDay();
    const ajv = createAjv();
    const names: Record<string, string> = {
      [METRICS_TYPES.deploymentFrequency]: 'deploymentfrequency',
      [METRICS_TYPES.changeFailureRate]: 'changefailurerate',
      [METRICS_TYPES.timeToRestore]: 'timetorestore',
      [METRICS_TYPES.leadTime]: 'leadtime',
      [METRICS_TYPES.deploymentReworkRate]: 'deploymentreworkrate',
      [METRICS_TYPES.failedDeploymentRecoveryTime]: 'faileddeploymentrecoverytime',
    };
    const seen = new Set<string>();
    for (const event of events) {
      const name = names[event.type];
      expect(name, event.type).toBeDefined();
      const avroSchema = JSON.parse(
        readFileSync(`schemas/metrics/${name}.v1.avsc`, 'utf8'),
      ) as avro.Schema;
      const jsonSchema = JSON.parse(
        readFileSync(`schemas/metrics/${name}.v1.schema.json`, 'utf8'),
      ) as object;
      const errors: string[] = [];
      const valid = avro.Type.forSchema(avroSchema).isValid(event.data, {
        errorHook: (path) => errors.push(path.join('.')),
      });
      expect(valid, `${event.type} Avro: ${errors.join(', ')}`).toBe(true);
      const validate = ajv.compile(jsonSchema);
      expect(validate(event.data), JSON.stringify([validate.errors, event.data])).toBe(true);
      seen.add(event.type);
    }
    expect(seen.size).toBe(6);
  });

  it('a window without samples has nulls, which both schemas accept', () => {
    const ajv = createAjv();
    const empty = windowMetrics(
      emptyTimeline(),
      { service: 's', environment: 'e', window: 'P1D', final: true },
      { start: D0, end: D0 + DAY_MS },
    );
    for (const [type, data] of Object.entries(empty)) {
      const name = type.split('.')[3] ?? '';
      const avroSchema = JSON.parse(
        readFileSync(`schemas/metrics/${name}.v1.avsc`, 'utf8'),
      ) as avro.Schema;
      const jsonSchema = JSON.parse(
        readFileSync(`schemas/metrics/${name}.v1.schema.json`, 'utf8'),
      ) as object;
      expect(avro.Type.forSchema(avroSchema).isValid(data), type).toBe(true);
      expect(ajv.compile(jsonSchema)(data), type).toBe(true);
    }
    expect(empty[METRICS_TYPES.leadTime]).toMatchObject({ samples: 0, medianMs: null, band: null });
  });
});
