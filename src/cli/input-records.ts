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
  /** position of the event in its file: 0-based among the events, and 1-based line of NDJSON */
  readonly index: number;
  readonly line?: number;
  /** the event's id (CDEvent context.id, else CloudEvents id), to name it in messages */
  readonly id?: string;
}

export function recordsOfFile(text: string): InputRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const document: unknown = JSON.parse(trimmed);
    if (Array.isArray(document)) {
      return document.map((event, index) => recordOf(JSON.stringify(event), event, { index }));
    }
    const line = text.slice(0, text.indexOf(trimmed)).split('\n').length;
    return [recordOf(JSON.stringify(document), document, { index: 0, line })];
  } catch {
    const records: InputRecord[] = [];
    for (const [lineIndex, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      const position = { index: records.length, line: lineIndex + 1 };
      try {
        records.push(recordOf(line, JSON.parse(line), position));
      } catch {
        records.push({
          key: null,
          value: line,
          timestamp: undefined,
          structured: false,
          ...position,
        });
      }
    }
    return records;
  }
}

/**
 * Where an event is, for a message a person acts on: `file:line` for NDJSON
 * or a lone event, `file[index]` in a JSON array (as `cdstream validate`),
 * and the event's source and id when it has them.
 */
export function describeRecord(file: string, record: InputRecord): string {
  const where = record.line === undefined ? `${file}[${record.index}]` : `${file}:${record.line}`;
  const names = [record.key, record.id].filter((part) => part !== null && part !== undefined);
  return names.length > 0 ? `${where} (event ${names.join(' ')})` : where;
}

/**
 * The records of a stream replayed or simulated in time order: a record whose
 * event names no time is given the time of the record before it (the time
 * the stream had reached), or `start` for the first. So a bad record never
 * moves event time, and nothing is dated after the stream's own latest time.
 */
export function inStreamTime(records: readonly InputRecord[], start: number): InputRecord[] {
  let time = start;
  return records.map((record) => {
    if (record.timestamp === undefined) return { ...record, timestamp: time };
    time = record.timestamp;
    return record;
  });
}

function recordOf(
  value: string,
  event: unknown,
  position: { index: number; line?: number },
): InputRecord {
  if (!isPlainObject(event)) {
    return { key: null, value, timestamp: undefined, structured: false, ...position };
  }
  const structured = 'specversion' in event;
  const context = isPlainObject(event.context) ? event.context : undefined;
  const data = isPlainObject(event.data) ? event.data : undefined;
  const dataContext = data && isPlainObject(data.context) ? data.context : undefined;
  const source = text(context?.source) ?? text(dataContext?.source) ?? text(event.source);
  const time = text(context?.timestamp) ?? text(dataContext?.timestamp) ?? text(event.time);
  const parsed = time === undefined ? Number.NaN : Date.parse(time);
  const id = text(context?.id) ?? text(dataContext?.id) ?? text(event.id);
  return {
    key: source ?? null,
    value,
    timestamp: Number.isNaN(parsed) ? undefined : parsed,
    structured,
    ...position,
    ...(id === undefined ? {} : { id }),
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
