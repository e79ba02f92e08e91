/**
 * What a caught-up pipeline costs when events trickle in or stop: one
 * `cdstream run --workers 1` of a copy of the default topology, offered a
 * steady rate (0 = nothing at all), and the CPU the worker and the local
 * broker spend per second of wall clock, with the transactions the worker
 * committed (its own /metrics). A fixed cost here is paid at every load, and
 * at half the maximum rate it competes with the events for the cores.
 *
 *   npm run build && npm run bench:idle [-- --rates 0,50,200 --seconds 30 --partitions 12 --warm 0 --span 3d]
 *
 * Figures, never assertions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/config/duration.js';
import { EventGenerator } from './lib/events.js';
import { createTopics, kafka, toMessage } from './lib/kafka.js';
import { processCpuSeconds, startChild } from './lib/proc.js';
import { pipelineNames, writeTopology } from './lib/topology.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '0,50,200' },
    seconds: { type: 'string', default: '30' },
    partitions: { type: 'string', default: '12' },
    /** seconds after ready before measuring: startup and first commits */
    settle: { type: 'string', default: '10' },
    /** events sent before settling, so that every partition has data and is caught up (0 then measures a pipeline gone quiet) */
    warm: { type: 'string', default: '0' },
    /** the events' times spread over this much time before the moment they are made */
    span: { type: 'string', default: '3d' },
    /** runtime.stateOnlyCommitInterval of each variant, measured in turn at every rate */
    'state-only-commit-interval': { type: 'string', default: '1s' },
  },
});
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);
const PARTITIONS = Number(values.partitions);
const SETTLE_MS = Number(values.settle) * 1000;
const VARIANTS = values['state-only-commit-interval'].split(',');
const WARM = Number(values.warm);
const SPAN_MS = parseDuration(values.span);

const brokerPidFile = new URL('../.local/services/run/kafka.pid', import.meta.url).pathname;
const brokerPid = existsSync(brokerPidFile)
  ? Number(readFileSync(brokerPidFile, 'utf8').trim())
  : undefined;
const brokerCpu = () => (brokerPid === undefined ? 0 : processCpuSeconds(brokerPid));
const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;

/** committed transactions by stage, from the worker's Prometheus text */
async function transactions(url: string): Promise<Map<string, number>> {
  const body = await (await fetch(`${url}/metrics`)).text();
  const byStage = new Map<string, number>();
  for (const line of body.split('\n')) {
    const match = /^cdstream_transactions_total\{stage="([^"]+)",result="committed"\} (\d+)/.exec(
      line,
    );
    if (match?.[1] !== undefined) byStage.set(match[1], Number(match[2]));
  }
  return byStage;
}

const STAGES = ['ingest', 'join', 'aggregate'];

console.log(
  `| offered events/s | stateOnlyCommitInterval | worker CPU % of a core | broker CPU % of a core | transactions/s (${STAGES.join(' / ')}) | worker + broker CPU ms per event |`,
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [rate, variant] of RATES.flatMap((r) => VARIANTS.map((v) => [r, v] as const))) {
  const run = `idle-${randomUUID().slice(0, 8)}`;
  const names = pipelineNames(run);
  const file = writeTopology(
    new URL(`../.local/bench/${run}.yaml`, import.meta.url).pathname,
    names,
    PARTITIONS,
    { inputs: { avro: false }, runtime: { stateOnlyCommitInterval: variant } },
  );
  const client = kafka(run);
  await createTopics(client, [names.input], PARTITIONS);
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const worker = startChild(process.execPath, [cli, 'run', '--topology', file, '--workers', '1'], {
    CDSTREAM_HTTP_PORT: String(port),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await worker.waitForLine(/ready/, 300_000);
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const generator = new EventGenerator(Math.max(1, WARM + rate * (SECONDS + 60)), {
      run,
      seed: 3,
      duplicateShare: 0,
      now: Date.now() + SETTLE_MS + SECONDS * 1000,
      spanMs: SPAN_MS,
    }).records();
    const warm = [];
    for (let n = 0; n < WARM; n++) {
      const next = generator.next();
      if (!next.done) warm.push(toMessage(next.value, Date.now()));
    }
    if (warm.length > 0) await producer.send({ topic: names.input, messages: warm });
    const sender = { stopped: false };
    const sending = (async () => {
      const tickMs = 100;
      while (!sender.stopped && rate > 0) {
        const batch = [];
        for (let n = 0; n < rate / (1000 / tickMs); n++) {
          const next = generator.next();
          if (next.done) break;
          batch.push(toMessage(next.value, Date.now()));
        }
        if (batch.length > 0) await producer.send({ topic: names.input, messages: batch });
        await new Promise((resolve) => setTimeout(resolve, tickMs));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const cpu0 = worker.cpuSeconds();
    const broker0 = brokerCpu();
    const txn0 = await transactions(url);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const seconds = (performance.now() - started) / 1000;
    const workerCpu = worker.cpuSeconds() - cpu0;
    const broker = brokerCpu() - broker0;
    const txn1 = await transactions(url);
    const txns = STAGES.map((stage) => (txn1.get(stage) ?? 0) - (txn0.get(stage) ?? 0));
    const perSecond = txns.map((n) => (n / seconds).toFixed(1)).join(' / ');
    const total = txns.reduce((sum, n) => sum + n, 0);
    sender.stopped = true;
    await sending;
    await producer.disconnect();
    const perEvent = rate > 0 ? (((workerCpu + broker) / (rate * seconds)) * 1000).toFixed(2) : '-';
    console.log(
      `| ${rate} | ${variant} | ${((workerCpu / seconds) * 100).toFixed(1)} | ${((broker / seconds) * 100).toFixed(1)} | ${(total / seconds).toFixed(1)} (${perSecond}) | ${perEvent} |`,
    );
  } finally {
    await worker.stop('SIGTERM');
  }
}
