import { isPlainObject } from '../cloudevents/structured-mode.js';
import type { DecodedEvent } from '../cloudevents/types.js';
import { CdstreamError } from '../errors.js';
import { createAjv } from './ajv.js';
import { artifactPurlOf } from './artifact.js';
import { CDEventValidators, isCDEventType, splitCDEventType } from './cdevent-validators.js';
import { CloudEventTypeValidators } from './cloudevent-types.js';
import type { CloudEventTypeDefinition } from './cloudevent-types.js';
import { identityWarnings, timeWarning } from './identity.js';
import { isWorkloadReplicaSet } from './knative.js';
import type { NormalisedEvent, ValidationResult, ValidationWarning } from './result.js';
import { rfc3339Millis } from './timestamps.js';
import type { EventDefinition } from './vocabulary.js';

export interface ValidatorOptions {
  /** what happens to types cdstream does not know: pass unvalidated, or dead-letter (the default) */
  unknownTypes?: 'pass' | 'dead-letter';
  /** the canonical artifact key of a package-url (the purl module); absent, no key is set */
  artifactKeyOf?: (purl: string) => string | undefined;
}

export interface RecordContext {
  /** the Kafka record timestamp, epoch ms: the event time of last resort */
  recordTimestamp?: number;
}

/**
 * Validates decoded CloudEvents and normalises the valid ones. Build one per
 * worker: its validators are compiled on first use of each (type, version)
 * and kept.
 */
export class EventValidator {
  private readonly cdevents: CDEventValidators;
  private readonly cloudevents: CloudEventTypeValidators;
  private readonly options: ValidatorOptions;

  constructor(options: ValidatorOptions = {}) {
    const ajv = createAjv();
    this.cdevents = new CDEventValidators(undefined, ajv);
    this.cloudevents = new CloudEventTypeValidators(ajv);
    this.options = options;
  }

  validate(event: DecodedEvent, record: RecordContext = {}): ValidationResult {
    const ceType = event.attributes.type;
    if (isCDEventType(ceType)) return this.validateCDEvent(event, record);
    const known = this.cloudevents.types.get(ceType);
    if (known !== undefined) return this.validateCloudEvent(event, known, record);
    return this.unknown(event, record, 'UNKNOWN_TYPE', { type: ceType, version: undefined });
  }

  private validateCDEvent(event: DecodedEvent, record: RecordContext): ValidationResult {
    const ceType = event.attributes.type;
    const split = splitCDEventType(ceType) ?? { type: ceType, version: undefined };
    const cdevent = event.data;
    if (!isPlainObject(cdevent) || !isPlainObject(cdevent.context)) {
      const error = new CdstreamError(
        'SCHEMA_VIOLATION',
        'the data of a CDEvents type must be a CDEvent object',
        {
          path: event.dataPath,
        },
      );
      return failure([error], split);
    }
    // A CloudEvents type that says one event and a context.type that says
    // another is refused: consumers route on the CloudEvents type while we
    // would validate and aggregate the context's, so the event would mean two
    // things at once. Identity and time mismatches are only warnings (below).
    if (typeof cdevent.context.type === 'string' && cdevent.context.type !== ceType) {
      const path = `${event.dataPath}/context/type`;
      const error = new CdstreamError(
        'TYPE_MISMATCH',
        `CloudEvents type ${ceType} differs from context.type ${cdevent.context.type}`,
        { path },
      );
      return failure([error], split);
    }
    const lookup = this.cdevents.lookup(ceType);
    if (!lookup.found) return this.unknown(event, record, lookup.reason, split);
    const errors = this.cdevents.validate(lookup.definition, cdevent, event.dataPath);
    const [first, ...rest] = errors;
    if (first !== undefined) return failure([first, ...rest], split);
    return { ok: true, event: this.normaliseCDEvent(event, cdevent, lookup.definition, record) };
  }

  private normaliseCDEvent(
    event: DecodedEvent,
    cdevent: Record<string, unknown>,
    definition: EventDefinition,
    record: RecordContext,
  ): NormalisedEvent {
    // the schema has checked these: non-empty strings, an RFC 3339 timestamp
    const context = cdevent.context as { id: string; source: string; timestamp: string } & Record<
      string,
      unknown
    >;
    const specVersion = context.specversion ?? context.version;
    const artifactPurl = artifactPurlOf(cdevent, definition.subjectType);
    return {
      ...envelopeOf(event),
      type: definition.type,
      version: definition.version,
      specVersion: typeof specVersion === 'string' ? specVersion : undefined,
      eventTime: rfc3339Millis(context.timestamp) ?? record.recordTimestamp,
      eventTimeFromEvent: rfc3339Millis(context.timestamp) !== undefined,
      dedupeKey: dedupeKey(context.source, context.id),
      validated: true,
      warnings: identityWarnings(event.attributes, context),
      ...this.artifact(artifactPurl),
    };
  }

  private validateCloudEvent(
    event: DecodedEvent,
    definition: CloudEventTypeDefinition,
    record: RecordContext,
  ): ValidationResult {
    const [first, ...rest] = this.cloudevents.validate(definition, event);
    if (first !== undefined) return failure([first, ...rest], definition);
    const normalised = this.normaliseCloudEvent(event, definition, record, true);
    if (definition.type.startsWith('dev.knative.apiserver.resource.')) {
      normalised.workloadReplicaSet = isWorkloadReplicaSet(event.data);
    }
    return { ok: true, event: normalised };
  }

  private unknown(
    event: DecodedEvent,
    record: RecordContext,
    reason: 'UNKNOWN_TYPE' | 'UNSUPPORTED_VERSION',
    split: { type: string; version: string | undefined },
  ): ValidationResult {
    const message =
      reason === 'UNKNOWN_TYPE'
        ? `cdstream does not know the type ${event.attributes.type}`
        : `cdstream knows ${split.type} but not its version ${split.version ?? ''}`;
    if (this.options.unknownTypes !== 'pass') {
      return failure([new CdstreamError(reason, message, { path: '/type' })], split);
    }
    const normalised = this.normaliseCloudEvent(event, split, record, false);
    normalised.warnings = [{ code: reason, path: '/type', message }, ...normalised.warnings];
    return { ok: true, event: normalised };
  }

  private normaliseCloudEvent(
    event: DecodedEvent,
    definition: { type: string; version?: string | undefined },
    record: RecordContext,
    validated: boolean,
  ): NormalisedEvent & { warnings: ValidationWarning[] } {
    const { time } = event.attributes;
    const millis = time === undefined ? undefined : rfc3339Millis(time);
    return {
      ...envelopeOf(event),
      type: definition.type,
      version: definition.version,
      specVersion: undefined,
      eventTime: millis ?? record.recordTimestamp,
      eventTimeFromEvent: millis !== undefined,
      dedupeKey: dedupeKey(event.attributes.source, event.attributes.id),
      validated,
      warnings: time !== undefined && millis === undefined ? [timeWarning(time)] : [],
    };
  }

  private artifact(
    purl: string | undefined,
  ): Pick<NormalisedEvent, 'artifactPurl' | 'artifactKey'> {
    if (purl === undefined) return {};
    const key = this.options.artifactKeyOf?.(purl);
    return key === undefined ? { artifactPurl: purl } : { artifactPurl: purl, artifactKey: key };
  }
}

function envelopeOf(
  event: DecodedEvent,
): Pick<NormalisedEvent, 'attributes' | 'extensions' | 'data' | 'source'> {
  const envelope = { attributes: event.attributes, extensions: event.extensions, data: event.data };
  return event.source === undefined ? envelope : { ...envelope, source: event.source };
}

/** A JSON array, so that no source or id can make two different pairs look alike. */
export function dedupeKey(source: string, id: string): string {
  return JSON.stringify([source, id]);
}

function failure(
  errors: [CdstreamError, ...CdstreamError[]],
  split: { type: string; version?: string | undefined },
): ValidationResult {
  return { ok: false, errors, type: split.type, version: split.version };
}
