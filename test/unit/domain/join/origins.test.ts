/**
 * The join's part of lead time from the artifact: a deployment carries the
 * first build the join knows; a build learned later reaches the aggregate as
 * origin facts, one per place the artifact ran, but only when it moves the
 * first build earlier (the aggregate keeps the earliest).
 */
import { describe, expect, it } from 'vitest';
import type { CloudEventEnvelope } from '../../../../src/cloudevents/envelope.js';
import { joinEvent, JoinTables } from '../../../../src/domain/join/index.js';
import { mapStore } from './map-store.js';

const T0 = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;
const ARTIFACT = 'sha256:' + 'b'.repeat(64);
const iso = (time: number) => new Date(time).toISOString();

let sequence = 0;
function event(type: string, time: number, subject: object): CloudEventEnvelope {
  const id = `o-${++sequence}`;
  return {
    attributes: { specversion: '1.0', id, source: '/ci', type, time: iso(time) },
    extensions: { cdsartifactkey: ARTIFACT },
    data: { context: { id, source: '/ci', type, timestamp: iso(time) }, subject },
  };
}

const built = (time: number) =>
  event('dev.cdevents.artifact.packaged.0.3.0', time, {
    id: 'pkg:oci/cart@sha256:' + 'b'.repeat(64),
    content: {},
  });
const deployed = (time: number, environment: string) =>
  event('dev.cdevents.service.deployed.0.3.0', time, {
    id: 'cart',
    content: { environment: { id: environment }, artifactId: 'pkg:oci/cart' },
  });

const run = (t: JoinTables, envelope: CloudEventEnvelope) =>
  joinEvent(
    {
      event: envelope,
      eventTime: Date.parse(envelope.attributes.time ?? ''),
      forwardsBroadcasts: true,
    },
    t,
  );
const originsOf = (outcome: ReturnType<typeof run>) =>
  (outcome.originFacts ?? []).map((fact) => fact.key).sort();

describe('join: lead time from the artifact', () => {
  it('sends origin facts to every place the artifact ran only when the first build moves earlier', () => {
    const t = new JoinTables({
      placements: mapStore(),
      facts: mapStore(),
      clusterEnvironments: mapStore(),
      changes: mapStore(),
    });
    // nowhere yet: nothing to tell
    expect(originsOf(run(t, built(T0 + 2 * HOUR)))).toEqual([]);
    run(t, deployed(T0 + 3 * HOUR, 'staging'));
    run(t, deployed(T0 + 4 * HOUR, 'prod'));
    // a later build (a rebuild, a publish) moves nothing
    expect(originsOf(run(t, built(T0 + 5 * HOUR)))).toEqual([]);
    expect(originsOf(run(t, built(T0 + 2 * HOUR)))).toEqual([]);
    // an earlier one reaches both places
    expect(originsOf(run(t, built(T0 + HOUR)))).toEqual(['cart/prod', 'cart/staging']);
  });
});
