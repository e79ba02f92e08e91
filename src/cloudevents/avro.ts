import { CdstreamError } from '../errors.js';
import type { AvroDecoder } from './types.js';

/** Confluent wire format: magic byte 0, a 4-byte schema id, then the Avro body. */
export function isRegistryFramed(value: Buffer): boolean {
  return value.length >= 5 && value[0] === 0;
}

/** Adapts @kafkajs/confluent-schema-registry's SchemaRegistry (or anything with its decode). */
export function registryAvroDecoder(registry: {
  decode(buffer: Buffer): Promise<unknown>;
}): AvroDecoder {
  return { decode: (buffer) => registry.decode(buffer) };
}

export async function decodeAvro(
  decoder: AvroDecoder | undefined,
  value: Buffer,
): Promise<unknown> {
  if (decoder === undefined) {
    throw new CdstreamError(
      'DECODE_AVRO',
      'the value is framed for a schema registry but no registry is configured',
    );
  }
  let decoded: unknown;
  try {
    decoded = await decoder.decode(value);
  } catch (cause) {
    throw registryError(cause);
  }
  return plainJson(decoded);
}

/**
 * avsc returns instances of generated record classes whose methods (clone,
 * toBuffer, …) are enumerable on the prototype: schema validation would see
 * them as properties. Keep own data only, as JSON would carry it; bytes
 * become base64 text.
 */
export function plainJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(plainJson);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value).map((key) => [key, plainJson((value as Record<string, unknown>)[key])]),
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const NETWORK_MESSAGE = new RegExp(
  `${[...NETWORK_CODES].join('|')}|socket hang up|timeout|fetch failed`,
  'i',
);

/**
 * Retriable when the registry could not answer (network, timeout, 5xx, 429,
 * and 401/403: a credentials problem is the service's, not the record's, and
 * dead-lettering every record until it is fixed would lose the stream).
 * Final (DECODE_AVRO) when it answered that the bytes are not decodable:
 * unknown schema id (404) or malformed Avro.
 */
export function registryError(cause: unknown): CdstreamError {
  const status = numberField(cause, 'status') ?? numberField(cause, 'statusCode');
  const code = stringField(cause, 'code') ?? stringField(fieldOf(cause, 'cause'), 'code');
  const message = cause instanceof Error ? cause.message : String(cause);
  // mappersmith reports network failures as a status 400 response carrying the socket error
  const unavailable =
    (status !== undefined && (status >= 500 || [401, 403, 408, 429].includes(status))) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    (status !== 404 && NETWORK_MESSAGE.test(message));
  return unavailable
    ? new CdstreamError(
        'REGISTRY_UNAVAILABLE',
        `the schema registry cannot be reached: ${message}`,
        { cause },
      )
    : new CdstreamError('DECODE_AVRO', `the schema registry cannot decode the value: ${message}`, {
        cause,
      });
}

function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function numberField(value: unknown, name: string): number | undefined {
  const field = fieldOf(value, name);
  return typeof field === 'number' ? field : undefined;
}

function stringField(value: unknown, name: string): string | undefined {
  const field = fieldOf(value, name);
  return typeof field === 'string' ? field : undefined;
}
