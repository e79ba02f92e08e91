import { randomUUID } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { pageAssets } from '../../report/page-assets.js';
import { reportHtml } from '../../report/report-html.js';
import { ReportStore } from '../../report/report-model.js';
import { connectionsFromEnvironment } from '../connections.js';
import { DATA_PATH, startDashboardServer } from '../dashboard-server.js';
import { exitWithError } from '../errors.js';
import { avroDecoderOf, reportEventsOf, reportTopics, requireTopics } from '../report-topics.js';
import { loadTopologyOrExit } from '../topology-arg.js';
import { topicsSource } from './report.js';

interface DashboardOptions {
  topology: string;
  port: number;
  host: string;
}

export const DEFAULT_DASHBOARD_PORT = 9470;
/** how often the page asks for new data */
const POLL_INTERVAL_MS = 5_000;

function portNumber(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) {
    throw new InvalidArgumentError('expected a port number 0–65535');
  }
  return port;
}

/** `cdstream dashboard`: the report page, served live from the metrics and incidents topics. */
export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description(
      'Serve the report page live: it keeps reading the metrics and incidents topics, and the page refreshes its data every 5 s.',
    )
    .option(
      '--topology <file>',
      'topology file (YAML) naming the metrics and incidents topics',
      'topologies/default.yaml',
    )
    .option(
      '--port <n>',
      'port to listen on (0: any free port)',
      portNumber,
      DEFAULT_DASHBOARD_PORT,
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addHelpText(
      'after',
      `\nPrints "dashboard: <url>" once listening. The page's data is also at ${DATA_PATH}.` +
        '\nStops on SIGTERM/SIGINT: closes the server and the consumer.' +
        '\nExit codes: 0 stopped on a signal, 1 broker error or missing topic, 2 usage, port or topology error.',
    )
    .action(async (options: DashboardOptions) => {
      const config = loadTopologyOrExit(options.topology);
      const topics = reportTopics(config);
      const connections = connectionsFromEnvironment();
      const kafka = connections.kafka('cdstream-dashboard');
      await requireTopics(kafka, topics);
      const avro = avroDecoderOf(connections);
      const store = new ReportStore();
      const source = topicsSource(topics);

      const server = await startDashboardServer(options.host, options.port, {
        page: () =>
          reportHtml(store.model(Date.now()), pageAssets(), {
            source,
            live: { url: DATA_PATH, intervalMs: POLL_INTERVAL_MS },
          }),
        data: () => JSON.stringify(store.model(Date.now())),
      }).catch((error: unknown) => {
        process.stderr.write(
          `cdstream dashboard: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(2);
      });

      const consumer = kafka.consumer({
        groupId: `cdstream-dashboard-${randomUUID()}`,
        readUncommitted: false,
      });
      let stopping = false;
      const stop = async (error?: unknown) => {
        if (stopping) return;
        stopping = true;
        await Promise.allSettled([server.close(), consumer.disconnect()]);
        if (error !== undefined) exitWithError('dashboard', error);
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop());
      process.on('SIGINT', () => void stop());
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) void stop(payload.error);
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          for (const event of await reportEventsOf(message, avro)) store.add(event);
        },
      });
      process.stdout.write(`dashboard: ${server.url} (${source})\n`);
    });
}
