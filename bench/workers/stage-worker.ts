/**
 * One cdstream worker process for the benchmark: the whole pipeline of a
 * topology file, or one of its stages alone on a given input topic.
 * Prints `{"event":"ready"}` once every stage has restored its tasks.
 *
 *   stage-worker.ts --topology FILE --stage pipeline|ingest|join|aggregate [--input TOPIC]
 *
 * With BENCH_WATCH_FILE set, it appends what every task holds there every 5 s,
 * and the Kafka requests the worker sent since the last time, by API.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { buildTopology } from '../../src/config/pipeline.js';
import { runnerSettingsOf } from '../../src/config/runner-settings.js';
import { loadTopologyFile } from '../../src/config/topology-file.js';
import { KafkajsTransport } from '../../src/runtime/kafka/kafkajs-transport.js';
import type { StageDefinition } from '../../src/runtime/topology.js';
import { StreamWorker } from '../../src/runtime/worker.js';
import { brokers } from '../lib/kafka.js';

const { values } = parseArgs({
  options: {
    topology: { type: 'string' },
    stage: { type: 'string', default: 'pipeline' },
    input: { type: 'string' },
  },
});
if (!values.topology) throw new Error('--topology is required');
const config = loadTopologyFile(values.topology);
const stage = values.stage;
const input = values.input ?? '';

function stages(): readonly StageDefinition[] {
  const all = buildTopology(config).stages;
  if (stage === 'pipeline') return all;
  // a stage alone is the pipeline's own stage, outputs and all; given --input,
  // it reads that topic as an external input: time enters there, and the
  // upstream's watermark records in it are another application's, not data
  return all
    .filter((s) => s.name === stage)
    .map((alone) => (input ? { ...alone, inputs: [input] } : alone));
}

const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
const topology = { applicationId: config.applicationId, stages: stages() };
const restored = new Set<string>();
const worker = new StreamWorker({
  topology,
  transport: new KafkajsTransport({
    clientId: `${config.applicationId}-bench`,
    brokers,
    logger,
    sessionTimeoutMs: config.runtime.sessionTimeoutMs,
  }),
  logger,
  settings: runnerSettingsOf(config.runtime),
  listener: {
    restored: (event) => {
      if (restored.has(event.stage)) return;
      restored.add(event.stage);
      if (restored.size === topology.stages.length) console.log('{"event":"ready"}');
    },
  },
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void worker.stop().then(() => process.exit(0));
});
await worker.start();
const watchFile = process.env.BENCH_WATCH_FILE;
if (watchFile) watchTasks(watchFile, countRequests());

type Send = (this: unknown, options: { request: { apiName: string } }) => Promise<unknown>;

/** Counts every request a kafkajs connection sends, by API name (kafkajs' own class, wrapped). */
function countRequests(): Map<string, number> {
  const counts = new Map<string, number>();
  const connection = createRequire(import.meta.url)('kafkajs/src/network/connection.js') as {
    prototype: { send: Send };
  };
  const send = connection.prototype.send;
  connection.prototype.send = function (options) {
    const api = options.request.apiName;
    counts.set(api, (counts.get(api) ?? 0) + 1);
    return send.call(this, options);
  };
  return counts;
}

/** Every 5 s, each task's watermark, stream time and held records, the process's memory and the requests sent since, appended to `file`. */
function watchTasks(file: string, requests: Map<string, number>): void {
  const time = (ms: number) =>
    Number.isFinite(ms) ? new Date(ms).toISOString().slice(5, 16) : '-';
  setInterval(() => {
    const memory = Object.entries(process.memoryUsage())
      .map(([name, bytes]) => `${name}=${Math.round(bytes / 1e6)}`)
      .join(' ');
    const tasks = worker
      .watermarks()
      .map(
        (task) =>
          `  ${task.stage}-${task.partition} wm=${time(task.watermark)} st=${time(task.streamTime)} held=${task.held} back=${task.holdingBack.join(',')}`,
      );
    const sent = [...requests].map(([api, count]) => `${api}=${count}`).join(' ');
    requests.clear();
    appendFileSync(
      file,
      `${new Date().toISOString()} ${memory}\n  requests ${sent}\n${tasks.join('\n')}\n`,
    );
  }, 5000).unref();
}
const error = await worker.failed;
console.error(`worker failed: ${error.message}`);
process.exit(1);
