/**
 * What ingest adds to a valid event before it leaves stage 1: the artifact it
 * is about (canonical purl and key), whether it was validated, its event
 * time, and for scan reports a summary of the findings. Pure.
 */
import type { CloudEventEnvelope, StructuredRead } from '../../cloudevents/envelope.js';
import { EXTENSIONS } from '../../cloudevents/extensions.js';
import { isPlainObject } from '../../cloudevents/structured-mode.js';
import type { ExtensionValue } from '../../cloudevents/types.js';
import { isChangeStart } from '../../domain/join/index.js';
import { artifactKeyOf, imageRefToPurl, parsePurl } from '../../domain/purl/index.js';
import { parseScanReport, type ScanReport } from '../../domain/sbom/index.js';
import type { NormalisedEvent } from '../../validation/index.js';
import { WORKLOAD_CONTAINER } from '../../validation/knative.js';

export const SBOM_TYPES = new Set([
  'vmware.tanzu.apps.image.sbom.pushed.v1',
  'vmware.tanzu.apps.image.sbom.pushed.v1alpha1',
]);
export const LOCATION_TYPE = 'vmware.tanzu.apps.location.created.v1';

/** Ids listed per severity in an extension, at most. */
const MAX_IDS = 50;

export interface IngestedEvent {
  readonly envelope: CloudEventEnvelope;
  /** the event as it was read, when its record value was this one structured-mode event: `envelope` is it with extensions added */
  readonly read?: StructuredRead;
  /** the Kafka key towards the join: the artifact key, else the source */
  readonly routingKey: string;
  /** location events and change starts (created, merged) go to every partition of the join */
  readonly broadcast: boolean;
  readonly eventTime: number;
}

/** The artifact key as the validator's hook wants it: undefined when the purl is invalid. */
export function artifactKeyHook(purl: string): string | undefined {
  const result = artifactKeyOf(purl);
  return result.ok ? result.key : undefined;
}

/**
 * Builds the envelope forwarded to the join. Throws a CdstreamError
 * (SBOM_*) when a scan report cannot be read.
 */
export function ingested(event: NormalisedEvent, recordTimestamp: number): IngestedEvent {
  const eventTime = event.eventTime ?? recordTimestamp;
  const artifact = artifactOf(event);
  const extensions: Record<string, ExtensionValue> = {
    ...event.extensions,
    [EXTENSIONS.validated]: event.validated,
    [EXTENSIONS.eventTime]: new Date(eventTime).toISOString(),
  };
  if (artifact.purl) extensions[EXTENSIONS.artifact] = artifact.purl;
  if (artifact.key) extensions[EXTENSIONS.artifactKey] = artifact.key;
  if (SBOM_TYPES.has(event.attributes.type)) {
    const report = parseScanReport(dataForParsing(event.data), event.attributes.datacontenttype);
    Object.assign(extensions, scanExtensions(report));
    const subjectKey = artifact.key ?? report.subject.artifactKey ?? undefined;
    if (subjectKey) extensions[EXTENSIONS.artifactKey] = subjectKey;
  }
  const artifactKey = extensions[EXTENSIONS.artifactKey];
  const read: StructuredRead | undefined = event.source && {
    ...event.source,
    event: { attributes: event.attributes, extensions: event.extensions, data: event.data },
  };
  return {
    envelope: { attributes: event.attributes, extensions, data: event.data },
    ...(read === undefined ? {} : { read }),
    routingKey: typeof artifactKey === 'string' ? artifactKey : event.attributes.source,
    broadcast: event.attributes.type === LOCATION_TYPE || isChangeStart(event.attributes.type),
    eventTime,
  };
}

function artifactOf(event: NormalisedEvent): { purl?: string; key?: string } {
  if (event.artifactPurl) {
    const parsed = parsePurl(event.artifactPurl);
    // an artifact id that is not a valid purl stays as written; it gets no key
    return parsed.ok
      ? { purl: parsed.canonical, key: parsed.artifactKey }
      : { purl: event.artifactPurl };
  }
  const image = SBOM_TYPES.has(event.attributes.type)
    ? event.extensions.image
    : event.workloadReplicaSet
      ? workloadImage(event.data)
      : undefined;
  if (typeof image !== 'string') return {};
  const resolved = imageRefToPurl(image);
  return resolved.ok ? { purl: resolved.purl, key: resolved.key } : {};
}

/** The image of the `workload` container of a ReplicaSet's pod template. */
export function workloadImage(replicaSet: unknown): string | undefined {
  if (!isPlainObject(replicaSet)) return undefined;
  const spec = replicaSet.spec;
  const template = isPlainObject(spec) ? spec.template : undefined;
  const podSpec = isPlainObject(template) ? template.spec : undefined;
  const containers = isPlainObject(podSpec) ? podSpec.containers : undefined;
  if (!Array.isArray(containers)) return undefined;
  const workload: unknown = containers.find(
    (c: unknown) => isPlainObject(c) && c.name === WORKLOAD_CONTAINER,
  );
  return isPlainObject(workload) && typeof workload.image === 'string' ? workload.image : undefined;
}

function dataForParsing(data: unknown): string | Uint8Array | Record<string, unknown> {
  if (typeof data === 'string' || data instanceof Uint8Array || isPlainObject(data)) return data;
  return JSON.stringify(data ?? null);
}

function scanExtensions(report: ScanReport): Record<string, ExtensionValue> {
  const idsOf = (severity: string) =>
    [...new Set(report.vulnerabilities.filter((v) => v.severity === severity).map((v) => v.id))]
      .slice(0, MAX_IDS)
      .join(',');
  return {
    [EXTENSIONS.vulnCritical]: report.counts.critical,
    [EXTENSIONS.vulnHigh]: report.counts.high,
    [EXTENSIONS.vulnMedium]: report.counts.medium,
    [EXTENSIONS.vulnLow]: report.counts.low,
    [EXTENSIONS.vulnCriticalIds]: idsOf('critical'),
    [EXTENSIONS.vulnHighIds]: idsOf('high'),
  };
}
