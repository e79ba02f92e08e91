/**
 * Builders of enriched CloudEvents as stage 2 writes them to
 * cdstream.enriched (structured JSON, CDEvents 0.5.1 data, cds* extensions),
 * for the aggregate's unit and integration tests.
 */
import { createHash } from 'node:crypto';
import { encodeStructured } from '../../../../src/cloudevents/envelope.js';
import type { ExtensionValue } from '../../../../src/cloudevents/types.js';

export interface EnrichedRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly timestamp: number;
}

export interface Where {
  readonly service: string;
  readonly environment: string;
  readonly time: number;
  /** CDEvent context id; unique by default */
  readonly id?: string;
}

let sequence = 0;
const nextId = (): string => `event-${++sequence}`;

export const digestOf = (label: string): string => createHash('sha256').update(label).digest('hex');
export const artifactKey = (label: string): string => `sha256:${digestOf(label)}`;
export const purlOf = (service: string, label: string): string =>
  `pkg:oci/${service}@sha256%3A${digestOf(label)}?repository_url=registry.example%2F${service}`;

export interface Vulnerabilities {
  readonly critical?: number;
  readonly high?: number;
  readonly criticalIds?: readonly string[];
  readonly highIds?: readonly string[];
}

function vulnExtensions(vulns: Vulnerabilities | undefined): Record<string, ExtensionValue> {
  if (!vulns) return {};
  return {
    cdsvulncritical: vulns.critical ?? 0,
    cdsvulnhigh: vulns.high ?? 0,
    cdsvulnmedium: 0,
    cdsvulnlow: 0,
    ...(vulns.criticalIds ? { cdsvulncriticalids: vulns.criticalIds.join(',') } : {}),
    ...(vulns.highIds ? { cdsvulnhighids: vulns.highIds.join(',') } : {}),
  };
}

function cdevent(
  where: Where,
  type: string,
  subject: { id: string; content: Record<string, unknown> },
  extensions: Record<string, ExtensionValue>,
  extra: Record<string, unknown> = {},
): EnrichedRecord {
  const id = where.id ?? nextId();
  const timestamp = new Date(where.time).toISOString();
  const draft = type.endsWith('-draft');
  const context = draft
    ? { version: '0.2.0-draft', id, source: '/test/producer', type, timestamp }
    : { specversion: '0.5.1', id, source: '/test/producer', type, timestamp };
  const data = { context, subject: { ...subject, source: '/test/producer' }, ...extra };
  return {
    key: `${where.service}/${where.environment}`,
    timestamp: where.time,
    value: encodeStructured({
      attributes: { specversion: '1.0', id, source: '/test/producer', type, time: timestamp },
      extensions: {
        cdsservice: where.service,
        cdsenvironment: where.environment,
        cdsvalidated: true,
        cdseventtime: timestamp,
        ...extensions,
      },
      data,
    }),
  };
}

export interface DeploymentOptions {
  /** label of the artifact; its digest is sha256(label) */
  readonly artifact: string;
  readonly leadTimeStart?: number;
  /** cdschangestart: where lead time from the change starts, as the join knew it */
  readonly changeStart?: number;
  readonly vulnerabilities?: Vulnerabilities;
  readonly predicate?: 'deployed' | 'upgraded' | 'rolledback';
}

export function deployment(where: Where, options: DeploymentOptions): EnrichedRecord {
  const purl = purlOf(where.service, options.artifact);
  return cdevent(
    where,
    `dev.cdevents.service.${options.predicate ?? 'deployed'}.0.3.0`,
    { id: where.service, content: { environment: { id: where.environment }, artifactId: purl } },
    {
      cdsartifact: purl,
      cdsartifactkey: artifactKey(options.artifact),
      ...(options.leadTimeStart === undefined
        ? {}
        : { cdsleadtimestart: new Date(options.leadTimeStart).toISOString() }),
      ...(options.changeStart === undefined
        ? {}
        : { cdschangestart: new Date(options.changeStart).toISOString() }),
      ...vulnExtensions(options.vulnerabilities),
    },
  );
}

export const rollback = (where: Where, artifact: string): EnrichedRecord =>
  deployment(where, { artifact, predicate: 'rolledback' });

export const removal = (where: Where): EnrichedRecord =>
  cdevent(
    where,
    'dev.cdevents.service.removed.0.3.0',
    { id: where.service, content: { environment: { id: where.environment } } },
    {},
  );

export interface IncidentOptions {
  readonly phase: 'detected' | 'reported' | 'resolved';
  readonly incident: string;
  readonly artifact?: string;
  /** spec version of the event: 0.5.1 (incident 0.3.0) or the seed draft 0.1.0-draft */
  readonly draft?: boolean;
}

export function incident(where: Where, options: IncidentOptions): EnrichedRecord {
  const type = `dev.cdevents.incident.${options.phase}.${options.draft ? '0.1.0-draft' : '0.3.0'}`;
  const purl = options.artifact === undefined ? undefined : purlOf(where.service, options.artifact);
  return cdevent(
    where,
    type,
    {
      id: options.incident,
      content: {
        description: `${options.phase} by a test`,
        environment: { id: where.environment },
        service: { id: where.service },
        ...(options.phase === 'reported' ? { ticketURI: 'https://tickets.example/1' } : {}),
        ...(purl === undefined ? {} : { artifactId: purl }),
      },
    },
    options.artifact === undefined
      ? {}
      : { cdsartifact: purl ?? '', cdsartifactkey: artifactKey(options.artifact) },
  );
}

export function scan(
  where: Where,
  artifact: string,
  vulnerabilities: Vulnerabilities,
): EnrichedRecord {
  const id = where.id ?? nextId();
  const timestamp = new Date(where.time).toISOString();
  return {
    key: `${where.service}/${where.environment}`,
    timestamp: where.time,
    value: encodeStructured({
      attributes: {
        specversion: '1.0',
        id,
        source: '/amr/observer',
        type: 'vmware.tanzu.apps.image.sbom.pushed.v1',
        time: timestamp,
        datacontenttype: 'application/vnd.cyclonedx+json',
      },
      extensions: {
        image: `registry.example/${where.service}@sha256:${digestOf(artifact)}`,
        scanresults: 'registry.example/scan-results@sha256:1',
        file: 'report.json',
        cdsservice: where.service,
        cdsenvironment: where.environment,
        cdsartifact: purlOf(where.service, artifact),
        cdsartifactkey: artifactKey(artifact),
        cdsvalidated: true,
        cdseventtime: timestamp,
        ...vulnExtensions(vulnerabilities),
      },
      data: { bomFormat: 'CycloneDX' },
    }),
  };
}

export function outcome(
  where: Where,
  what: 'pipelinerun' | 'testcaserun',
  result: 'success' | 'failure' | 'pass' | 'fail',
): EnrichedRecord {
  const content =
    what === 'pipelinerun'
      ? { pipelineName: 'ci', uri: 'https://ci.example/run', outcome: result }
      : {
          outcome: result,
          environment: { id: where.environment },
          testCase: { id: 'login' },
        };
  return cdevent(where, `dev.cdevents.${what}.finished.0.3.0`, { id: nextId(), content }, {});
}

export function replicaSet(
  where: Where,
  action: 'add' | 'update' | 'updated' | 'delete',
  artifact: string,
): EnrichedRecord {
  const id = where.id ?? nextId();
  const timestamp = new Date(where.time).toISOString();
  return {
    key: `${where.service}/${where.environment}`,
    timestamp: where.time,
    value: encodeStructured({
      attributes: {
        specversion: '1.0',
        id,
        source: 'https://10.96.0.1:443',
        type: `dev.knative.apiserver.resource.${action}`,
        time: timestamp,
        datacontenttype: 'application/json',
      },
      extensions: {
        cdsservice: where.service,
        cdsenvironment: where.environment,
        cdsartifactkey: artifactKey(artifact),
        cdsvalidated: true,
      },
      data: {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: `${where.service}-${id}`, namespace: where.environment },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'workload',
                  image: `registry.example/${where.service}@sha256:${digestOf(artifact)}`,
                },
              ],
            },
          },
        },
      },
    }),
  };
}
