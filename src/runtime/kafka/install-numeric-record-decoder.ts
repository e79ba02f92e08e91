/**
 * kafkajs' decoding of a fetched record, with numbers where it used Longs.
 *
 * For every record kafkajs reads the timestamp delta as a Long (three Longs
 * per varint byte), parses the batch's base timestamp and base offset from
 * their decimal strings into Longs, adds, and prints both back to decimal;
 * and it builds the headers object anew for every header. Each event is
 * read about six times on its way through the pipeline (input, by-artifact,
 * by-service records). Here the sums are plain numbers while they are exact
 * (below 2^53, i.e. every real timestamp and offset; BigInt above), and the
 * headers object is built once. Same record object, same fields, same
 * strings; a header named like an Object.prototype member ("constructor")
 * is read as sent, where kafkajs pairs it with the prototype's function.
 * Installed in Node's module cache before kafkajs loads.
 */
import { kafkajsModule, replaceKafkajsModule } from './kafkajs-module-cache.js';

const RECORD_DECODER = 'src/protocol/recordBatch/record/v0/decoder.js';
const LOG_APPEND_TIME = 1;
/** a varint of this many bytes or fewer holds less than 2^49: exact as a number */
const EXACT_VARLONG_BYTES = 7;

interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): { toString(): string };
  readVarIntString(): string | null;
  readVarIntBytes(): Buffer | null;
}

export interface RecordBatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly maxTimestamp: string;
  readonly magicByte: number;
  readonly isControlBatch?: boolean;
  readonly timestampType: number;
}

type HeaderValue = Buffer | null;

/** A zig-zag varlong: a number when exact, else kafkajs' own reading as a bigint. */
function readVarLong(decoder: KafkajsDecoder): number | bigint {
  const start = decoder.offset;
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = decoder.buffer[decoder.offset++] ?? 0;
    value += (byte & 0x7f) * scale;
    scale *= 0x80;
  } while (byte >= 0x80 && decoder.offset - start < EXACT_VARLONG_BYTES);
  if (byte < 0x80) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  decoder.offset = start;
  return BigInt(decoder.readVarLong().toString());
}

/** `base` (a decimal int64) plus `delta`, in decimal, as kafkajs' Long arithmetic prints it. */
export function addToDecimal(base: string, delta: number | bigint): string {
  if (typeof delta === 'number') {
    const start = Number(base);
    const sum = start + delta;
    if (Number.isSafeInteger(start) && Number.isSafeInteger(sum)) return String(sum);
  }
  return BigInt.asIntN(64, BigInt(base) + BigInt(delta)).toString();
}

function readHeaders(decoder: KafkajsDecoder): Record<string, HeaderValue | HeaderValue[]> {
  const headers: Record<string, HeaderValue | HeaderValue[]> = {};
  const count = decoder.readVarInt();
  for (let i = 0; i < count; i++) {
    const key = String(decoder.readVarIntString());
    const value = decoder.readVarIntBytes();
    if (!Object.hasOwn(headers, key)) {
      Object.defineProperty(headers, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      continue;
    }
    const held = headers[key];
    if (Array.isArray(held)) held.push(value);
    else headers[key] = [held ?? null, value];
  }
  return headers;
}

export function decodeRecord(decoder: KafkajsDecoder, batchContext: RecordBatchContext) {
  const { firstOffset, firstTimestamp, magicByte, timestampType, maxTimestamp } = batchContext;
  const attributes = decoder.readInt8();
  const timestampDelta = readVarLong(decoder);
  const timestamp =
    timestampType === LOG_APPEND_TIME && maxTimestamp
      ? maxTimestamp
      : addToDecimal(firstTimestamp, timestampDelta);
  const offset = addToDecimal(firstOffset, decoder.readVarInt());
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const headers = readHeaders(decoder);
  return {
    magicByte,
    attributes,
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: batchContext.isControlBatch ?? false,
    batchContext,
  };
}

/** Marks the replacement so a test can tell it is the one kafkajs uses. */
export const NUMERIC_RECORD_DECODER = Symbol.for('cdstream.numericRecordDecoder');

replaceKafkajsModule(RECORD_DECODER, () =>
  Object.assign(
    (decoder: KafkajsDecoder, batchContext: RecordBatchContext) =>
      decodeRecord(decoder, batchContext),
    { [NUMERIC_RECORD_DECODER]: true },
  ),
);

/** True when kafkajs decodes fetched records here. */
export function numericRecordDecoderInstalled(): boolean {
  return (
    (kafkajsModule(RECORD_DECODER) as Record<symbol, unknown>)[NUMERIC_RECORD_DECODER] === true
  );
}
