import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { decodeRecord } from '../../cloudevents/decode.js';
import { registryAvroDecoder } from '../../cloudevents/avro.js';
import { connectionsFromEnvironment } from '../connections.js';
import { requireTopic } from './produce.js';

interface TailOptions {
  fromBeginning?: boolean;
  max?: string;
  idleMs?: string;
}

/** `cdstream tail TOPIC`: decode and print a topic's events, Avro included, as NDJSON. */
export function tailCommand(): Command {
  return new Command('tail')
    .description(
      'Print the events of a topic as NDJSON, decoded (CloudEvents JSON, binary mode, batches, Avro via the registry).',
    )
    .argument('<topic>', 'topic to read (read_committed)')
    .option('--from-beginning', 'start at the oldest record instead of the newest')
    .option('--max <n>', 'stop after this many records')
    .option('--idle-ms <ms>', 'stop after this long without a record')
    .addHelpText(
      'after',
      '\nEach line: {"topic","partition","offset","key","event"} for CloudEvents, or {"topic","partition","offset","key","headers","value","error"} for records that are not (dead letters).' +
        '\nExit codes: 0 done (or stopped with Ctrl-C), 1 broker error, 2 usage error.',
    )
    .action(async (topic: string, options: TailOptions) => {
      const connections = connectionsFromEnvironment();
      const avro = connections.registryUrl
        ? registryAvroDecoder(connections.registry())
        : undefined;
      const kafka = connections.kafka('cdstream-tail');
      await requireTopic(kafka, topic);
      const consumer = kafka.consumer({
        groupId: `cdstream-tail-${randomUUID()}`,
        readUncommitted: false,
      });
      const max = options.max === undefined ? Number.POSITIVE_INFINITY : Number(options.max);
      const idleMs = options.idleMs === undefined ? undefined : Number(options.idleMs);
      let printed = 0;
      let idleTimer: NodeJS.Timeout | undefined;
      const stop = async () => {
        if (idleTimer) clearTimeout(idleTimer);
        await consumer.disconnect();
        process.exit(0);
      };
      const armIdle = () => {
        if (idleMs === undefined) return;
        if (idleTimer) clearTimeout(idleTimer);
        idleTimer = setTimeout(() => void stop(), idleMs);
      };
      process.on('SIGINT', () => void stop());
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: options.fromBeginning === true });
      armIdle();
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          armIdle();
          const base = {
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
          };
          const results = await decodeRecord(
            { key: message.key, value: message.value, headers: message.headers ?? {} },
            avro ? { avro } : {},
          );
          for (const result of results) {
            if (printed >= max) break;
            const line = result.ok
              ? {
                  ...base,
                  event: {
                    ...result.event.attributes,
                    ...result.event.extensions,
                    data: result.event.data,
                  },
                }
              : {
                  ...base,
                  headers: Object.fromEntries(
                    Object.entries(message.headers ?? {}).map(([name, value]) => [
                      name,
                      value?.toString(),
                    ]),
                  ),
                  value: message.value?.toString('utf8') ?? null,
                  error: `${result.error.code}: ${result.error.message}`,
                };
            process.stdout.write(`${JSON.stringify(line)}\n`);
            printed++;
          }
          if (printed >= max) await stop();
        },
      });
    });
}
