/**
 * The default topology's three stages in one process, without Kafka (the
 * in-memory TopologyTestDriver), fed the benchmark's generated history in
 * slices: does the cost of an event grow with the history already held?
 * Prints, per slice, events/s as a ratio against the first slice, heap in
 * use and the state entries every store holds, so a growing store is named.
 *
 *   npm run bench:growth [-- --records 200000 --slice 20000 --partitions 3 --services 40]
 *
 * With NODE_OPTIONS=--expose-gc the heap is read after a full collection.
 *
 * Figures, never assertions. Kafka's own costs (encoding, the network,
 * transactions) are not in these figures: `npm run bench` has them.
 */
import { parseArgs } from 'node:util';
import { loadTopologyFile } from '../src/config/topology-file.js';
import { buildTopology } from '../src/config/pipeline.js';
import { TopologyTestDriver } from '../src/runtime/test-driver.js';
import { EventGenerator } from './lib/events.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    slice: { type: 'string', default: '20000' },
    partitions: { type: 'string', default: '3' },
    services: { type: 'string', default: '40' },
  },
});
const RECORDS = Number(values.records);
const SLICE = Number(values.slice);
const PARTITIONS = Number(values.partitions);
const SERVICES = Number(values.services);

const topologyFile = new URL('../topologies/default.yaml', import.meta.url).pathname;
const config = loadTopologyFile(topologyFile);
const input = config.inputs.topics[0] ?? 'cdevents';
const { deadLetter, enriched, metrics, incidents, late } = config.outputs;
const outputTopics = [deadLetter, enriched, metrics, incidents, late];
const now = Date.parse('2026-06-01T00:00:00Z');
const driver = new TopologyTestDriver(
  buildTopology({
    ...config,
    inputs: { ...config.inputs, partitions: PARTITIONS, avro: false },
  }),
  {
    partitions: PARTITIONS,
    wallClockTime: now,
    // the driver keeps what a broker would need, not every record: measures the stages' memory
    discardConsumed: true,
    // about one commit per 1,000 records a task reads, as a worker's commitMaxRecords
    interleaving: { random: Math.random, commitProbability: 0.001, abortProbability: 0 },
  },
);

const generator = new EventGenerator(RECORDS, { run: 'growth', now, services: SERVICES });
let slice: { key: string; value: Buffer; timestamp: number; headers: Record<string, string> }[] =
  [];
let first: number | undefined;
let done = 0;
console.log('| events | events/s | ratio to first slice | heap MB | largest stores (entries) |');
console.log('| --- | --- | --- | --- | --- |');
for (const record of generator.records()) {
  slice.push({
    key: record.key,
    value: record.value,
    timestamp: record.eventTime,
    headers: record.headers,
  });
  if (slice.length < SLICE) continue;
  await runSlice();
}
if (slice.length > 0) await runSlice();

async function runSlice(): Promise<void> {
  const started = performance.now();
  await driver.pipeInput(input, slice);
  const seconds = (performance.now() - started) / 1000;
  for (const topic of outputTopics) driver.readOutput(topic); // what a consumer takes away
  done += slice.length;
  const rate = slice.length / seconds;
  first ??= rate;
  slice = [];
  // with node --expose-gc, the heap after a full collection: what is held, not what waits to be collected
  (globalThis as { gc?: () => void }).gc?.();
  const heapMb = Math.round(process.memoryUsage().heapUsed / 1_048_576);
  const stores = [...driver.storeSizes()]
    .sort(([, a], [, b]) => b - a)
    .slice(0, 5)
    .map(([name, entries]) => `${name} ${entries.toLocaleString('en')}`)
    .join(', ');
  console.log(
    `| ${done.toLocaleString('en')} | ${Math.round(rate).toLocaleString('en')} | ${(rate / first).toFixed(2)} | ${heapMb} | ${stores} |`,
  );
}
