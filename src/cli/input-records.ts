/**
 * Files of events (one JSON event, a JSON array, or NDJSON) turned into the
 * Kafka records a producer would send: used by `cdstream produce` and
 * `cdstream replay`, so both feed the pipeline the same records.
 */
import { STRUCTURED_CONTENT_TYPE } from '../cloudevents/envelope.js';
import { isPlainObject } from '../cloudevents/structured-mode.js';

export interface InputRecord {
  readonly key: string | null;
  /** the event as JSON text; a line that is not JSON stays as it was, for ingest to dead-letter */
  readonly value: string;
  /** the event time, ms; undefined when the event names none */
  readonly timestamp: number | undefined;
  /** structured CloudEvent (has specversion) or bare CDEvent */
  readonly structured: boolean;
}

export function recordsOfFile(text: string): InputRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const document: unknown = JSON.parse(trimmed);
    const events: unknown[] = Array.isArray(document) ? document : [document];
    return events.map((event) => recordOf(JSON.stringify(event), event));
  } catch {
    return trimmed
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return recordOf(line, JSON.parse(line));
        } catch {
          return { key: null, value: line, timestamp: undefined, structured: false };
        }
      });
  }
}

function recordOf(value: string, event: unknown): InputRecord {
  if (!isPlainObject(event)) return { key: null, value, timestamp: undefined, structured: false };
  const structured = 'specversion' in event;
  const context = isPlainObject(event.context) ? event.context : undefined;
  const data = isPlainObject(event.data) ? event.data : undefined;
  const dataContext = data && isPlainObject(data.context) ? data.context : undefined;
  const source = text(context?.source) ?? text(dataContext?.source) ?? text(event.source);
  const time = text(context?.timestamp) ?? text(dataContext?.timestamp) ?? text(event.time);
  const parsed = time === undefined ? Number.NaN : Date.parse(time);
  return {
    key: source ?? null,
    value,
    timestamp: Number.isNaN(parsed) ? undefined : parsed,
    structured,
  };
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** The Kafka message a producer sends for an input record: keyed by source, event time as timestamp. */
export function toKafkaMessage(record: InputRecord): {
  key: string | null;
  value: string;
  timestamp?: string;
  headers: Record<string, string>;
} {
  return {
    key: record.key,
    value: record.value,
    ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
    headers: record.structured ? { 'content-type': STRUCTURED_CONTENT_TYPE } : {},
  };
}
