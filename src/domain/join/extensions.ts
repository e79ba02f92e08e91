import type { CloudEventEnvelope } from '../../cloudevents/envelope.js';
import { EXTENSIONS, serviceEnvironmentKey } from '../../cloudevents/extensions.js';
import type { ExtensionValue } from '../../cloudevents/types.js';
import type { ArtifactFacts, ScanSummary } from './artifact-facts.js';

/** The join key ingest computed (`cdsartifactkey`), when the event is about an artifact. */
export function artifactKeyOfEvent(event: CloudEventEnvelope): string | undefined {
  const key = event.extensions[EXTENSIONS.artifactKey];
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** Kafka key of an enriched event: service and environment when known, else the artifact, else the source. */
export function outputKey(
  event: CloudEventEnvelope,
  service: string | undefined,
  environment: string | undefined,
): string {
  if (service !== undefined && environment !== undefined) {
    return serviceEnvironmentKey(service, environment);
  }
  return artifactKeyOfEvent(event) ?? event.attributes.source;
}

const integer = (value: ExtensionValue | undefined): number | undefined => {
  const number = typeof value === 'string' && value !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 ? number : undefined;
};

const text = (value: ExtensionValue | undefined): string =>
  typeof value === 'string' ? value : '';

/** The findings ingest summarised on a scan report; undefined when it wrote no counts. */
export function scanSummaryOf(
  event: CloudEventEnvelope,
  scannedAt: number,
): ScanSummary | undefined {
  const extensions = event.extensions;
  const critical = integer(extensions[EXTENSIONS.vulnCritical]);
  const high = integer(extensions[EXTENSIONS.vulnHigh]);
  const medium = integer(extensions[EXTENSIONS.vulnMedium]);
  const low = integer(extensions[EXTENSIONS.vulnLow]);
  if (critical === undefined || high === undefined || medium === undefined || low === undefined) {
    return undefined;
  }
  return {
    critical,
    high,
    medium,
    low,
    criticalIds: text(extensions[EXTENSIONS.vulnCriticalIds]),
    highIds: text(extensions[EXTENSIONS.vulnHighIds]),
    scannedAt,
  };
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === '' ? undefined : value;

/**
 * What a deployment carries about the artifact it deploys: its latest scan
 * and where lead time starts (from the artifact, and from its change).
 */
export function deploymentExtensions(
  facts: ArtifactFacts | undefined,
  changeStart?: number,
): Record<string, ExtensionValue | undefined> {
  const scan = facts?.scan;
  const firstBuiltAt = facts?.firstBuiltAt;
  return {
    [EXTENSIONS.vulnCritical]: scan?.critical,
    [EXTENSIONS.vulnHigh]: scan?.high,
    [EXTENSIONS.vulnMedium]: scan?.medium,
    [EXTENSIONS.vulnLow]: scan?.low,
    [EXTENSIONS.vulnCriticalIds]: nonEmpty(scan?.criticalIds),
    [EXTENSIONS.vulnHighIds]: nonEmpty(scan?.highIds),
    [EXTENSIONS.leadTimeStart]:
      firstBuiltAt === undefined ? undefined : new Date(firstBuiltAt).toISOString(),
    [EXTENSIONS.changeLeadTimeStart]:
      changeStart === undefined ? undefined : new Date(changeStart).toISOString(),
  };
}
