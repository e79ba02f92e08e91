/**
 * How long after a window's end its final metrics appear, with the pipeline
 * caught up on live events (event time = now). One `cdstream run` worker of
 * a copy of the default topology with minute windows; a producer sends a
 * deployment every second on several sources (so every input partition is
 * live); a reader notes when each window's final deployment-frequency event
 * arrives. The expected delay is disorder + grace + the watermark heartbeats
 * of two internal hops and the commits; the figures are printed, not asserted.
 *
 *   npm run bench:live-latency [-- --seconds 240 --grace 20s --disorder 2s]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/config/duration.js';
import { startChild } from './lib/proc.js';
import { createTopics, kafka } from './lib/kafka.js';
import { pipelineNames, writeTopology } from './lib/topology.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '240' },
    grace: { type: 'string', default: '20s' },
    disorder: { type: 'string', default: '2s' },
    partitions: { type: 'string', default: '6' },
  },
});
const SECONDS = Number(values.seconds);
const GRACE_MS = parseDuration(values.grace);
const DISORDER_MS = parseDuration(values.disorder);
const PARTITIONS = Number(values.partitions);
const MINUTE = 60_000;

const run = `live-${randomUUID().slice(0, 8)}`;
const names = pipelineNames(run);
const file = writeTopology(
  new URL(`../.local/bench/${run}.yaml`, import.meta.url).pathname,
  names,
  PARTITIONS,
  {
    inputs: { disorder: values.disorder, avro: false },
    aggregation: {
      grace: values.grace,
      idleTimeout: '5s',
      windows: [{ name: 'PT1M', size: '1m' }],
    },
  },
);
const client = kafka(run);
await createTopics(client, [names.input], PARTITIONS);
const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
const worker = startChild(process.execPath, [cli, 'run', '--topology', file], {
  CDSTREAM_HTTP_PORT: '0',
});
await worker.waitForLine(/running .*aggregate/, 120_000);

/** window end → wall-clock time its final metrics arrived */
const arrivals = new Map<number, number>();
const reader = client.consumer({ groupId: `${run}-reader` });
await reader.connect();
await reader.subscribe({ topic: names.metrics, fromBeginning: true });
await reader.run({
  eachMessage: ({ message }) => {
    const event = JSON.parse(message.value?.toString() ?? '{}') as {
      type?: string;
      data?: { windowEndMs?: number; final?: boolean };
    };
    const end = event.data?.windowEndMs;
    if (event.type?.includes('deploymentfrequency') && event.data?.final && end !== undefined) {
      if (!arrivals.has(end)) arrivals.set(end, Date.now());
    }
    return Promise.resolve();
  },
});

const producer = client.producer();
await producer.connect();
const started = Date.now();
let sent = 0;
while (Date.now() - started < SECONDS * 1000) {
  const now = Date.now();
  const source = `/cd/live-${sent % 24}`;
  const id = `${run}-${sent++}`;
  const cdevent = {
    context: {
      specversion: '0.5.1',
      id,
      source,
      type: 'dev.cdevents.service.deployed.0.3.0',
      timestamp: new Date(now).toISOString(),
    },
    subject: {
      id: `svc-${sent % 3}`,
      source,
      content: {
        environment: { id: 'prod' },
        artifactId: `pkg:oci/svc-${sent % 3}@sha256:${'a'.repeat(63)}${sent % 10}`,
      },
    },
  };
  await producer.send({
    topic: names.input,
    messages: [{ key: source, value: JSON.stringify(cdevent), timestamp: String(now) }],
  });
  await new Promise((resolve) => setTimeout(resolve, 1000 - ((Date.now() - now) % 1000)));
}
// let the last full minute close
await new Promise((resolve) => setTimeout(resolve, GRACE_MS + DISORDER_MS + 15_000));
await producer.disconnect();
await reader.disconnect();
await worker.stop('SIGTERM');

const firstFull = Math.ceil(started / MINUTE) * MINUTE + MINUTE;
const delays = [...arrivals]
  .filter(([end]) => end >= firstFull)
  .map(([end, at]) => at - end)
  .sort((a, b) => a - b);
const at = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] ?? NaN;
console.log(
  `live latency of final minute windows (disorder ${DISORDER_MS} ms + grace ${GRACE_MS} ms = ${DISORDER_MS + GRACE_MS} ms expected floor): ${delays.length} windows, ${sent} events; after the window end: min ${delays[0] ?? NaN} ms, median ${at(0.5)} ms, max ${delays.at(-1) ?? NaN} ms; beyond the floor: median ${at(0.5) - DISORDER_MS - GRACE_MS} ms`,
);
process.exit(delays.length > 0 ? 0 : 1);
