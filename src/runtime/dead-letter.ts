import {
  recordBatchBytes,
  type InputRecord,
  type OutputRecord,
  type RecordHeaders,
} from './record.js';

/** Header names of a dead-letter record (DESIGN.md §3); the contract downstream tools read. */
export const DEAD_LETTER_HEADERS = {
  code: 'cdstream-error-code',
  message: 'cdstream-error',
  path: 'cdstream-error-path',
  sourceTopic: 'cdstream-source-topic',
  sourcePartition: 'cdstream-source-partition',
  sourceOffset: 'cdstream-source-offset',
  failedAt: 'cdstream-failed-at',
  /** set when the value was cut to fit the broker: its size in bytes before */
  valueBytes: 'cdstream-value-bytes',
} as const;

/**
 * Dead letters must fit the broker's default record limit (1 MB): a larger
 * value (a TOO_LARGE input read from a topic that takes more) is kept up to
 * this many bytes, with its full size in a header and where to find the
 * whole record (source topic, partition, offset). Without the cut the
 * dead-letter transaction is refused on every retry and the partition stalls.
 */
export const MAX_DEAD_LETTER_VALUE_BYTES = 512 * 1024;

export interface DeadLetterReason {
  readonly code: string;
  readonly message: string;
  /** JSON pointer into the event, when the failure has a place */
  readonly path?: string | undefined;
}

/** Header values must stay small: a long message is cut, never the record refused. */
const MAX_MESSAGE_LENGTH = 1024;

/**
 * The dead-letter copy of a record: original key, value and headers, plus the
 * reason and where the record came from. A value over `maxValueBytes` is cut
 * to it (`MAX_DEAD_LETTER_VALUE_BYTES` by default; less for a dead-letter
 * topic whose max.message.bytes is smaller).
 */
export function deadLetterRecord(
  record: Omit<InputRecord, 'timestamp'>,
  reason: DeadLetterReason,
  failedAt: number,
  maxValueBytes = MAX_DEAD_LETTER_VALUE_BYTES,
): OutputRecord {
  const headers: RecordHeaders = {
    ...record.headers,
    [DEAD_LETTER_HEADERS.code]: reason.code,
    [DEAD_LETTER_HEADERS.message]:
      reason.message.length > MAX_MESSAGE_LENGTH
        ? `${reason.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`
        : reason.message,
    [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: record.offset,
    [DEAD_LETTER_HEADERS.failedAt]: new Date(failedAt).toISOString(),
  };
  if (reason.path !== undefined) headers[DEAD_LETTER_HEADERS.path] = reason.path;
  let value = record.value;
  if (value !== null && value.length > maxValueBytes) {
    headers[DEAD_LETTER_HEADERS.valueBytes] = String(value.length);
    value = value.subarray(0, Math.max(0, maxValueBytes));
  }
  return {
    key: record.key,
    value,
    headers,
    timestamp: record.recordTimestamp,
  };
}

/**
 * The dead-letter copy of a record as a topic that takes record batches of
 * at most `limit` bytes can hold it: the value is cut further when the
 * default cut does not fit (the headers and key are kept whole).
 */
export function deadLetterRecordWithin(
  record: Omit<InputRecord, 'timestamp'>,
  reason: DeadLetterReason,
  failedAt: number,
  limit: number | undefined,
): OutputRecord {
  const letter = deadLetterRecord(record, reason, failedAt);
  if (limit === undefined || letter.value === null) return letter;
  const over = recordBatchBytes(letter) - limit;
  if (over <= 0) return letter;
  const valueBytes = Buffer.byteLength(letter.value);
  // the cut adds its own header when the value was whole: its name, up to 16 digits, framing
  const sizeHeader = valueBytes === record.value?.length ? SIZE_HEADER_BYTES : 0;
  return deadLetterRecord(record, reason, failedAt, valueBytes - over - sizeHeader);
}

const SIZE_HEADER_BYTES = DEAD_LETTER_HEADERS.valueBytes.length + 16 + 10;
