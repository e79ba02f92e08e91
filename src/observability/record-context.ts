/**
 * The fields that locate a record in a log line, for pino child loggers:
 * `logger.child(recordContext(record))`. The CloudEvents id and type come
 * from binary-mode headers, or from the decoded event when the caller has it.
 */
import type { RecordHeaders } from '../runtime/record.js';

export interface RecordLocation {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly headers?: RecordHeaders;
}

export interface RecordContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly eventId?: string;
  readonly eventType?: string;
}

/** Ids and types are producer data: a hostile one must not bloat every log line. */
const MAX_FIELD_LENGTH = 200;

function bounded(value: { toString(): string } | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.toString();
  return text.length > MAX_FIELD_LENGTH ? `${text.slice(0, MAX_FIELD_LENGTH)}…` : text;
}

export function recordContext(
  record: RecordLocation,
  event?: { readonly id?: string; readonly type?: string },
): RecordContext {
  const eventId = bounded(event?.id ?? record.headers?.ce_id);
  const eventType = bounded(event?.type ?? record.headers?.ce_type);
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventType === undefined ? {} : { eventType }),
  };
}
