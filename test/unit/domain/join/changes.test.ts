/**
 * The join's part of lead time from the change: a deployment carries the
 * change start it can already know; what the join learns later reaches the
 * aggregate as change facts, timed when both halves hold in event time.
 */
import { describe, expect, it } from 'vitest';
import type { CloudEventEnvelope } from '../../../../src/cloudevents/envelope.js';
import { joinEvent, JoinTables, MAX_CHANGES } from '../../../../src/domain/join/index.js';
import { mapStore } from './map-store.js';

const T0 = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;
const ARTIFACT = 'sha256:' + 'a'.repeat(64);
const iso = (time: number) => new Date(time).toISOString();

function tables() {
  const changes = mapStore<never>();
  return {
    changes,
    tables: new JoinTables({
      placements: mapStore(),
      facts: mapStore(),
      clusterEnvironments: mapStore(),
      changes,
    }),
  };
}

let sequence = 0;
function event(
  type: string,
  time: number,
  subject: object,
  artifactKey?: string,
): CloudEventEnvelope {
  const id = `e-${++sequence}`;
  return {
    attributes: { specversion: '1.0', id, source: '/ci', type, time: iso(time) },
    extensions: artifactKey === undefined ? {} : { cdsartifactkey: artifactKey },
    data: { context: { id, source: '/ci', type, timestamp: iso(time) }, subject },
  };
}

const packaged = (time: number, change: string) =>
  event(
    'dev.cdevents.artifact.packaged.0.3.0',
    time,
    {
      id: 'pkg:oci/shop@sha256:' + 'a'.repeat(64),
      content: { change: { id: change, source: '/git' } },
    },
    ARTIFACT,
  );
const changeEvent = (kind: 'created' | 'merged', time: number, change: string) =>
  event(`dev.cdevents.change.${kind}.0.3.0`, time, {
    id: change,
    source: '/git',
    content: { repository: { id: 'shop' } },
  });
const deployed = (time: number) =>
  event(
    'dev.cdevents.service.deployed.0.3.0',
    time,
    { id: 'shop', content: { environment: { id: 'prod' }, artifactId: 'pkg:oci/shop' } },
    ARTIFACT,
  );

function run(t: JoinTables, envelope: CloudEventEnvelope, forwardsBroadcasts = true) {
  return joinEvent(
    { event: envelope, eventTime: Date.parse(envelope.attributes.time ?? ''), forwardsBroadcasts },
    t,
  );
}

const changeStartOf = (outcome: ReturnType<typeof run>) =>
  outcome.outputs[0]?.event.extensions.cdschangestart;
const facts = (outcome: ReturnType<typeof run>) =>
  (outcome.changeFacts ?? []).map((fact) => ({
    key: fact.key,
    time: fact.time,
    start: fact.event.extensions.cdschangestart,
    artifact: fact.event.extensions.cdsartifactkey,
  }));

describe('join: lead time from the change', () => {
  it('change, packaged, deployment: the deployment carries the change start', () => {
    const { tables: t } = tables();
    run(t, changeEvent('created', T0, 'PR-1'));
    run(t, changeEvent('merged', T0 + HOUR, 'PR-1'));
    run(t, packaged(T0 + 2 * HOUR, 'PR-1'));
    expect(changeStartOf(run(t, deployed(T0 + 3 * HOUR)))).toBe(iso(T0));
  });

  it('packaged, deployment, change: the change tells the aggregate where the artifact ran', () => {
    const { tables: t } = tables();
    run(t, packaged(T0 + 2 * HOUR, 'PR-1'));
    expect(changeStartOf(run(t, deployed(T0 + 3 * HOUR)))).toBeUndefined();
    expect(facts(run(t, changeEvent('merged', T0 + HOUR, 'PR-1')))).toEqual([
      // holds from the packaged event on, the later of the two
      { key: 'shop/prod', time: T0 + 2 * HOUR, start: iso(T0 + HOUR), artifact: ARTIFACT },
    ]);
    // an earlier created moves the start; a later event moves nothing
    expect(facts(run(t, changeEvent('created', T0, 'PR-1')))).toEqual([
      { key: 'shop/prod', time: T0 + 2 * HOUR, start: iso(T0), artifact: ARTIFACT },
    ]);
    expect(facts(run(t, changeEvent('merged', T0 + 30 * 60_000, 'PR-1')))).toEqual([]);
  });

  it('deployment, change, packaged: the packaged event brings the change start', () => {
    const { tables: t } = tables();
    run(t, deployed(T0 + 3 * HOUR));
    run(t, changeEvent('created', T0, 'PR-1'));
    expect(facts(run(t, packaged(T0 + 2 * HOUR, 'PR-1')))).toEqual([
      { key: 'shop/prod', time: T0 + 2 * HOUR, start: iso(T0), artifact: ARTIFACT },
    ]);
  });

  it('a change that starts after the deployment does not count for it', () => {
    const { tables: t } = tables();
    run(t, packaged(T0, 'PR-late'));
    run(t, changeEvent('merged', T0 + 5 * HOUR, 'PR-late'));
    expect(changeStartOf(run(t, deployed(T0 + 3 * HOUR)))).toBeUndefined();
    expect(changeStartOf(run(t, deployed(T0 + 6 * HOUR)))).toBe(iso(T0 + 5 * HOUR));
  });

  it('a change event leaves the stage once, from the task that forwards broadcasts', () => {
    const { tables: t } = tables();
    expect(run(t, changeEvent('created', T0, 'PR-1'), false)).toMatchObject({
      outputs: [],
      counts: ['broadcast_copy_skipped'],
    });
    expect(run(t, changeEvent('merged', T0, 'PR-1'), true).outputs).toHaveLength(1);
  });

  it('keeps the change table bounded', () => {
    const { tables: t, changes } = tables();
    for (let i = 0; i <= MAX_CHANGES; i++)
      t.recordChangeStart(JSON.stringify(['/git', `c${i}`]), T0 + i);
    expect(changes.size).toBeLessThanOrEqual(MAX_CHANGES);
    expect(t.changeStartOf(JSON.stringify(['/git', `c${MAX_CHANGES}`]))).toBe(T0 + MAX_CHANGES);
    expect(t.changeStartOf(JSON.stringify(['/git', 'c0']))).toBeUndefined();
  });
});
