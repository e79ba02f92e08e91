import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { CdstreamError } from '../errors.js';
import { createAjv } from './ajv.js';
import { cdeventSchema } from './cdevent-schema.js';
import { CDEVENTS_TYPE_PREFIX, loadVocabulary } from './vocabulary.js';
import type { EventDefinition, Vocabulary } from './vocabulary.js';

/** `dev.cdevents.service.deployed.0.3.0` → type and version; the version may carry a pre-release (`-draft`). */
export function splitCDEventType(fullType: string): { type: string; version: string } | undefined {
  const match = /^(dev\.cdevents\.[a-z]+\.[a-z]+)\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(
    fullType,
  );
  return match?.[1] === undefined || match[2] === undefined
    ? undefined
    : { type: match[1], version: match[2] };
}

export function isCDEventType(fullType: string): boolean {
  return fullType.startsWith(CDEVENTS_TYPE_PREFIX);
}

export type CDEventLookup =
  | { found: true; definition: EventDefinition }
  | { found: false; reason: 'UNKNOWN_TYPE' | 'UNSUPPORTED_VERSION' };

/**
 * The compiled validators of the vocabulary, built on first use and kept:
 * one ajv compilation per (type, version) for the life of the process.
 */
export class CDEventValidators {
  readonly vocabulary: Vocabulary;
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(vocabulary: Vocabulary = loadVocabulary(), ajv: Ajv2020 = createAjv()) {
    this.vocabulary = vocabulary;
    this.ajv = ajv;
  }

  lookup(fullType: string): CDEventLookup {
    const parts = splitCDEventType(fullType);
    const versions = parts === undefined ? undefined : this.vocabulary.events.get(parts.type);
    if (parts === undefined || versions === undefined)
      return { found: false, reason: 'UNKNOWN_TYPE' };
    const definition = versions.get(parts.version);
    return definition === undefined
      ? { found: false, reason: 'UNSUPPORTED_VERSION' }
      : { found: true, definition };
  }

  /** The errors of `cdevent` against its (type, version) schema; empty when valid. */
  validate(definition: EventDefinition, cdevent: unknown, pathPrefix = ''): CdstreamError[] {
    const validate = this.validatorFor(definition);
    if (validate(cdevent)) return [];
    return (validate.errors ?? []).map((error) => schemaError(error, pathPrefix));
  }

  private validatorFor(definition: EventDefinition): ValidateFunction {
    const key = `${definition.type}.${definition.version}`;
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(cdeventSchema(definition, this.vocabulary));
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

/** An ajv error as a CdstreamError whose path points at the offending member. */
export function schemaError(error: ErrorObject, pathPrefix = ''): CdstreamError {
  const params = error.params as Record<string, unknown>;
  const member =
    typeof params.missingProperty === 'string'
      ? params.missingProperty
      : typeof params.additionalProperty === 'string'
        ? params.additionalProperty
        : undefined;
  const path =
    pathPrefix + error.instancePath + (member === undefined ? '' : `/${escapePointer(member)}`);
  if (error.keyword === 'format' && params.format === 'date-time') {
    return new CdstreamError('INVALID_TIMESTAMP', `${path} is not an RFC 3339 timestamp`, { path });
  }
  const detail =
    error.keyword === 'additionalProperties'
      ? 'is not allowed here'
      : error.keyword === 'required'
        ? 'is required'
        : (error.message ?? 'is invalid');
  return new CdstreamError('SCHEMA_VIOLATION', `${path || '/'} ${detail}`, { path });
}

function escapePointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}
