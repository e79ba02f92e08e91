import { decodeRecord } from '../cloudevents/decode.js';
import type { DecodeOptions } from '../cloudevents/decode.js';
import type { DecodeResult, KafkaRecordInput } from '../cloudevents/types.js';
import { CdstreamError, isCdstreamError } from '../errors.js';
import type { NormalisedEvent } from './result.js';
import type { EventValidator, RecordContext } from './validate.js';

/** One event of a record after decoding and validation. `index` is its position in a batch. */
export type IngestResult =
  | { ok: true; event: NormalisedEvent; index?: number }
  | {
      ok: false;
      /** the dead-letter reason; `errors` lists all that were found */
      error: CdstreamError;
      errors: readonly CdstreamError[];
      type?: string;
      version?: string | undefined;
      index?: number;
    };

/**
 * Decode then validate one Kafka record: what stage 1 does before dedupe, and
 * what `cdstream validate` does to each event of a file. Synchronous unless
 * the value is schema-registry Avro.
 */
export function ingestRecord(
  record: KafkaRecordInput,
  validator: EventValidator,
  options: DecodeOptions & RecordContext = {},
): IngestResult[] | Promise<IngestResult[]> {
  const decoded = decodeRecord(record, options);
  const validateAll = (results: DecodeResult[]): IngestResult[] =>
    results.map((result) => validateOne(result, validator, options));
  return Array.isArray(decoded) ? validateAll(decoded) : decoded.then(validateAll);
}

function validateOne(
  result: DecodeResult,
  validator: EventValidator,
  context: RecordContext,
): IngestResult {
  const index = result.index === undefined ? {} : { index: result.index };
  if (!result.ok) return { ok: false, error: result.error, errors: [result.error], ...index };
  let validated;
  try {
    validated = validator.validate(result.event, context);
  } catch (thrown) {
    // a hook (artifactKeyOf) or a bug of ours: still a result for this event, never a throw into the stage
    const error = isCdstreamError(thrown)
      ? thrown
      : new CdstreamError('PROCESSING_FAILED', `validation failed: ${String(thrown)}`, {
          cause: thrown,
        });
    return { ok: false, error, errors: [error], ...index };
  }
  if (validated.ok) return { ok: true, event: validated.event, ...index };
  return {
    ok: false,
    error: validated.errors[0],
    errors: validated.errors,
    type: validated.type,
    version: validated.version,
    ...index,
  };
}
