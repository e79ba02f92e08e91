import type { CdstreamError } from '../errors.js';

/** Where the dead-lettered record was read. */
export interface SourcePosition {
  topic: string;
  partition: number;
  /** kafkajs hands offsets over as strings; they exceed 2^53 in long-lived topics */
  offset: string;
}

/** The headers DESIGN.md §3 adds to a dead-letter record (the caller keeps key, value and original headers). */
export interface DeadLetterHeaders {
  'cdstream-error-code': string;
  'cdstream-error': string;
  'cdstream-error-path'?: string;
  'cdstream-source-topic': string;
  'cdstream-source-partition': string;
  'cdstream-source-offset': string;
  'cdstream-failed-at': string;
}

/** Header values must fit a header: a message is cut, never the record refused. */
const MAX_MESSAGE_LENGTH = 1024;

export function deadLetterHeaders(
  error: CdstreamError,
  source: SourcePosition,
  failedAt: Date,
): DeadLetterHeaders {
  const message =
    error.message.length > MAX_MESSAGE_LENGTH
      ? `${error.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`
      : error.message;
  return {
    'cdstream-error-code': error.code,
    'cdstream-error': message,
    ...(error.path === undefined ? {} : { 'cdstream-error-path': error.path }),
    'cdstream-source-topic': source.topic,
    'cdstream-source-partition': String(source.partition),
    'cdstream-source-offset': source.offset,
    'cdstream-failed-at': failedAt.toISOString(),
  };
}
