/**
 * Lead time from the change in the aggregate: from the deployment's
 * cdschangestart, or from a change fact the join sent later, which counts
 * for the deployments it is folded before (event-time order).
 */
import { describe, expect, it } from 'vitest';
import { encodeStructured } from '../../../../src/cloudevents/envelope.js';
import { DAY_MS, HOUR_MS } from '../../../../src/domain/dora/index.js';
import { aggregateStage, METRICS_TYPES } from '../../../../src/stages/aggregate/index.js';
import { byWindow, driverFor, metricsEvents, TOPICS } from './driver-helpers.js';
import { artifactKey, deployment } from './enriched-events.js';

const D0 = Date.UTC(2026, 2, 2);
const at = (time: number) => ({ service: 'shop', environment: 'prod', time: D0 + time });

/** What the join sends when it learns an artifact's change start after a deployment went by. */
function changeFact(time: number, artifact: string, start: number) {
  const id = `fact-${artifact}-${time}`;
  return {
    key: 'shop/prod',
    timestamp: D0 + time,
    headers: { 'content-type': 'application/cloudevents+json', 'cdstream-fact': 'change' },
    value: encodeStructured({
      attributes: {
        specversion: '1.0',
        id,
        source: '/git',
        type: 'dev.cdevents.change.merged.0.3.0',
        time: new Date(D0 + time).toISOString(),
      },
      extensions: {
        cdsservice: 'shop',
        cdsenvironment: 'prod',
        cdsartifactkey: artifactKey(artifact),
        cdschangestart: new Date(D0 + start).toISOString(),
      },
      data: {},
    }),
  };
}

describe('lead time from the change through the stage', () => {
  it('takes the change start the deployment carries, or one a change fact brought before it', async () => {
    const driver = driverFor(
      aggregateStage({
        source: '/cdstream/test',
        topics: TOPICS,
        windows: [{ name: 'P1D', sizeMs: DAY_MS }],
        graceMs: HOUR_MS,
      }),
    );
    await driver.pipeInput(TOPICS.input, [
      // carried: change 2 h
      deployment(at(2 * HOUR_MS), {
        artifact: 'a',
        leadTimeStart: D0 + HOUR_MS,
        changeStart: D0 + 0,
      }),
      // learned later by the join, holds from 2.5 h: change 2.5 h
      changeFact(2.5 * HOUR_MS, 'b', 0.5 * HOUR_MS),
      deployment(at(3 * HOUR_MS), { artifact: 'b', leadTimeStart: D0 + 2.5 * HOUR_MS }),
      // holds only after c's deployment: no change sample for it
      deployment(at(4 * HOUR_MS), { artifact: 'c', leadTimeStart: D0 + 3 * HOUR_MS }),
      changeFact(5 * HOUR_MS, 'c', 3 * HOUR_MS),
      // a carried start after the deployment does not count either
      deployment(at(6 * HOUR_MS), {
        artifact: 'd',
        leadTimeStart: D0 + 5 * HOUR_MS,
        changeStart: D0 + 7 * HOUR_MS,
      }),
      deployment(at(DAY_MS + 2 * HOUR_MS), { artifact: 'closes-day-0' }),
    ]);
    const lead = byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), METRICS_TYPES.leadTime);
    expect(lead.get(`shop/prod P1D ${new Date(D0).toISOString()}`)).toMatchObject({
      samples: 4,
      changeSamples: 2,
      changeMedianMs: 2.25 * HOUR_MS,
      changeP90Ms: 2.5 * HOUR_MS,
      changeBand: 'elite',
      start: 'mixed',
    });
  });
});
