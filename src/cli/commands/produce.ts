import { readFileSync } from 'node:fs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { Command, Option } from 'commander';
import type { Kafka, Message } from '../../runtime/kafka/kafkajs.js';
import { STRUCTURED_CONTENT_TYPE } from '../../cloudevents/envelope.js';
import { isPlainObject } from '../../cloudevents/structured-mode.js';
import { connectionsFromEnvironment } from '../connections.js';
import { describeRecord, recordsOfFile, type InputRecord } from '../input-records.js';
import { messageBytes, predictRefusal, refusalOf, topicLimits, type Refusal } from '../refusals.js';

type Encoding = 'structured' | 'binary' | 'bare' | 'batch' | 'avro';

interface ProduceOptions {
  topic: string;
  encoding: Encoding;
  skipRefused?: boolean;
}

/** An event of a file and where it is. */
interface FileRecord {
  readonly file: string;
  readonly record: InputRecord;
}

/** Consecutive messages of one key go to one partition in one record batch, which the broker takes or refuses whole. */
const CHUNK_MESSAGES = 500;
const CHUNK_BYTES = 256 * 1024;

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
    .option(
      '--skip-refused',
      'send the events the broker accepts, report each refused one, and exit 0 with the count refused',
    )
    .argument('<file...>', 'files of events')
    .addHelpText(
      'after',
      '\nKeys are the event source; record timestamps the event time. A line that is not JSON is sent as it is.' +
        '\nEvents go in file order. A record the topic refuses (dated more than message.timestamp.after.max.ms' +
        '\nahead of the clock, 1 h by default; larger than max.message.bytes; ...) is named in one line, file:line' +
        "\nor file[index] and the event source and id, with the reason. Records the topic's limits refuse are found" +
        '\nbefore anything is sent; without --skip-refused nothing is then sent, and after a refusal by the broker' +
        '\nitself nothing after the refused record is sent.' +
        '\nExit codes: 0 sent (with --skip-refused: the others sent, refused ones counted), 1 a record refused or a' +
        '\nbroker or registry error, 2 usage error or unreadable file.',
    )
    .action(async (files: string[], options: ProduceOptions) => {
      const inputs: FileRecord[] = [];
      for (const file of files) {
        try {
          inputs.push(
            ...recordsOfFile(readFileSync(file, 'utf8')).map((record) => ({ file, record })),
          );
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
      const records = inputs.map((input) => input.record);
      const messages = await encode(records, options, connections);
      // a message per event, except the batch encoding's one record of all events
      const whereOf = (index: number): string =>
        options.encoding === 'batch'
          ? `the batch record of ${records.length} events (${files.join(', ')})`
          : describeRecord(inputs[index]?.file ?? '', records[index] as InputRecord);

      const limits = await topicLimits(kafka, options.topic);
      const skip = options.skipRefused === true;
      const refused = new Set<number>();
      const report = (index: number, refusal: Refusal, byBroker: boolean, sent: number) => {
        const why = `${byBroker ? 'refused by the broker' : 'refused'}: ${refusal.reason} (${refusal.code})`;
        if (skip && refusal.recordOnly) {
          process.stderr.write(`${whereOf(index)}: ${why}; not sent\n`);
          refused.add(index);
          return;
        }
        const others = messages.length - 1 - refused.size;
        const what =
          sent === 0
            ? 'nothing was sent'
            : `the ${sent} record(s) before it were sent, nothing after it`;
        const hint = refusal.recordOnly && others > 0 ? '; --skip-refused sends the others' : '';
        process.stderr.write(`${whereOf(index)}: ${why}; ${what}${hint}\n`);
        process.exit(1);
      };

      // what the topic's limits refuse, before anything is sent
      if (limits) {
        const now = Date.now();
        for (const [index, message] of messages.entries()) {
          const refusal = predictRefusal(message, limits, now);
          if (refusal) report(index, refusal, false, 0);
        }
      }

      const producer = kafka.producer();
      await producer.connect();
      let sent = 0;
      const send = async (batch: readonly { index: number; message: Message }[]) => {
        await producer.send({ topic: options.topic, messages: batch.map((m) => m.message) });
        sent += batch.length;
      };
      const refusalIn = (error: unknown, index: number) => {
        const refusal = refusalOf(error, messages[index], options.topic, limits, Date.now());
        if (refusal === undefined) throw error;
        return refusal;
      };
      try {
        for (const chunk of chunksOf(messages, refused)) {
          try {
            await send(chunk);
          } catch (error) {
            const refusal = refusalIn(error, chunk[0]?.index ?? 0);
            if (chunk.length === 1 || !refusal.recordOnly) {
              report(chunk[0]?.index ?? 0, refusal, true, sent);
              continue;
            }
            // the chunk was refused whole: one at a time, to name the record
            for (const single of chunk) {
              try {
                await send([single]);
              } catch (singleError) {
                report(single.index, refusalIn(singleError, single.index), true, sent);
              }
            }
          }
        }
      } finally {
        await producer.disconnect();
      }
      process.stdout.write(
        `sent ${options.encoding === 'batch' ? (sent > 0 ? records.length : 0) : sent} events as ${sent} ${options.encoding} records to ${options.topic}` +
          (refused.size > 0 ? `; ${refused.size} refused (listed above), not sent` : '') +
          '\n',
      );
    });
}

/**
 * Messages in file order, in chunks the broker takes or refuses whole: runs
 * of one key (one partition, one record batch) of bounded size; a message
 * without a key (kafkajs spreads those over partitions) alone.
 */
function chunksOf(
  messages: readonly Message[],
  skipped: ReadonlySet<number>,
): { index: number; message: Message }[][] {
  const chunks: { index: number; message: Message }[][] = [];
  let current: { index: number; message: Message }[] = [];
  let bytes = 0;
  for (const [index, message] of messages.entries()) {
    if (skipped.has(index)) continue;
    const size = messageBytes(message);
    const last = current[0]?.message;
    const joins =
      last !== undefined &&
      message.key !== null &&
      message.key !== undefined &&
      String(last.key) === String(message.key) &&
      current.length < CHUNK_MESSAGES &&
      bytes + size <= CHUNK_BYTES;
    if (!joins && current.length > 0) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ index, message });
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
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
