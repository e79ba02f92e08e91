/**
 * Runtime benchmark on the local broker: steady-state throughput of the
 * reference topology (count per key in tumbling windows, exactly-once) against
 * a plain kafkajs consumer reading the same records in the same run, and the
 * restore time of 100k keys of window state.
 *
 *   npm run bench:runtime [-- --records 200000 --partitions 6 --keys 100000]
 *
 * Figures, never assertions. Needs KAFKA_BROKERS or the local services.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from '../src/runtime/kafka/kafkajs.js';
import { pino } from 'pino';
import { endpointsFromEnvironment, LOCAL_SERVICES } from '../src/config/environment.js';
import { KafkajsTransport } from '../src/runtime/kafka/kafkajs-transport.js';
import { windowedCountTopology } from '../src/runtime/reference/windowed-count.js';
import { StreamWorker } from '../src/runtime/worker.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    partitions: { type: 'string', default: '6' },
    keys: { type: 'string', default: '100000' },
  },
});
const RECORDS = Number(values.records);
const PARTITIONS = Number(values.partitions);
const RESTORE_KEYS = Number(values.keys);
const brokers = [...(endpointsFromEnvironment().kafkaBrokers ?? LOCAL_SERVICES.kafkaBrokers)];
const kafka = new Kafka({ clientId: 'cdstream-bench', brokers, logLevel: logLevel.NOTHING });
const logger = pino({ level: 'warn' });
const run = randomUUID().slice(0, 8);

interface Figure {
  name: string;
  events: number;
  seconds: number;
  events_per_s: number;
  ratio_to?: Record<string, number>;
  rss_mb: number;
}

async function createTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS }],
    waitForLeaders: true,
  });
  await admin.disconnect();
}

/** Produces `count` ~100-byte records spread over `keys` keys, event times in the last hour. */
async function produce(topic: string, count: number, keys: number, timeAt: (i: number) => number) {
  const producer = kafka.producer();
  await producer.connect();
  const payload = 'x'.repeat(80);
  for (let start = 0; start < count; start += 10_000) {
    const messages = [];
    for (let i = start; i < Math.min(count, start + 10_000); i++) {
      messages.push({ key: `key-${i % keys}`, value: payload, timestamp: String(timeAt(i)) });
    }
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
}

async function committedToEnd(groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (;;) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const done = ends.every(({ partition, high }) => {
        const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return BigInt(at) >= BigInt(high);
      });
      if (done) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Baseline: a plain consumer group reading every record, no transactions, no state. */
async function plainConsume(topic: string, count: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-plain-${run}-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const started = performance.now();
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= count) resolve();
        return Promise.resolve();
      },
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}

function worker(appId: string, input: string, restored?: (records: number, ms: number) => void) {
  return new StreamWorker({
    topology: windowedCountTopology({
      applicationId: appId,
      inputTopic: input,
      outputTopic: `${appId}-counts`,
      lateTopic: `${appId}-late`,
      deadLetterTopic: `${appId}-dlq`,
      windowSizeMs: 60_000,
      graceMs: 1_000,
    }),
    transport: new KafkajsTransport({ clientId: `${appId}-bench`, brokers, logger }),
    logger,
    listener: restored
      ? {
          restored: (e) => {
            restored(e.records, e.ms);
          },
        }
      : {},
  });
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1e6);
const figures: Figure[] = [];

// 1. throughput, interleaved with its baseline on the same records
const input = `bench-runtime-${run}`;
await createTopic(input);
const base = Date.now() - 3_600_000;
await produce(input, RECORDS, 1000, (i) => base + Math.floor((i * 3_000_000) / RECORDS));
const plainSeconds = await plainConsume(input, RECORDS);
const appId = `bench-${run}`;
const streams = worker(appId, input);
const started = performance.now();
await streams.start();
await committedToEnd(`${appId}-count`, input);
const streamSeconds = (performance.now() - started) / 1000;
await streams.stop();
figures.push({
  name: 'kafkajs plain consume (baseline)',
  events: RECORDS,
  seconds: plainSeconds,
  events_per_s: Math.round(RECORDS / plainSeconds),
  rss_mb: rssMb(),
});
figures.push({
  name: 'reference topology, exactly-once, 1 worker',
  events: RECORDS,
  seconds: streamSeconds,
  events_per_s: Math.round(RECORDS / streamSeconds),
  ratio_to: { 'kafkajs plain consume': Number((plainSeconds / streamSeconds).toFixed(3)) },
  rss_mb: rssMb(),
});

// 2. restore: RESTORE_KEYS open windows of state, then a new worker restores them
const restoreInput = `bench-restore-${run}`;
await createTopic(restoreInput);
const now = Date.now();
await produce(restoreInput, RESTORE_KEYS, RESTORE_KEYS, () => now);
const restoreApp = `bench-restore-${run}`;
const first = worker(restoreApp, restoreInput);
await first.start();
await committedToEnd(`${restoreApp}-count`, restoreInput);
await first.stop();
const restored = await new Promise<{ records: number; ms: number }>((resolve) => {
  const second = worker(restoreApp, restoreInput, (records, ms) => {
    void second.stop().then(() => {
      resolve({ records, ms });
    });
  });
  void second.start();
});
figures.push({
  name: `restore ${RESTORE_KEYS} keys of window state`,
  events: restored.records,
  seconds: restored.ms / 1000,
  events_per_s: Math.round(restored.records / (restored.ms / 1000)),
  rss_mb: rssMb(),
});

console.log(
  `runtime benchmark, ${RECORDS} records, ${PARTITIONS} partitions, ${new Date().toISOString()}`,
);
console.table(
  figures.map((f) => ({
    scenario: f.name,
    events: f.events,
    seconds: f.seconds.toFixed(2),
    'events/s': f.events_per_s,
    'ratio to plain consume': f.ratio_to?.['kafkajs plain consume'] ?? '',
    'rss MB': f.rss_mb,
  })),
);
console.log(JSON.stringify(figures));
process.exit(0);
