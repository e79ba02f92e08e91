/** Header values as the runtime hands them to stages: bytes, or text where the producer wrote text. */
export type HeaderValue = Buffer | string;
export type RecordHeaders = Record<string, HeaderValue | undefined>;

/** A record read from an input topic, as a stage receives it. */
export interface InputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
  /** the Kafka record timestamp, epoch ms */
  readonly recordTimestamp: number;
  /** event time, epoch ms: the stage's extractor, else the record timestamp */
  readonly timestamp: number;
  /** what the stage's `prepare` made of the record (then `value` may be null) */
  readonly prepared?: unknown;
}

/** What every read record has, whatever reads it. */
export type RawRecordLike = Pick<InputRecord, 'key' | 'value' | 'headers'>;

/** A record a stage forwards to one of its named outputs. */
export interface OutputRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: RecordHeaders;
  /** written as the Kafka record timestamp; defaults to the input's event time */
  readonly timestamp?: number;
  /** a fixed partition; by default the producer partitions by key */
  readonly partition?: number;
}

/** An output record bound to its topic, ready to be produced. */
export interface ProducedRecord extends OutputRecord {
  readonly topic: string;
}

export function headerText(headers: RecordHeaders, name: string): string | undefined {
  const value = headers[name];
  return value === undefined ? undefined : value.toString();
}

/**
 * The offset after `offset` (a decimal string, as Kafka clients give it),
 * with number arithmetic while that is exact: offsets are 64-bit, but this
 * runs for every record read, where a BigInt is a heap object.
 */
export function nextOffsetOf(offset: string): string {
  const value = Number(offset);
  return value < Number.MAX_SAFE_INTEGER ? String(value + 1) : (BigInt(offset) + 1n).toString();
}

type Bytes = Buffer | string | null | undefined;

/** Anything with a key, a value and headers: an output record, or a kafkajs message (a repeated header is an array). */
export interface SizedRecord {
  readonly key?: Bytes;
  readonly value?: Bytes;
  readonly headers?: Readonly<Record<string, Bytes | readonly (Buffer | string)[]>>;
}

/** Bytes of a record's key, value and headers (each value of a repeated header with its name). */
export function recordBytes(record: SizedRecord): number {
  return measure(record, 0);
}

/**
 * Bytes of a record batch holding just this record, as the broker holds it
 * against max.message.bytes: its key, value and headers, and at most about
 * 100 bytes of batch and record framing and 10 a header.
 */
export function recordBatchBytes(record: SizedRecord): number {
  return RECORD_BATCH_HEADER + recordInBatchBytes(record);
}

/**
 * Bytes one more record adds to a record batch, at most: with
 * `RECORD_BATCH_HEADER`, a batch of records measures no more than the sum.
 */
export function recordInBatchBytes(record: SizedRecord): number {
  return RECORD_FRAMING + measure(record, HEADER_FRAMING);
}

/** a record batch's own header (61 bytes in format v2), rounded up */
export const RECORD_BATCH_HEADER = 64;
/** a record's length, attributes, timestamp and offset deltas, key and value lengths, header count: varints */
const RECORD_FRAMING = 36;
/** a header's name and value lengths: varints */
const HEADER_FRAMING = 10;

const sizeOf = (value: Bytes): number => (value == null ? 0 : Buffer.byteLength(value));

function measure(record: SizedRecord, perHeader: number): number {
  let bytes = sizeOf(record.key) + sizeOf(record.value);
  const headers = record.headers ?? {};
  // for-in, no arrays: this runs for every record sent
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const value = headers[name];
    if (Array.isArray(value)) {
      for (const one of value as readonly (Buffer | string)[])
        bytes += Buffer.byteLength(name) + sizeOf(one) + perHeader;
    } else bytes += Buffer.byteLength(name) + sizeOf(value as Bytes) + perHeader;
  }
  return bytes;
}
