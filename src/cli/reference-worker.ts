/**
 * A worker process running the reference windowed-count topology, for the
 * runtime's fleet tests and benchmarks:
 *
 *   node dist/cli/reference-worker.js --app-id A --input T --output O
 *
 * Brokers come from KAFKA_BROKERS. SIGTERM commits, closes and leaves the
 * group; the process exits 0.
 */
import { parseArgs } from 'node:util';
import { endpointsFromEnvironment, LOCAL_SERVICES } from '../config/environment.js';
import { createLogger } from '../observability/logger.js';
import { KafkajsTransport } from '../runtime/kafka/kafkajs-transport.js';
import { StreamWorker } from '../runtime/worker.js';
import { windowedCountTopology } from '../runtime/reference/windowed-count.js';

const { values } = parseArgs({
  options: {
    'app-id': { type: 'string', default: 'cdstream-reference' },
    input: { type: 'string', default: 'reference-in' },
    output: { type: 'string', default: 'reference-counts' },
    late: { type: 'string' },
    dlq: { type: 'string' },
    'window-ms': { type: 'string', default: '10000' },
    'grace-ms': { type: 'string', default: '1000' },
    'commit-interval-ms': { type: 'string', default: '100' },
    'commit-max-records': { type: 'string', default: '1000' },
    'session-timeout-ms': { type: 'string', default: '30000' },
  },
});

const appId = values['app-id'];
const logger = createLogger();
const brokers = endpointsFromEnvironment().kafkaBrokers ?? LOCAL_SERVICES.kafkaBrokers;
const topology = windowedCountTopology({
  applicationId: appId,
  inputTopic: values.input,
  outputTopic: values.output,
  lateTopic: values.late ?? `${values.output}-late`,
  deadLetterTopic: values.dlq ?? `${values.output}-dlq`,
  windowSizeMs: Number(values['window-ms']),
  graceMs: Number(values['grace-ms']),
});

const worker = new StreamWorker({
  topology,
  transport: new KafkajsTransport({
    clientId: `${appId}-${process.pid}`,
    brokers,
    logger,
    sessionTimeoutMs: Number(values['session-timeout-ms']),
  }),
  logger,
  settings: {
    commitIntervalMs: Number(values['commit-interval-ms']),
    commitMaxRecords: Number(values['commit-max-records']),
  },
  listener: {
    restored: (event) => {
      // one machine-readable line for the tests and benchmarks
      process.stdout.write(`${JSON.stringify({ event: 'restored', ...event })}\n`);
    },
  },
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, `received ${signal}: committing and leaving the group`);
  await worker.stop();
  logger.info({}, 'stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

try {
  await worker.start();
  logger.info({ appId, brokers }, `worker ${process.pid} running topology ${appId}`);
  const error = await worker.failed;
  logger.fatal({ err: error }, `worker stopped on an unrecoverable error: ${error.message}`);
  process.exit(1);
} catch (error) {
  logger.fatal(
    { err: error },
    `worker failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
