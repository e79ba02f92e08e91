/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- fixtures are edited as free-form JSON */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DecodedEvent } from '../../../src/cloudevents/types.js';
import { EventValidator } from '../../../src/validation/validate.js';
import type { NormalisedEvent, ValidationResult } from '../../../src/validation/result.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test fixtures are edited freely

function fixture(name: string): Json {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/events/${name}`, import.meta.url), 'utf8'),
  ) as Json;
}

/** A CDEvent as a bare record would decode: attributes from the context. */
function bare(cdevent: Json): DecodedEvent {
  return {
    attributes: {
      specversion: '1.0',
      id: cdevent.context.id,
      source: cdevent.context.source,
      type: cdevent.context.type,
      time: cdevent.context.timestamp,
    },
    extensions: {},
    data: cdevent,
    dataPath: '',
    mode: 'bare-cdevent',
    encoding: 'json',
  };
}

/** A structured CloudEvent as decoded: extension attributes apart. */
function structured(event: Json): DecodedEvent {
  const { specversion, id, source, type, time, datacontenttype, subject, data, ...extensions } =
    event;
  return {
    attributes: { specversion, id, source, type, time, datacontenttype, subject },
    extensions,
    data,
    dataPath: '/data',
    mode: 'structured',
    encoding: 'json',
  };
}

function accepted(result: ValidationResult): NormalisedEvent {
  if (!result.ok)
    throw new Error(
      `expected acceptance, got ${result.errors.map((e) => `${e.code} ${e.message}`).join('; ')}`,
    );
  return result.event;
}

function refusal(result: ValidationResult): { code: string; path: string | undefined } {
  if (result.ok) throw new Error('expected a refusal');
  return { code: result.errors[0].code, path: result.errors[0].path };
}

const validator = new EventValidator({
  artifactKeyOf: (purl) => `key:${purl.split('@')[0] ?? ''}`,
});

describe('CDEvents', () => {
  it('normalises a valid event: type, version, spec version, event time, dedupe key, artifact', () => {
    const event = accepted(validator.validate(bare(fixture('service-deployed.json'))));
    expect(event).toMatchObject({
      type: 'dev.cdevents.service.deployed',
      version: '0.3.0',
      specVersion: '0.5.1',
      eventTime: Date.parse('2024-05-01T10:00:00Z'),
      dedupeKey: JSON.stringify(['/argocd/prod', 'deploy-42']),
      validated: true,
      warnings: [],
      artifactPurl: expect.stringMatching(/^pkg:oci\/myapp@/) as unknown,
      artifactKey: 'key:pkg:oci/myapp',
    });
  });

  it('validates seed drafts against the released content, with either version key and subject.type', () => {
    const draft = fixture('incident-detected-draft.json');
    expect(accepted(validator.validate(bare(draft))).version).toBe('0.1.0-draft');
    const withSpecversion = structuredClone(draft);
    withSpecversion.context.specversion = withSpecversion.context.version;
    delete withSpecversion.context.version;
    delete withSpecversion.subject.type;
    expect(accepted(validator.validate(bare(withSpecversion))).specVersion).toBe('0.2.0-draft');
  });

  it.each([
    [
      'incident.detected.0.1.0-draft',
      'environment',
      (e: Json) => delete e.subject.content.environment,
    ],
    [
      'incident.reported.0.1.0-draft',
      'ticketURI',
      (e: Json) => (e.context.type = 'dev.cdevents.incident.reported.0.1.0-draft'),
    ],
  ])('requires the seed mandatory fields of %s (%s)', (_type, field, change) => {
    const draft = fixture('incident-detected-draft.json');
    change(draft);
    expect(refusal(validator.validate(bare(draft)))).toEqual({
      code: 'SCHEMA_VIOLATION',
      path: `/subject/content/${field}`,
    });
  });

  it('requires change on artifact.packaged and signature on artifact.signed drafts', () => {
    const base = (type: string): Json => ({
      context: {
        version: '0.2.0-draft',
        id: '1',
        source: '/ci',
        type,
        timestamp: '2024-01-01T00:00:00Z',
      },
      subject: { id: 'pkg:oci/app@sha256%3Aabc', type: 'artifact', content: {} },
    });
    expect(
      refusal(validator.validate(bare(base('dev.cdevents.artifact.packaged.0.3.0-draft')))).path,
    ).toBe('/subject/content/change');
    expect(
      refusal(validator.validate(bare(base('dev.cdevents.artifact.signed.0.3.0-draft')))).path,
    ).toBe('/subject/content/signature');
    expect(
      accepted(validator.validate(bare(base('dev.cdevents.artifact.deleted.0.2.0-draft'))))
        .artifactPurl,
    ).toBe('pkg:oci/app@sha256%3Aabc');
  });

  it('refuses subject.type in a 0.5 event and context.version in its place of specversion', () => {
    const withType = fixture('service-deployed.json');
    withType.subject.type = 'service';
    expect(refusal(validator.validate(bare(withType)))).toEqual({
      code: 'SCHEMA_VIOLATION',
      path: '/subject/type',
    });
    const oldKey = fixture('service-deployed.json');
    oldKey.context.version = oldKey.context.specversion;
    delete oldKey.context.specversion;
    expect(refusal(validator.validate(bare(oldKey))).code).toBe('SCHEMA_VIOLATION');
  });

  it('reports a bad timestamp as INVALID_TIMESTAMP with its path', () => {
    const event = fixture('service-deployed.json');
    event.context.timestamp = '2024-05-01 10:00';
    expect(refusal(validator.validate(bare(event)))).toEqual({
      code: 'INVALID_TIMESTAMP',
      path: '/context/timestamp',
    });
  });

  it('accepts JSON customData inline and other content types only as base64', () => {
    const event = fixture('service-deployed.json');
    event.customData = { any: ['json'] };
    accepted(validator.validate(bare(event)));
    event.customData = 'PGRhdGEvPg==';
    event.customDataContentType = 'application/xml';
    accepted(validator.validate(bare(event)));
    event.customData = '<data/>';
    expect(refusal(validator.validate(bare(event)))).toEqual({
      code: 'SCHEMA_VIOLATION',
      path: '/customData',
    });
  });

  it('records identity and time mismatches of the envelope as warnings, the context winning', () => {
    const cdevent = fixture('service-deployed.json');
    const envelope = {
      specversion: '1.0',
      id: 'random-uuid',
      source: '/sdk',
      type: cdevent.context.type,
      time: '2024-05-01T10:00:01Z',
      data: cdevent,
    };
    const event = accepted(validator.validate(structured(envelope)));
    expect(event.warnings.map((w) => [w.code, w.path])).toEqual([
      ['CE_CONTEXT_MISMATCH', '/id'],
      ['CE_CONTEXT_MISMATCH', '/source'],
      ['CE_CONTEXT_MISMATCH', '/time'],
    ]);
    expect(event.dedupeKey).toBe(JSON.stringify(['/argocd/prod', 'deploy-42']));
    expect(event.eventTime).toBe(Date.parse('2024-05-01T10:00:00Z'));
    const python = accepted(
      validator.validate(
        structured({
          ...envelope,
          id: cdevent.context.id,
          source: '/argocd/prod',
          time: '2024-05-01 10:00:00.000000',
        }),
      ),
    );
    expect(python.warnings.map((w) => w.code)).toEqual(['INVALID_TIMESTAMP']);
    const go = accepted(
      validator.validate(
        structured({
          ...envelope,
          id: cdevent.context.id,
          source: '/argocd/prod',
          time: undefined,
        }),
      ),
    );
    expect(go.warnings).toEqual([]);
  });

  it('refuses a CloudEvents type that differs from context.type', () => {
    const cdevent = fixture('service-deployed.json');
    const envelope = {
      specversion: '1.0',
      id: 'x',
      source: '/s',
      type: 'dev.cdevents.service.upgraded.0.3.0',
      data: cdevent,
    };
    expect(refusal(validator.validate(structured(envelope)))).toEqual({
      code: 'TYPE_MISMATCH',
      path: '/data/context/type',
    });
  });
});

describe('types cdstream does not know', () => {
  const unknown = {
    specversion: '1.0',
    id: '1',
    source: '/s',
    type: 'com.example.thing.happened',
    data: {},
  };
  const future = fixture('service-deployed.json');
  future.context.type = 'dev.cdevents.service.deployed.9.0.0';

  it('are dead-lettered by default', () => {
    expect(refusal(validator.validate(structured(unknown))).code).toBe('UNKNOWN_TYPE');
    expect(refusal(validator.validate(bare(future))).code).toBe('UNSUPPORTED_VERSION');
  });

  it('pass unvalidated, marked, when the policy says so, their time from the record', () => {
    const passing = new EventValidator({ unknownTypes: 'pass' });
    const event = accepted(passing.validate(structured(unknown), { recordTimestamp: 1234 }));
    expect(event).toMatchObject({
      validated: false,
      eventTime: 1234,
      type: 'com.example.thing.happened',
    });
    expect(event.warnings.map((w) => w.code)).toEqual(['UNKNOWN_TYPE']);
    expect(accepted(passing.validate(bare(future))).validated).toBe(false);
  });
});

describe('Tanzu AMR and Knative types', () => {
  it('accepts an SBOM pushed event with its extensions and content type', () => {
    const event = accepted(validator.validate(structured(fixture('amr-sbom-pushed.json'))));
    expect(event).toMatchObject({
      type: 'vmware.tanzu.apps.image.sbom.pushed',
      version: 'v1',
      validated: true,
    });
    expect(event.eventTime).toBe(Date.parse('2023-02-07T19:50:31.436Z'));
  });

  it.each([
    ['without the image extension', (e: Json) => delete e.image, '/image'],
    ['without scanresults', (e: Json) => delete e.scanresults, '/scanresults'],
    [
      'with an unknown report format',
      (e: Json) => (e.datacontenttype = 'application/pdf'),
      '/datacontenttype',
    ],
  ])('refuses an SBOM pushed event %s', (_name, change, path) => {
    const event = fixture('amr-sbom-pushed.json');
    change(event);
    expect(refusal(validator.validate(structured(event)))).toEqual({
      code: 'SCHEMA_VIOLATION',
      path,
    });
  });

  it.each([
    'application/vnd.cyclonedx+json',
    'application/spdx+json',
    'application/vnd.cyclonedx+xml; version=1.5',
  ])('accepts reports in %s', (contentType) => {
    const event = {
      ...fixture('amr-sbom-pushed.json'),
      datacontenttype: contentType,
      type: 'vmware.tanzu.apps.image.sbom.pushed.v1alpha1',
    };
    expect(accepted(validator.validate(structured(event))).version).toBe('v1alpha1');
  });

  it('recognises ReplicaSets with a workload container, under both update spellings', () => {
    const add = fixture('knative-replicaset-add.json');
    expect(accepted(validator.validate(structured(add))).workloadReplicaSet).toBe(true);
    const updated = accepted(
      validator.validate(structured({ ...add, type: 'dev.knative.apiserver.resource.updated' })),
    );
    expect(updated.type).toBe('dev.knative.apiserver.resource.update');
    add.data.spec.template.spec.containers[0].name = 'sidecar';
    expect(accepted(validator.validate(structured(add))).workloadReplicaSet).toBe(false);
  });

  it('accepts a location created event with cluster data', () => {
    const location = {
      specversion: '1.0',
      id: '1',
      source: '/amr',
      type: 'vmware.tanzu.apps.location.created.v1',
      data: { cluster: 'c1', labels: [] },
    };
    expect(accepted(validator.validate(structured(location))).type).toBe(
      'vmware.tanzu.apps.location.created',
    );
    expect(refusal(validator.validate(structured({ ...location, data: 'x' }))).path).toBe('/data');
  });
});
