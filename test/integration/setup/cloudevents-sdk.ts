/**
 * The official CloudEvents SDK (the `cloudevents` package) as an independent
 * check of what cdstream writes: a Kafka record is decoded by the SDK's own
 * Kafka protocol binding (`Kafka.toEvent`: binary, structured or batch mode,
 * told apart by its headers as the binding specifies) and every event in it
 * must pass the SDK's validation of CloudEvents 1.0 (`validate()`: required
 * attributes, their formats) and its strict construction (extension names of
 * lower-case letters and digits, values of the CloudEvents type system).
 * None of cdstream's own decoding is used.
 *
 * One workaround: the SDK 10.0.0 binding's structured-mode parser converts
 * `time` with `new Date(time).toISOString()`, which throws "Invalid time
 * value" when the event has no `time`, an OPTIONAL attribute of CloudEvents
 * 1.0. Such a record (the SDK still has to recognise it as a structured
 * CloudEvent, `Kafka.isEvent`) is built as that parser builds it, without the
 * conversion, and validated the same way.
 */
import { CloudEvent, Kafka } from 'cloudevents';
import type { IHeaders } from '../../../src/runtime/kafka/kafkajs.js';

export interface KafkaRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
}

/** Kafka header values as the SDK's binding reads them: strings. */
function headersOf(record: KafkaRecord): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return headers;
}

/**
 * The CloudEvents of a record, decoded and validated by the SDK; throws the
 * SDK's error, with the record's first bytes, when it is not a valid
 * CloudEvent.
 */
export function cloudEventsOf(record: KafkaRecord): CloudEvent<unknown>[] {
  const headers = headersOf(record);
  const value = record.value?.toString('utf8');
  const key = record.key?.toString('utf8') ?? '';
  const message = { key, value, headers, body: value };
  try {
    const decoded = withoutTime(message) ?? Kafka.toEvent<unknown>(message);
    const events = (Array.isArray(decoded) ? decoded : [decoded]).map(
      (event) => new CloudEvent(event, false),
    );
    for (const event of events) {
      // validate() returns false, without throwing, for a specversion other than 1.0
      if (!event.validate()) throw new Error(`specversion ${event.specversion} is not 1.0`);
      event.cloneWith({}, true); // strict: extension names and values
    }
    return events;
  } catch (error) {
    const detail =
      error instanceof Error
        ? `${error.message}${'errors' in error ? ` ${JSON.stringify(error.errors)}` : ''}`
        : String(error);
    throw new Error(
      `not a valid CloudEvent per the SDK: ${detail}; headers ${JSON.stringify(headers)}, value ${value?.slice(0, 300) ?? 'null'}`,
      { cause: error },
    );
  }
}

/** A structured-mode CloudEvent without `time`, decoded as the SDK's parser would (see above). */
function withoutTime(message: {
  key: string;
  value: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}): CloudEvent<unknown> | undefined {
  const contentType = message.headers['content-type'] ?? '';
  if (!Kafka.isEvent(message) || !contentType.startsWith('application/cloudevents+json')) {
    return undefined;
  }
  const event = JSON.parse(message.value ?? '') as Record<string, unknown>;
  if ('time' in event) return undefined;
  return new CloudEvent({ ...event, partitionkey: message.key }, false);
}
