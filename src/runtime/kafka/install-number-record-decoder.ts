/**
 * kafkajs' record decoder (record batch v2, "Record v0") with offsets and
 * timestamps computed as numbers.
 *
 * For every record it reads, kafkajs builds its offset and timestamp with
 * 64-bit `Long` arithmetic: the zigzag varlong of the timestamp delta alone
 * makes a few `Long`s per byte, and `fromValue(first).add(delta).toString()`
 * three more for each of the two. In the worker's allocation profile at
 * 100k events, this decoder was 8% of all bytes allocated. Offsets and
 * epoch-millisecond timestamps are far below 2^53, where numbers are exact:
 * this decoder gives the same strings with plain arithmetic, and hands a
 * record to kafkajs' own decoder whenever a value could be beyond that.
 *
 * Headers differ in one respect: kafkajs folds them with `obj[key] ===
 * undefined` on an object with a prototype, so a header named like an
 * Object method (`toString`) came out as `[Function, value]`; here only
 * headers the record really repeats become arrays.
 *
 * Installed, like the others, in Node's module cache before kafkajs loads.
 */
import { kafkajsModule, replaceKafkajsModule } from './kafkajs-module-cache.js';

const RECORD_DECODER = 'src/protocol/recordBatch/record/v0/decoder.js';
const LOG_APPEND_TIME = 1;

interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntString(): string | null;
}

interface BatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly magicByte?: number;
  readonly isControlBatch?: boolean;
  readonly timestampType?: number;
  readonly maxTimestamp?: string;
}

type Header = Buffer | null;
type RecordDecoder = (decoder: KafkajsDecoder, batchContext?: BatchContext) => unknown;

/** Marks the replacement so a test can tell it is the one kafkajs uses. */
export const NUMBER_RECORD_DECODER = Symbol.for('cdstream.numberRecordDecoder');

/** A zigzag varlong of at most 7 bytes (49 bits, exact as a number); undefined for a longer one. */
function readSmallVarLong(decoder: KafkajsDecoder): number | undefined {
  const { buffer } = decoder;
  let offset = decoder.offset;
  let value = 0;
  let scale = 1;
  for (let bytes = 0; bytes < 7; bytes++) {
    const byte = buffer[offset++];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) {
      decoder.offset = offset;
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
  }
  return undefined;
}

function readHeaders(decoder: KafkajsDecoder): Record<string, Header | Header[]> {
  const headers: Record<string, Header | Header[]> = {};
  const count = decoder.readVarInt();
  for (let index = 0; index < count; index++) {
    const key = decoder.readVarIntString() as string;
    const value = decoder.readVarIntBytes();
    if (!Object.hasOwn(headers, key)) {
      // defineProperty: a header may be called __proto__
      Object.defineProperty(headers, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    const earlier = headers[key] as Header | Header[];
    headers[key] = Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return headers;
}

export function numberRecordDecoder(original: RecordDecoder): RecordDecoder {
  const decode: RecordDecoder = (decoder, batchContext) => {
    if (!batchContext) return original(decoder, batchContext);
    const firstOffset = Number(batchContext.firstOffset);
    const firstTimestamp = Number(batchContext.firstTimestamp);
    if (!Number.isSafeInteger(firstOffset) || !Number.isSafeInteger(firstTimestamp)) {
      return original(decoder, batchContext);
    }
    const start = decoder.offset;
    const attributes = decoder.readInt8();
    const timestampDelta = readSmallVarLong(decoder);
    const created = firstTimestamp + (timestampDelta ?? 0);
    if (timestampDelta === undefined || !Number.isSafeInteger(created)) {
      decoder.offset = start;
      return original(decoder, batchContext);
    }
    const offset = firstOffset + decoder.readVarInt();
    if (!Number.isSafeInteger(offset)) {
      decoder.offset = start;
      return original(decoder, batchContext);
    }
    const timestamp =
      batchContext.timestampType === LOG_APPEND_TIME && batchContext.maxTimestamp
        ? batchContext.maxTimestamp
        : String(created);
    const key = decoder.readVarIntBytes();
    const value = decoder.readVarIntBytes();
    const headers = readHeaders(decoder);
    return {
      magicByte: batchContext.magicByte,
      attributes,
      timestamp,
      offset: String(offset),
      key,
      value,
      headers,
      isControlRecord: batchContext.isControlBatch ?? false,
      batchContext,
    };
  };
  return Object.assign(decode, { [NUMBER_RECORD_DECODER]: original });
}

// kafkajs' record decoder requires only its Long, header decoder and
// timestamp types: loading it to wrap it leaves the rest of kafkajs unloaded
replaceKafkajsModule(RECORD_DECODER, (original) =>
  numberRecordDecoder(original() as RecordDecoder),
);

/** kafkajs' own record decoder behind the installed one, or undefined when ours is not installed. */
export function originalRecordDecoder(): RecordDecoder | undefined {
  const installed = kafkajsModule(RECORD_DECODER) as Record<symbol, unknown>;
  return installed[NUMBER_RECORD_DECODER] as RecordDecoder | undefined;
}

/** True when kafkajs decodes records with the number-arithmetic decoder. */
export function numberRecordDecoderInstalled(): boolean {
  return originalRecordDecoder() !== undefined;
}
