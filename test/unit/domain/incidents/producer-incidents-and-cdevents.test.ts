import { describe, expect, it } from 'vitest';
import {
  accountProducerIncident,
  deterministicUuid,
  incidentCDEvent,
} from '../../../../src/domain/incidents/index.js';
import { EventValidator } from '../../../../src/validation/index.js';

describe('producer incident accounting', () => {
  it('opens once, marks duplicates, resolves with the detection time, counts a resolve without open', () => {
    const opened = accountProducerIncident(undefined, { phase: 'detected', time: 5 });
    expect(opened).toEqual({ kind: 'opened', open: { detectedAt: 5, artifact: undefined } });
    const open = opened.kind === 'opened' ? opened.open : undefined;
    expect(accountProducerIncident(open, { phase: 'reported', time: 6 })).toEqual({
      kind: 'duplicate',
    });
    expect(accountProducerIncident(open, { phase: 'resolved', time: 9 })).toEqual({
      kind: 'resolved',
      detectedAt: 5,
    });
    expect(accountProducerIncident(undefined, { phase: 'resolved', time: 9 })).toEqual({
      kind: 'resolved-without-open',
    });
  });
});

describe('derived incident CDEvents', () => {
  const validator = new EventValidator();
  const validate = (cdevent: ReturnType<typeof incidentCDEvent>) =>
    validator.validate({
      attributes: {
        specversion: '1.0',
        id: cdevent.context.id,
        source: cdevent.context.source,
        type: cdevent.context.type,
      },
      extensions: {},
      data: cdevent,
      dataPath: '/data',
      mode: 'structured',
      encoding: 'json',
    });

  it('are valid incident.detected / incident.resolved 0.3.0 events of spec 0.5.1', () => {
    for (const phase of ['detected', 'resolved'] as const) {
      const cdevent = incidentCDEvent(
        {
          phase,
          rule: 'vulnerability',
          incidentId: 'vulnerability-1',
          time: Date.UTC(2026, 0, 1),
          artifactPurl: 'pkg:oci/shop@sha256%3Aab',
          description: 'rule vulnerability: …',
        },
        { service: 'shop', environment: 'prod', source: '/cdstream/aggregate' },
      );
      expect(cdevent.context.type).toBe(`dev.cdevents.incident.${phase}.0.3.0`);
      expect(cdevent.subject.content).toMatchObject({
        service: { id: 'shop' },
        environment: { id: 'prod' },
        artifactId: 'pkg:oci/shop@sha256%3Aab',
      });
      const result = validate(cdevent);
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }
  });

  it('have deterministic, UUID-shaped ids that differ per phase', () => {
    const action = {
      phase: 'detected' as const,
      rule: 'r',
      incidentId: 'x',
      time: 0,
      description: 'd',
    };
    const scope = { service: 's', environment: 'e', source: '/c' };
    const first = incidentCDEvent(action, scope).context.id;
    expect(first).toBe(incidentCDEvent(action, scope).context.id);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(incidentCDEvent({ ...action, phase: 'resolved' }, scope).context.id).not.toBe(first);
    expect(deterministicUuid('a', 1)).not.toBe(deterministicUuid('a', 2));
    // ids already written stay the same: the value the first implementation gave
    expect(deterministicUuid('failure-burst', 'checkout/prod', 1767225600000)).toBe(
      '753dc6e0-bb47-8057-a12d-bdac8d3f4e05',
    );
  });
});
