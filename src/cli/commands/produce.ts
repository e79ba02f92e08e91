import { readFileSync } from 'node:fs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { Command, Option } from 'commander';
import type { Kafka, Message } from '../../runtime/kafka/kafkajs.js';
import { STRUCTURED_CONTENT_TYPE } from '../../cloudevents/envelope.js';
import { isPlainObject } from '../../cloudevents/structured-mode.js';
import { connectionsFromEnvironment } from '../connections.js';
import { recordsOfFile, type InputRecord } from '../input-records.js';

type Encoding = 'structured' | 'binary' | 'bare' | 'batch' | 'avro';

interface ProduceOptions {
  topic: string;
  encoding: Encoding;
}

/** `cdstream produce --topic T FILE...`: publish the events of files in a chosen encoding. */
export function produceCommand(): Command {
  return new Command('produce')
    .description(
      'Publish the events of files (a JSON event, a JSON array, or NDJSON) to a topic in a chosen encoding.',
    )
    .requiredOption('--topic <topic>', 'topic to write to')
    .addOption(
      new Option(
        '--encoding <encoding>',
        'structured (application/cloudevents+json), binary (ce_* headers), bare (the CDEvent alone), batch (one application/cloudevents-batch+json record), avro (the CDEvent as Avro via the registry)',
      )
        .choices(['structured', 'binary', 'bare', 'batch', 'avro'])
        .default('structured'),
    )
    .argument('<file...>', 'files of events')
    .addHelpText(
      'after',
      '\nKeys are the event source; record timestamps the event time. A line that is not JSON is sent as it is.' +
        '\nExit codes: 0 sent, 1 broker or registry error, 2 usage error or unreadable file.',
    )
    .action(async (files: string[], options: ProduceOptions) => {
      const records: InputRecord[] = [];
      for (const file of files) {
        try {
          records.push(...recordsOfFile(readFileSync(file, 'utf8')));
        } catch (error) {
          process.stderr.write(
            `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exit(2);
        }
      }
      const connections = connectionsFromEnvironment();
      const kafka = connections.kafka('cdstream-produce');
      await requireTopic(kafka, options.topic);
      const messages = await encode(records, options, connections);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: options.topic, messages });
      await producer.disconnect();
      process.stdout.write(
        `sent ${records.length} events as ${messages.length} ${options.encoding} records to ${options.topic}\n`,
      );
    });
}

async function encode(
  records: readonly InputRecord[],
  options: ProduceOptions,
  connections: ReturnType<typeof connectionsFromEnvironment>,
): Promise<Message[]> {
  const base = (record: InputRecord) => ({
    key: record.key,
    ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
  });
  const structuredOf = (record: InputRecord): Record<string, unknown> | undefined => {
    const parsed = tryParse(record.value);
    if (!parsed) return undefined;
    if (record.structured) return parsed;
    const context = parsed.context as Record<string, unknown> | undefined;
    return context
      ? {
          specversion: '1.0',
          id: context.id,
          source: context.source,
          type: context.type,
          time: context.timestamp,
          datacontenttype: 'application/json',
          data: parsed,
        }
      : undefined;
  };
  switch (options.encoding) {
    case 'structured':
      return records.map((r) => {
        const event = structuredOf(r);
        return {
          ...base(r),
          value: event ? JSON.stringify(event) : r.value,
          headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
        };
      });
    case 'bare':
      // a structured event is sent as its data (the CDEvent); a bare one as it is
      return records.map((r) => ({
        ...base(r),
        value: r.structured ? JSON.stringify(tryParse(r.value)?.data ?? null) : r.value,
      }));
    case 'binary':
      return records.map((r) => {
        const event = structuredOf(r);
        if (!event) return { ...base(r), value: r.value };
        const { data, datacontenttype, ...attributes } = event;
        const headers: Record<string, string> = {
          'content-type':
            typeof datacontenttype === 'string' ? datacontenttype : 'application/json',
        };
        for (const [name, value] of Object.entries(attributes))
          headers[`ce_${name}`] = String(value);
        return {
          ...base(r),
          value: typeof data === 'string' ? data : JSON.stringify(data ?? null),
          headers,
        };
      });
    case 'batch': {
      const events = records.map((r) => structuredOf(r) ?? tryParse(r.value) ?? r.value);
      return [
        {
          value: JSON.stringify(events),
          headers: { 'content-type': 'application/cloudevents-batch+json' },
        },
      ];
    }
    case 'avro': {
      const registry = connections.registry();
      const ids = new Map<string, number>();
      const messages: Message[] = [];
      for (const r of records) {
        const event = structuredOf(r);
        const cdevent = r.structured ? event?.data : tryParse(r.value);
        if (!isPlainObject(cdevent) || !('context' in cdevent)) {
          // Avro carries CDEvents; other events (AMR, Knative) go as structured JSON
          messages.push({
            ...base(r),
            value: event ? JSON.stringify(event) : r.value,
            headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
          });
          continue;
        }
        // one schema per event shape, inferred from the event, under its own subject
        const text = JSON.stringify({
          ...(avroSchemaOf(cdevent, 'CDEvent') as object),
          namespace: 'dev.cdstream.produce',
        });
        let id = ids.get(text);
        if (id === undefined) {
          const subject = `${options.topic}-cdevent-${String(Math.abs(hash(text)))}`;
          id = (await registry.register({ type: SchemaType.AVRO, schema: text }, { subject })).id;
          ids.set(text, id);
        }
        messages.push({ ...base(r), value: await registry.encode(id, cdevent) });
      }
      return messages;
    }
  }
}

/** A clear one-line error instead of kafkajs' retries on a topic that does not exist. */
export async function requireTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      process.stderr.write(
        `topic ${topic} does not exist; create it first (cdstream topics create --topology FILE)\n`,
      );
      process.exit(1);
    }
  } finally {
    await admin.disconnect();
  }
}

type AvroSchema = string | { type: string; [key: string]: unknown } | AvroSchema[];

/** An Avro schema that holds exactly this JSON value: records named by their path, numbers as doubles. */
function avroSchemaOf(value: unknown, name: string): AvroSchema {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'double';
  if (Array.isArray(value)) {
    return {
      type: 'array',
      items: value.length > 0 ? avroSchemaOf(value[0], `${name}_item`) : 'string',
    };
  }
  const fields = Object.entries(value as Record<string, unknown>).map(([field, fieldValue]) => ({
    name: field.replace(/[^A-Za-z0-9_]/g, '_'),
    type: avroSchemaOf(fieldValue, `${name}_${field.replace(/[^A-Za-z0-9_]/g, '_')}`),
  }));
  return { type: 'record', name, fields };
}

function tryParse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}
