/**
 * The fault suite: 3 `cdstream run --workers 2` processes (6 workers) on a copy
 * of the default pipeline; a SIGKILL takes a whole process, both its workers.
 *
 * 1. clean run: the generated events once, no faults → reference metrics.
 * 2. faulted run: the same events; a random worker SIGKILLed and restarted 3
 *    times, the broker stopped and started, the registry cut for 30 s.
 *    Every input is accounted for exactly once; metrics equal the clean run's.
 * 3. hostile inputs on the faulted fleet: 100% dead-lettered with a code,
 *    no worker exits, RSS sampled.
 *
 *   npm run test:faults [-- --events 200000 --hostile 100000]   (default 100000 events: ~15 min on 2 cores)
 *
 * Ends with a table and the line `N passed, N failed`.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EventGenerator, SEQ_HEADER, type GeneratedRecord } from '../../bench/lib/events.js';
import {
  committedPast,
  committedToEnd,
  endOffsets,
  kafka,
  produceAll,
  raiseMessageLimit,
  toMessage,
} from '../../bench/lib/kafka.js';
import { pipelineNames, writeTopology, type PipelineNames } from '../../bench/lib/topology.js';
import { startTcpProxy } from '../integration/setup/tcp-proxy.js';
import { compareMetrics, readMetrics, readOutcomes } from './lib/accounting.js';
import { cli, startFleet, type Fleet } from './lib/fleet.js';
import { hostileRecords } from './lib/hostile.js';
import { startServices, stopKafka } from './lib/services.js';
import { awaitWatermarks } from './lib/watermarks.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    hostile: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '3' },
    /** `cdstream run --workers`: worker threads in each of the processes */
    'workers-per-process': { type: 'string', default: '2' },
    partitions: { type: 'string', default: '6' },
  },
});
const EVENTS = Number(values.events);
const HOSTILE = Number(values.hostile);
const WORKERS = Number(values.workers);
const PER_PROCESS = Number(values['workers-per-process']);
const PARTITIONS = Number(values.partitions);
const run = `faults-${randomUUID().slice(0, 8)}`;
const workDir = new URL(`../../.local/faults/${run}/`, import.meta.url).pathname;
const client = kafka(run);
const registry = new URL(
  process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
);
const proxy = await startTcpProxy(registry.hostname, Number(registry.port || 80));
const env = {
  SCHEMA_REGISTRY_URL: `http://127.0.0.1:${proxy.port}${registry.pathname}`,
  CDSTREAM_SHUTDOWN_TIMEOUT_MS: '30000',
  // several workers on one host: each its own health/metrics port
  CDSTREAM_HTTP_PORT: '0',
};
const DAY = 86_400_000;
/** the default topology's inputs.disorder + aggregation.grace, which this suite keeps */
const DISORDER_AND_GRACE_MS = 61 * 60_000;
// Event times: two days, ending 2.6 days ago (older ones would fall to the
// broker's 7-day retention), in time order per input partition, produced
// before the fleet starts; the topology's own grace (1 h) and disorder. No
// event is late: the late topic must stay empty in both runs. After the
// history, live events at "now" on every partition (the flush) move each
// partition's watermark to the present, so every window of the history
// closes, as it would once a team's live events follow its backfill.
const EVENTS_END = Date.now() - 2.6 * DAY;
const SPAN = 2 * DAY;
const FLUSH_SERVICES = 200;
const SERVICES = 150;

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}
const checks: Check[] = [];
const check = (name: string, ok: boolean, detail: string) => {
  checks.push({ name, ok, detail });
  process.stderr.write(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}\n`);
};
const log = (line: string) => process.stderr.write(`[${new Date().toISOString()}] ${line}\n`);

const records: GeneratedRecord[] = [
  ...new EventGenerator(EVENTS, {
    run,
    now: EVENTS_END,
    spanMs: SPAN,
    services: SERVICES,
  }).records(),
];

/** Deployments far ahead in event time on many keys: every aggregate partition's windows close. */
function flushRecords(at: number): GeneratedRecord[] {
  const flush = [
    ...new EventGenerator(FLUSH_SERVICES * 4, {
      run: `${run}-flush`,
      now: at,
      spanMs: 1,
      badShare: 0,
      duplicateShare: 0,
      services: FLUSH_SERVICES,
      seed: 3,
    }).records(),
  ];
  return flush;
}

async function prepare(label: string): Promise<{ names: PipelineNames; file: string }> {
  const names = pipelineNames(`${run}-${label}`);
  const file = writeTopology(`${workDir}${label}.yaml`, names, PARTITIONS, {
    aggregation: { windows: [{ name: 'P1D', size: '1d' }] },
    inputs: { maxRecordBytes: 512 * 1024 },
  });
  const created = cli(['topics', 'create', '--topology', file], env);
  const code = await created.exited;
  if (code !== 0) throw new Error(`topics create failed: ${created.output.join('\n')}`);
  // the input takes large records, so that hostile ones reach the workers
  // (ingest dead-letters values over inputs.maxRecordBytes, TOO_LARGE); the
  // pipeline's own topics keep the broker's default limit
  await raiseMessageLimit(client, [names.input]);
  return { names, file };
}

async function produceEvents(names: PipelineNames, list: readonly GeneratedRecord[]) {
  await produceAll(
    client,
    names.input,
    list.map((r) => toMessage(r)),
  );
}

/**
 * ingest and join to the end; then the flush; then until the join's
 * watermark records show the flush (the default disorder and grace behind
 * it), and all three stages to the end: every window the flush closes is out.
 *
 * An internal topic's end keeps moving (every upstream task writes its
 * watermark each second), and a stage commits state-only work once a
 * second: it is waited for past the end as it stood when the wait began.
 */
async function drain(names: PipelineNames): Promise<void> {
  const pastCurrentEnd = async (group: string, topic: string) =>
    committedPast(client, group, topic, await endOffsets(client, topic));
  await committedToEnd(client, `${names.appId}-ingest`, names.input);
  await pastCurrentEnd(`${names.appId}-join`, names.repartition);
  const flushAt = Date.now() - 60_000;
  await produceEvents(names, flushRecords(flushAt));
  await committedToEnd(client, `${names.appId}-ingest`, names.input);
  await pastCurrentEnd(`${names.appId}-join`, names.repartition);
  await awaitWatermarks(client, names.byService, flushAt - DISORDER_AND_GRACE_MS - 1_000);
  await pastCurrentEnd(`${names.appId}-aggregate`, names.byService);
}

async function ingestProgress(names: PipelineNames): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({
      groupId: `${names.appId}-ingest`,
      topics: [names.input],
    });
    const done = (committed?.partitions ?? []).reduce(
      (sum, p) => sum + (p.offset === '-1' ? 0 : Number(p.offset)),
      0,
    );
    return done / EVENTS;
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

async function untilProgress(names: PipelineNames, fraction: number): Promise<void> {
  while ((await ingestProgress(names)) < fraction) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = () => Math.floor(Math.random() * WORKERS);

async function faults(names: PipelineNames, fleet: Fleet): Promise<string[]> {
  const done: string[] = [];
  const at = (low: number, high: number) => low + Math.random() * (high - low);
  await untilProgress(names, at(0.08, 0.15));
  const first = pick();
  await fleet.killAndRestart(first);
  done.push(`SIGKILL worker ${first}`);
  log(`SIGKILLed worker ${first}`);
  await untilProgress(names, at(0.2, 0.3));
  await proxy.cut();
  log('registry cut for 30 s');
  await hold(30_000);
  await proxy.restore();
  done.push('registry unavailable 30 s');
  await untilProgress(names, at(0.35, 0.45));
  const second = pick();
  await fleet.killAndRestart(second);
  done.push(`SIGKILL worker ${second}`);
  log(`SIGKILLed worker ${second}`);
  await untilProgress(names, at(0.5, 0.6));
  log('stopping the broker');
  await stopKafka();
  await hold(5_000);
  await startServices();
  log('broker back');
  done.push('broker stop/start');
  await untilProgress(names, at(0.7, 0.8));
  const third = pick();
  await fleet.killAndRestart(third);
  done.push(`SIGKILL worker ${third}`);
  log(`SIGKILLed worker ${third}`);
  return done;
}

function account(label: string, outcomes: Awaited<ReturnType<typeof readOutcomes>>): void {
  let lost = 0;
  let late = 0;
  let doubled = 0;
  let misrouted = 0;
  let processed = 0;
  let deadLettered = 0;
  let duplicates = 0;
  for (const record of records) {
    const copies = outcomes.processed.get(record.seq) ?? 0;
    late += outcomes.late.get(record.seq) ?? 0;
    const dead = outcomes.deadLettered.get(record.seq)?.length ?? 0;
    const expectedCopies = record.type === 'vmware.tanzu.apps.location.created.v1' ? PARTITIONS : 1;
    if (record.kind === 'valid') {
      if (copies === 0) lost++;
      else if (copies > expectedCopies) doubled++;
      if (dead > 0) misrouted++;
      if (copies > 0) processed++;
    } else if (record.kind === 'bad') {
      if (dead === 0) lost++;
      else if (dead > 1) doubled++;
      if (copies > 0) misrouted++;
      if (dead > 0) deadLettered++;
    } else {
      // a duplicate shows up as a second copy of its original, or as a dead letter
      if (dead > 0) misrouted++;
      duplicates++;
    }
  }
  const accounted = processed + deadLettered + duplicates;
  check(
    `${label}: every input accounted for exactly once`,
    lost === 0 && doubled === 0 && misrouted === 0 && accounted === records.length,
    `produced ${records.length} = processed ${processed} + dead-lettered ${deadLettered} + duplicate ${duplicates}; lost ${lost}, double ${doubled}, misrouted ${misrouted}`,
  );
  check(`${label}: nothing late (every partition in time order)`, late === 0, `${late} late`);
}

// --- 1. clean run ------------------------------------------------------------------
log(
  `${run}: ${EVENTS} events, ${WORKERS} processes × ${PER_PROCESS} workers, ${PARTITIONS} partitions`,
);
const clean = await prepare('clean');
await produceEvents(clean.names, records);
let fleet = startFleet(WORKERS, clean.file, env, undefined, PER_PROCESS);
let started = performance.now();
await drain(clean.names);
const cleanSeconds = (performance.now() - started) / 1000;
log(`clean run drained in ${cleanSeconds.toFixed(0)} s`);
await fleet.stop();
check(
  'clean run: no worker crashed',
  fleet.crashes.length === 0,
  `${fleet.crashes.length} crashes`,
);
account(
  'clean run',
  await readOutcomes(
    client,
    run,
    clean.names.repartition,
    clean.names.deadLetter,
    `${run}-clean`,
    clean.names.late,
  ),
);
const cleanMetrics = await readMetrics(client, clean.names.metrics, `${run}-clean-metrics`);

// --- 2. faulted run ---------------------------------------------------------------
const faulted = await prepare('faulted');
await produceEvents(faulted.names, records);
mkdirSync(`${workDir}faulted-logs`, { recursive: true });
fleet = startFleet(WORKERS, faulted.file, env, `${workDir}faulted-logs`, PER_PROCESS);
started = performance.now();
const applied = await faults(faulted.names, fleet);
await drain(faulted.names);
const faultedSeconds = (performance.now() - started) / 1000;
log(`faulted run drained in ${faultedSeconds.toFixed(0)} s (${applied.join(', ')})`);
check(
  'faulted run: no worker exited by itself',
  fleet.crashes.length === 0,
  fleet.crashes.length === 0
    ? 'none'
    : fleet.crashes.map((c) => `pid ${c.pid} exit ${c.code}: ${c.lines.at(-1) ?? ''}`).join('; '),
);
account(
  'faulted run',
  await readOutcomes(
    client,
    run,
    faulted.names.repartition,
    faulted.names.deadLetter,
    `${run}-faulted`,
    faulted.names.late,
  ),
);
const faultedMetrics = await readMetrics(client, faulted.names.metrics, `${run}-faulted-metrics`);
const comparison = compareMetrics(cleanMetrics, faultedMetrics);
// Every metric is decided in event-time order: all six must be identical.
for (const type of [
  'dev.cdstream.metrics.deploymentfrequency.v1',
  'dev.cdstream.metrics.changefailurerate.v1',
  'dev.cdstream.metrics.leadtime.v1',
  'dev.cdstream.metrics.timetorestore.v1',
  'dev.cdstream.metrics.deploymentreworkrate.v1',
  'dev.cdstream.metrics.faileddeploymentrecoverytime.v1',
]) {
  const windows = [...cleanMetrics.keys()].filter((id) => id.startsWith(`${type}|`)).length;
  const differing = comparison.different.filter((d) => d.startsWith(`${type}|`));
  check(
    `${type.split('.')[3] ?? type} identical to the clean run`,
    differing.length === 0 && windows > 0,
    `${windows} windows in the clean run; ${differing.length} differ${differing.length ? `: ${differing.slice(0, 2).join(' / ')}` : ''}`,
  );
}
check(
  'no window emitted twice with different values',
  comparison.conflicting.length === 0,
  `${comparison.conflicting.length} conflicting${comparison.conflicting.length ? `: ${comparison.conflicting.slice(0, 3).join(', ')}` : ''}`,
);

// --- 3. hostile inputs --------------------------------------------------------------
const crashesBefore = fleet.crashes.length;
const hostile = [...hostileRecords(HOSTILE, 10_000_000)];
let rss = fleet.sampleRss();
const sampler = setInterval(() => (rss = fleet.sampleRss()), 500);
started = performance.now();
await produceAll(
  client,
  faulted.names.input,
  hostile.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: String(Date.now()),
  })),
  500,
);
await committedToEnd(client, `${faulted.names.appId}-ingest`, faulted.names.input);
clearInterval(sampler);
const hostileSeconds = (performance.now() - started) / 1000;
const afterHostile = await readOutcomes(
  client,
  run,
  faulted.names.repartition,
  faulted.names.deadLetter,
  `${run}-hostile`,
);
const notDead = hostile.filter((r) => (afterHostile.deadLettered.get(r.seq)?.length ?? 0) !== 1);
const noCode = hostile.filter((r) => afterHostile.deadLettered.get(r.seq)?.includes('(no code)'));
const codes = new Map<string, number>();
for (const r of hostile) {
  const code = `${r.variant}→${afterHostile.deadLettered.get(r.seq)?.[0] ?? 'none'}`;
  codes.set(code, (codes.get(code) ?? 0) + 1);
}
check(
  'hostile inputs: 100% dead-lettered once, with a code',
  notDead.length === 0 && noCode.length === 0,
  `${hostile.length - notDead.length}/${hostile.length} in ${hostileSeconds.toFixed(0)} s; missing or repeated: ${notDead.length}${notDead.length ? ` (${[...new Set(notDead.map((r) => r.variant))].join(', ')})` : ''}`,
);
check(
  'hostile inputs: 0 worker crashes',
  fleet.crashes.length === crashesBefore,
  `${fleet.crashes.length - crashesBefore} exits`,
);
const peak = Math.max(...rss);
// RSS is a process's: each process holds PER_PROCESS workers, so the bound
// is per process (stricter than 1 GB per worker once PER_PROCESS > 1)
check(
  `hostile inputs: bounded memory (peak RSS < 1 GB per process of ${PER_PROCESS} workers)`,
  peak < 1024,
  `peak RSS per process ${rss.join(', ')} MB`,
);
// A 10 MB value reaches the workers through the input's raised limit: it
// must be dead-lettered like any other hostile input.
const OVERSIZED_SEQ = -10;
const oversized = await produceAll(client, faulted.names.input, [
  {
    key: 'hostile-10mb',
    value: Buffer.alloc(10 * 1024 * 1024, 0x7b),
    headers: { [SEQ_HEADER]: String(OVERSIZED_SEQ) },
  },
]).then(
  () => 'accepted by the broker',
  (error: unknown) =>
    `refused by the broker (${error instanceof Error ? error.message : String(error)})`,
);
log(`a 10 MB value: ${oversized}`);
if (oversized === 'accepted by the broker') {
  await committedToEnd(client, `${faulted.names.appId}-ingest`, faulted.names.input);
  const afterOversized = await readOutcomes(
    client,
    run,
    faulted.names.repartition,
    faulted.names.deadLetter,
    `${run}-oversized`,
  );
  const codesOfOversized = afterOversized.deadLettered.get(OVERSIZED_SEQ) ?? [];
  check(
    'hostile inputs: a 10 MB value dead-lettered once, with a code',
    codesOfOversized.length === 1 && codesOfOversized[0] !== '(no code)',
    `dead-letter codes: ${codesOfOversized.join(', ') || 'none'}; ${fleet.crashes.length - crashesBefore} worker exits`,
  );
}

await fleet.stop();
await proxy.close();

console.log(
  `\nfault suite ${run}: ${EVENTS} events, ${HOSTILE} hostile records, ${WORKERS} processes × ${PER_PROCESS} workers, ${PARTITIONS} partitions`,
);
console.log(
  `clean run ${cleanSeconds.toFixed(0)} s; faulted run ${faultedSeconds.toFixed(0)} s with ${applied.join(', ')}; 10 MB value ${oversized}`,
);
console.log('hostile variant → dead-letter code:');
for (const [code, count] of [...codes].sort()) console.log(`  ${code}: ${count}`);
const width = Math.max(...checks.map((c) => c.name.length));
console.log(`| ${'check'.padEnd(width)} | result | detail`);
for (const c of checks)
  console.log(`| ${c.name.padEnd(width)} | ${c.ok ? 'pass  ' : 'FAIL  '} | ${c.detail}`);
const failed = checks.filter((c) => !c.ok).length;
console.log(`${checks.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
