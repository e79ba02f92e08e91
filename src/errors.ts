/**
 * One error type for the whole product, with a closed set of codes. A code is
 * at once the dead-letter reason (`cdstream-error-code` header), a metric
 * label and the key of the README's error table, so it never changes meaning.
 *
 * Whether a failure is retried (the service it needs is away) or final (the
 * input is bad and goes to the dead-letter topic) is decided here, once, by
 * the code.
 */
import { StageFailure, TopologyError } from './runtime/failure.js';

export const ERROR_CODES = {
  // decoding the Kafka record
  EMPTY_VALUE: 'the record has no value (tombstone or header-only record)',
  TOO_LARGE: 'the record value is larger than the configured maximum',
  DECODE_UTF8: 'the value is not valid UTF-8',
  DECODE_JSON: 'the value is not valid JSON',
  DECODE_AVRO: 'the value is not Avro data the schema registry can decode',
  CE_UNSUPPORTED_CONTENT_TYPE: 'the content type is not one cdstream reads',
  CE_MISSING_ATTRIBUTE: 'a required CloudEvents attribute is missing',
  CE_INVALID_ATTRIBUTE: 'a CloudEvents attribute has an invalid value',
  CE_UNSUPPORTED_SPECVERSION: 'the CloudEvents specversion is not 1.0',
  // validating the event
  UNKNOWN_TYPE: 'the event type is not known and the topology dead-letters unknown types',
  UNSUPPORTED_VERSION: 'the event type is known but not in this version',
  SCHEMA_VIOLATION: 'the event does not match the schema of its type and version',
  INVALID_TIMESTAMP: 'a timestamp is not RFC 3339',
  TYPE_MISMATCH: 'the CloudEvents type and the CDEvent context.type differ',
  CE_CONTEXT_MISMATCH:
    'a CloudEvents id, source or time differs from the CDEvent context (a warning; the context wins)',
  // enrichment
  PURL_INVALID: 'an artifact id is not a valid package-url',
  SBOM_MALFORMED: 'a scan report or SBOM cannot be parsed',
  SBOM_HOSTILE: 'a scan report contains a DOCTYPE, entities or exceeds a size or depth limit',
  SBOM_UNSUPPORTED_FORMAT: 'a scan report is in a format cdstream does not read',
  // processing
  PROCESSING_FAILED: 'a stage threw while processing the record (a bug: please report it)',
  OUTPUT_TOO_LARGE:
    'what a stage would write for the record is larger than its topic takes (max.message.bytes)',
  // services; retried, never dead-lettered
  REGISTRY_UNAVAILABLE: 'the schema registry cannot be reached',
  BROKER_UNAVAILABLE: 'the Kafka brokers cannot be reached',
  // configuration; the worker refuses to start
  CONFIG_INVALID: 'the configuration or topology is invalid',
  COPARTITIONING: 'topics that must be co-partitioned have different partition counts',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

const RETRIABLE: ReadonlySet<ErrorCode> = new Set(['REGISTRY_UNAVAILABLE', 'BROKER_UNAVAILABLE']);

export interface CdstreamErrorOptions {
  /** JSON pointer into the event where the problem is, when there is one */
  path?: string | undefined;
  cause?: unknown;
}

/** The runtime's failure with one of the product's codes; retriable is decided by the code. */
export class CdstreamError extends StageFailure {
  declare readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: CdstreamErrorOptions = {}) {
    super(code, message, { ...options, retriable: RETRIABLE.has(code) });
    this.name = 'CdstreamError';
  }
}

export function isCdstreamError(error: unknown): error is CdstreamError {
  return error instanceof CdstreamError;
}

/**
 * A CdstreamError, or a topology error the runtime raised (its codes are
 * the product's CONFIG_INVALID and COPARTITIONING).
 */
export function asCdstreamError(error: unknown): CdstreamError | undefined {
  if (isCdstreamError(error)) return error;
  if (error instanceof TopologyError) {
    const code = error.code as ErrorCode;
    return new CdstreamError(code, error.message, { path: error.path, cause: error.cause });
  }
  return undefined;
}
