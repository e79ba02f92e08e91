import type {
  CloudEventAttributes,
  ExtensionValue,
  StructuredSource,
} from '../cloudevents/types.js';
import type { CdstreamError, ErrorCode } from '../errors.js';

/** Something worth knowing about an event that is still accepted. */
export interface ValidationWarning {
  code: ErrorCode;
  path?: string;
  message: string;
}

/** What validation hands to the next step of ingest: the event, normalised. */
export interface NormalisedEvent {
  attributes: CloudEventAttributes;
  extensions: Readonly<Record<string, ExtensionValue>>;
  data: unknown;
  /** the record value, when it was this one structured-mode JSON event (attributes, extensions and data are as it says) */
  source?: StructuredSource;
  /** the type without its version: dev.cdevents.service.deployed, vmware.tanzu.apps.image.sbom.pushed */
  type: string;
  /** the version of the type: 0.3.0, 0.1.0-draft, v1; undefined for unversioned types */
  version: string | undefined;
  /** the CDEvents spec version from the context (version or specversion); undefined for other events */
  specVersion: string | undefined;
  /** epoch ms: context.timestamp, else CloudEvents time, else the record timestamp */
  eventTime: number | undefined;
  /** false when the event names no time of its own and eventTime is the record timestamp */
  eventTimeFromEvent?: boolean;
  /** the (source, id) pair events are deduplicated on, as a JSON array string */
  dedupeKey: string;
  /** false when the type is unknown and the policy let it pass */
  validated: boolean;
  warnings: readonly ValidationWarning[];
  /** the artifact package-url the event is about, when it names one */
  artifactPurl?: string;
  /** the canonical artifact key of `artifactPurl`, from the artifactKeyOf hook */
  artifactKey?: string;
  /** Knative resource events: a ReplicaSet whose pod template has a container named `workload` */
  workloadReplicaSet?: boolean;
}

export type ValidationResult =
  | { ok: true; event: NormalisedEvent }
  | {
      ok: false;
      /** the first is the reason the event is dead-lettered */
      errors: readonly [CdstreamError, ...CdstreamError[]];
      type: string;
      version: string | undefined;
    };
