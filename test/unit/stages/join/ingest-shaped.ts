/**
 * Builds records the way stage 1 writes them to the repartition topic, so the
 * join can be tested on its input contract without the ingest stage: the
 * original CloudEvent plus ingest's extensions (canonical purl and join key,
 * validated flag, event time, scan findings), keyed by the artifact key (else
 * the source), timestamped with the event time. location.created is
 * broadcast: one copy per partition.
 */
import { encodeStructured } from '../../../../src/cloudevents/envelope.js';
import { EXTENSIONS } from '../../../../src/cloudevents/extensions.js';
import type { ExtensionValue } from '../../../../src/cloudevents/types.js';
import { artifactKeyOf, imageRefToPurl } from '../../../../src/domain/purl/index.js';

export const DIGEST = 'sha256:0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427';
export const OTHER_DIGEST =
  'sha256:927aa808433d17e315a258b98e2f1a55f8258e0cb782ccb76280646d0dbe17b5';

export interface IngestShapedRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly timestamp: number;
  readonly partition?: number;
}

interface Artifact {
  readonly key: string;
  readonly purl: string | null;
}

function record(
  event: Record<string, unknown>,
  time: string,
  artifact: Artifact | undefined,
  extra: Record<string, ExtensionValue> = {},
): IngestShapedRecord {
  const { specversion, id, source, type, subject, datacontenttype, data, ...extensions } = event;
  const attributes = {
    specversion: specversion as '1.0',
    id: id as string,
    source: source as string,
    type: type as string,
    ...(subject === undefined ? {} : { subject: subject as string }),
    ...(datacontenttype === undefined ? {} : { datacontenttype: datacontenttype as string }),
    time,
  };
  const added: Record<string, ExtensionValue> = {
    ...(extensions as Record<string, ExtensionValue>),
    [EXTENSIONS.validated]: true,
    [EXTENSIONS.eventTime]: time,
    ...extra,
  };
  if (artifact !== undefined) {
    added[EXTENSIONS.artifactKey] = artifact.key;
    if (artifact.purl !== null) added[EXTENSIONS.artifact] = artifact.purl;
  }
  return {
    key: artifact?.key ?? attributes.source,
    value: encodeStructured({ attributes, extensions: added, data }),
    timestamp: Date.parse(time),
  };
}

function artifactOf(purlOrRef: string | undefined): Artifact | undefined {
  if (purlOrRef === undefined) return undefined;
  const result = artifactKeyOf(purlOrRef);
  if (!result.ok) throw new Error(`test artifact ${purlOrRef}: ${result.reason}`);
  return { key: result.key, purl: result.purl };
}

function imageArtifact(image: string): Artifact {
  const result = imageRefToPurl(image);
  if (!result.ok) throw new Error(`test image ${image}: ${result.reason}`);
  return { key: result.key, purl: result.purl };
}

let sequence = 0;
const nextId = (prefix: string): string => `${prefix}-${++sequence}`;

export interface CDEventSpec {
  /** full type with version, e.g. dev.cdevents.service.deployed.0.3.0 */
  readonly type: string;
  readonly subjectId: string;
  readonly content: Record<string, unknown>;
  readonly time: string;
  readonly source?: string;
  readonly id?: string;
}

/** A CDEvent in a structured CloudEvent, as ingest forwards it. */
export function cdevent(spec: CDEventSpec): IngestShapedRecord {
  const id = spec.id ?? nextId('cdevent');
  const source = spec.source ?? '/test/cd';
  const data = {
    context: { specversion: '0.5.1', id, source, type: spec.type, timestamp: spec.time },
    subject: { id: spec.subjectId, source, content: spec.content },
  };
  const artifactId =
    typeof spec.content.artifactId === 'string'
      ? spec.content.artifactId
      : spec.type.startsWith('dev.cdevents.artifact.')
        ? spec.subjectId
        : undefined;
  return record(
    { specversion: '1.0', id, source, type: spec.type, datacontenttype: 'application/json', data },
    spec.time,
    artifactOf(artifactId),
  );
}

export const deployed = (
  service: string,
  environment: string,
  artifactId: string,
  time: string,
  version = '0.3.0',
): IngestShapedRecord =>
  cdevent({
    type: `dev.cdevents.service.deployed.${version}`,
    subjectId: service,
    content: { environment: { id: environment }, artifactId },
    time,
  });

export const incidentDetected = (
  content: Record<string, unknown>,
  time: string,
  version = '0.1.0-draft',
): IngestShapedRecord =>
  cdevent({
    type: `dev.cdevents.incident.detected.${version}`,
    subjectId: nextId('incident'),
    content: { description: 'Response time above 10ms', ...content },
    time,
    source: '/monitoring/prod',
  });

export interface Findings {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  readonly criticalIds?: string;
  readonly highIds?: string;
}

/** An AMR scan report as ingest forwards it: keyed by the scanned image's digest, findings in extensions. */
export function scanReport(
  image: string,
  findings: Findings,
  time: string,
  scanCluster = 'scan-cluster-uid',
): IngestShapedRecord {
  const id = nextId('scan');
  return record(
    {
      specversion: '1.0',
      id,
      source: scanCluster,
      type: 'vmware.tanzu.apps.image.sbom.pushed.v1',
      subject:
        '/apis/app-scanning.apps.tanzu.vmware.com/v1alpha1/namespaces/scans/imagevulnerabilityscans/s1',
      datacontenttype: 'application/vnd.cyclonedx+json',
      data: { bomFormat: 'CycloneDX', specVersion: '1.5' },
      image,
      scanresults: 'registry.example/scan-results@' + OTHER_DIGEST,
      file: 'report.json',
    },
    time,
    imageArtifact(image),
    {
      [EXTENSIONS.vulnCritical]: findings.critical,
      [EXTENSIONS.vulnHigh]: findings.high,
      [EXTENSIONS.vulnMedium]: findings.medium,
      [EXTENSIONS.vulnLow]: findings.low,
      ...(findings.criticalIds ? { [EXTENSIONS.vulnCriticalIds]: findings.criticalIds } : {}),
      ...(findings.highIds ? { [EXTENSIONS.vulnHighIds]: findings.highIds } : {}),
    },
  );
}

export interface ReplicaSetSpec {
  readonly operation: 'add' | 'update' | 'updated' | 'delete';
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly image: string;
  readonly labels?: Record<string, string>;
  readonly replicas?: number;
  readonly createdAt?: string;
  readonly time: string;
}

/** A Knative APIServerSource event about a ReplicaSet with a `workload` container. */
export function replicaSet(spec: ReplicaSetSpec): IngestShapedRecord {
  const data = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: spec.labels ?? {},
      ...(spec.createdAt === undefined ? {} : { creationTimestamp: spec.createdAt }),
    },
    spec: {
      replicas: spec.replicas ?? 1,
      template: { spec: { containers: [{ name: 'workload', image: spec.image }] } },
    },
  };
  return record(
    {
      specversion: '1.0',
      id: nextId('rs'),
      source: spec.cluster,
      type: `dev.knative.apiserver.resource.${spec.operation}`,
      subject: `/apis/apps/v1/namespaces/${spec.namespace}/replicasets/${spec.name}`,
      datacontenttype: 'application/json',
      data,
    },
    spec.time,
    imageArtifact(spec.image),
  );
}

/** location.created, broadcast to every partition as ingest does. */
export function locationCreated(
  cluster: string,
  labels: readonly { key: string; value: string }[],
  time: string,
  partitions: number,
): IngestShapedRecord[] {
  const single = record(
    {
      specversion: '1.0',
      id: nextId('location'),
      source: cluster,
      type: 'vmware.tanzu.apps.location.created.v1',
      datacontenttype: 'application/json',
      data: { cluster, labels },
    },
    time,
    undefined,
  );
  return Array.from({ length: partitions }, (_, partition) => ({ ...single, partition }));
}
