import { CdstreamError, isCdstreamError } from '../errors.js';
import { decodeAvro, isRegistryFramed } from './avro.js';
import { decodeBareCDEvent, isBareCDEvent } from './bare-cdevent.js';
import { decodeBinaryMode, isBinaryMode, binaryModeAttributes } from './binary-mode.js';
import { CONTENT_TYPE_HEADER, readHeaders } from './headers.js';
import { DEFAULT_MAX_JSON_DEPTH, decodeUtf8, parseJson } from './json.js';
import { isJsonMediaType, parseMediaType } from './media-type.js';
import { parseAttributes } from './attributes.js';
import { nullMembersOf } from './envelope.js';
import { decodeStructuredEvent, isPlainObject } from './structured-mode.js';
import type { AvroDecoder, DecodeResult, DecodedEvent, KafkaRecordInput } from './types.js';

export interface DecodeOptions {
  /** larger values are refused with TOO_LARGE; default 1 MiB */
  maxBytes?: number;
  /** deeper JSON is refused with DECODE_JSON; default 64 */
  maxJsonDepth?: number;
  /** the schema-registry decoder for Confluent-framed Avro values */
  avro?: AvroDecoder;
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;

const CE_JSON = 'application/cloudevents+json';
const CE_BATCH_JSON = 'application/cloudevents-batch+json';

/**
 * Decodes one Kafka record into its CloudEvents: one result for a single
 * event, one per entry for a batch. Never throws: every failure is a result
 * carrying a CdstreamError. Synchronous for JSON; a Promise only when the
 * value is Avro framed for a schema registry.
 */
export function decodeRecord(
  record: KafkaRecordInput,
  options: DecodeOptions = {},
): DecodeResult[] | Promise<DecodeResult[]> {
  try {
    const value = checkedValue(record.value, options.maxBytes ?? DEFAULT_MAX_BYTES);
    const headers = readHeaders(record.headers);
    if (isRegistryFramed(value) && mayBeAvro(headers))
      return decodeAvroRecord(value, headers, options);
    return decodeJsonRecord(value, headers, options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH);
  } catch (error) {
    return [failure(error)];
  }
}

function checkedValue(value: Buffer | null, maxBytes: number): Buffer {
  if (value === null || value.length === 0) {
    throw new CdstreamError('EMPTY_VALUE', 'the record has no value');
  }
  if (value.length > maxBytes) {
    throw new CdstreamError(
      'TOO_LARGE',
      `the value has ${value.length} bytes, more than the maximum of ${maxBytes}`,
    );
  }
  return value;
}

/** A binary-mode event with another declared content type (protobuf, octet-stream) is not ours to unframe. */
function mayBeAvro(headers: ReadonlyMap<string, string>): boolean {
  const contentType = headers.get(CONTENT_TYPE_HEADER);
  return contentType === undefined || contentType.toLowerCase().includes('avro');
}

function decodeJsonRecord(
  value: Buffer,
  headers: ReadonlyMap<string, string>,
  maxDepth: number,
): DecodeResult[] {
  const contentType = headers.get(CONTENT_TYPE_HEADER);
  const essence = contentType === undefined ? undefined : parseMediaType(contentType)?.essence;
  if (essence === CE_BATCH_JSON) {
    return decodeBatch(parseJson(decodeUtf8(value), maxDepth));
  }
  if (essence === CE_JSON) {
    const json = parseJson(decodeUtf8(value), maxDepth);
    return [success(withSource(decodeStructuredEvent(json, 'structured', 'json'), value, json))];
  }
  if (essence?.startsWith('application/cloudevents')) {
    throw new CdstreamError(
      'CE_UNSUPPORTED_CONTENT_TYPE',
      `cdstream reads CloudEvents in JSON, not ${essence}`,
    );
  }
  if (isBinaryMode(headers)) return [success(decodeBinaryMode(headers, value, maxDepth))];
  if (essence === undefined ? contentType !== undefined : !isJsonMediaType(essence)) {
    throw new CdstreamError(
      'CE_UNSUPPORTED_CONTENT_TYPE',
      `a record without ce_* headers must be JSON; its content-type is ${contentType ?? ''}`,
    );
  }
  const json = parseJson(decodeUtf8(value), maxDepth);
  const event = decodeUnframedJson(json, 'json');
  // the value is the event itself (not the CloudEvents Avro format's `{ attribute, data }` in JSON)
  const itself =
    event.mode === 'structured' && isPlainObject(json) && json.specversion !== undefined;
  return [success(itself ? withSource(event, value, json) : event)];
}

/** A structured event decoded from the whole value keeps the value, to be passed on as it came. */
function withSource(event: DecodedEvent, value: Buffer, json: unknown): DecodedEvent {
  event.source = { bytes: value, nullMembers: nullMembersOf(json) };
  return event;
}

function decodeBatch(events: unknown): DecodeResult[] {
  if (!Array.isArray(events)) {
    throw new CdstreamError('CE_INVALID_ATTRIBUTE', 'a CloudEvents batch must be a JSON array', {
      path: '',
    });
  }
  // every record read must be accounted for, so an empty batch is an error rather than nothing
  if (events.length === 0) throw new CdstreamError('EMPTY_VALUE', 'the batch holds no events');
  return events.map((event: unknown, index) => {
    try {
      return { ...success(decodeStructuredEvent(event, 'batch', 'json', `/${index}`)), index };
    } catch (error) {
      return { ...failure(error), index };
    }
  });
}

/** A JSON value with no CloudEvents headers: a structured event, or a bare CDEvent. */
function decodeUnframedJson(value: unknown, encoding: DecodedEvent['encoding']): DecodedEvent {
  if (isBareCDEvent(value)) return decodeBareCDEvent(value, encoding);
  if (isPlainObject(value) && isAvroCloudEvent(value)) {
    return decodeStructuredEvent({ ...value.attribute, data: value.data }, 'structured', encoding);
  }
  if (isPlainObject(value) && value.specversion !== undefined) {
    return decodeStructuredEvent(value, 'structured', encoding);
  }
  throw new CdstreamError(
    'CE_MISSING_ATTRIBUTE',
    'the value is neither a CloudEvent (no specversion) nor a CDEvent (no context and subject)',
    { path: '/specversion' },
  );
}

/** The CloudEvents Avro format: `{ attribute: { … }, data }`. */
function isAvroCloudEvent(
  value: Record<string, unknown>,
): value is { attribute: Record<string, unknown>; data: unknown } {
  return isPlainObject(value.attribute) && value.specversion === undefined && 'data' in value;
}

async function decodeAvroRecord(
  value: Buffer,
  headers: ReadonlyMap<string, string>,
  options: DecodeOptions,
): Promise<DecodeResult[]> {
  try {
    const decoded = withoutNulls(await decodeAvro(options.avro, value));
    if (isBinaryMode(headers)) {
      const { attributes, extensions } = parseAttributes(binaryModeAttributes(headers));
      return [
        success({
          attributes,
          extensions,
          data: decoded,
          dataPath: '',
          mode: 'binary',
          encoding: 'avro',
        }),
      ];
    }
    return [success(decodeUnframedJson(decoded, 'avro'))];
  } catch (error) {
    return [failure(error)];
  }
}

/** Avro optional fields decode as null; CloudEvents absent attributes are absent. */
function withoutNulls(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null));
}

function success(event: DecodedEvent): DecodeResult {
  return { ok: true, event };
}

function failure(error: unknown): DecodeResult & { ok: false } {
  if (isCdstreamError(error)) return { ok: false, error };
  // Anything else is a bug of ours: still a result, never a throw into the stage
  const message = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    error: new CdstreamError('PROCESSING_FAILED', `decoding failed: ${message}`, { cause: error }),
  };
}
