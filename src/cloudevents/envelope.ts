/**
 * The CloudEvents JSON format (structured mode) cdstream writes on its
 * internal and output topics, and reads back in the stages after ingest.
 */
import { CdstreamError } from '../errors.js';
import { parseJson } from './json.js';
import { decodeStructuredEvent } from './structured-mode.js';
import type { CloudEventAttributes, ExtensionValue } from './types.js';

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

export interface CloudEventEnvelope {
  readonly attributes: CloudEventAttributes;
  readonly extensions: Readonly<Record<string, ExtensionValue>>;
  /** JSON data, a string (XML, text), bytes (written as data_base64), or undefined */
  readonly data: unknown;
}

export function encodeStructured(event: CloudEventEnvelope): Buffer {
  const json: Record<string, unknown> = { ...event.attributes, ...event.extensions };
  if (Buffer.isBuffer(event.data)) json.data_base64 = event.data.toString('base64');
  else if (event.data !== undefined) json.data = event.data;
  return Buffer.from(JSON.stringify(json));
}

/** Reads what encodeStructured wrote; a record that is not a CloudEvent throws a CdstreamError. */
export function decodeStructured(value: Buffer | null): CloudEventEnvelope {
  if (value === null) throw new CdstreamError('EMPTY_VALUE', 'the record has no value');
  const decoded = decodeStructuredEvent(parseJson(value.toString('utf8')), 'structured', 'json');
  return { attributes: decoded.attributes, extensions: decoded.extensions, data: decoded.data };
}

export function withExtensions(
  event: CloudEventEnvelope,
  extensions: Readonly<Record<string, ExtensionValue | undefined>>,
): CloudEventEnvelope {
  const merged: Record<string, ExtensionValue> = { ...event.extensions };
  for (const [name, value] of Object.entries(extensions)) {
    if (value !== undefined) merged[name] = value;
  }
  return { ...event, extensions: merged };
}
