/**
 * The report's Kafka side: the metrics and incidents topics of a topology,
 * read (read_committed) and decoded into the events the report model takes.
 */
import { registryAvroDecoder } from '../cloudevents/avro.js';
import { decodeRecord } from '../cloudevents/decode.js';
import type { AvroDecoder } from '../cloudevents/types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import type { ReportEvent } from '../report/report-model.js';
import type { Kafka, KafkaMessage } from '../runtime/kafka/kafkajs.js';
import type { Connections } from './connections.js';
import { readToEnd } from './kafka-topics.js';

export function reportTopics(config: TopologyConfig): readonly string[] {
  return [config.outputs.metrics, config.outputs.incidents];
}

/** The Avro decoder when a registry is configured (metrics may be written as Avro). */
export function avroDecoderOf(connections: Connections): AvroDecoder | undefined {
  return connections.registryUrl ? registryAvroDecoder(connections.registry()) : undefined;
}

/** The CloudEvents of one record, flattened as `cdstream tail` prints them; records that are not CloudEvents give none. */
export async function reportEventsOf(
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>,
  avro: AvroDecoder | undefined,
): Promise<ReportEvent[]> {
  const results = await decodeRecord(
    { key: message.key, value: message.value, headers: message.headers ?? {} },
    avro ? { avro } : {},
  );
  return results.flatMap((result) =>
    result.ok
      ? [
          {
            ...result.event.attributes,
            ...result.event.extensions,
            type: result.event.attributes.type,
            data: result.event.data,
          },
        ]
      : [],
  );
}

/** Refuses, in one line, topics the broker does not have. */
export async function requireTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      throw new Error(
        `${missing.length === 1 ? 'topic' : 'topics'} ${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not exist on the brokers (wrong --topology, or nothing has run yet)`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}

/** Every committed event of the topics, from their start to their end when called. */
export async function readReportEvents(
  connections: Connections,
  topics: readonly string[],
): Promise<ReportEvent[]> {
  const kafka = connections.kafka('cdstream-report');
  await requireTopics(kafka, topics);
  const avro = avroDecoderOf(connections);
  const events: ReportEvent[] = [];
  for (const record of await readToEnd(kafka, topics)) {
    events.push(...(await reportEventsOf(record.message, avro)));
  }
  return events;
}
