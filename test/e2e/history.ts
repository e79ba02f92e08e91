/**
 * Issue 13's "done when" on a real broker: a 14-day history of CDEvents
 * v0.5.1 (12 services, staging and prod, builds, artifacts, deployments,
 * rollbacks, incidents; test/truth/history.ts) produced in time order with
 * `cdstream produce` into a 12-partition input while 3 `cdstream run` workers
 * of topologies/default.yaml run, one of them SIGKILLed and restarted
 * mid-stream. Every final window of the six metrics must equal the
 * independent computation (test/truth/dora-truth.ts), every derived incident
 * too, and the late topic must stay empty.
 *
 *   npm run build && npm run test:history [-- --seed 13 --timeout-min 15]
 *
 * Placement: the history's 14 days end at `closeAt`, the latest UTC midnight
 * at least grace + disorder + 10 min before now, so nothing lies ahead of the
 * clock (the broker refuses timestamps more than 1 h ahead) at any hour. The
 * generator's events after `closeAt` (prod deployments and resolutions that
 * spill past the 14 days, some of them ahead of the clock) are not produced.
 *
 * Closing the last day: a caught-up input partition's watermark follows the
 * wall clock from its last event time, never from "now". After a backfill, a
 * partition whose last event is hours before `closeAt` (a CI source that
 * built last in the morning) holds every reader back by that much. When the
 * watermark has not passed `closeAt` soon after the history is processed,
 * the script says who holds it back and how long it would take, then
 * produces one build.finished of a new artifact per source of the history,
 * dated 2 min ago (what the next builds would be): every used partition gets
 * a recent event. Nothing deploys those artifacts, so no window changes; the
 * oracle is given them too.
 *
 * Ends with tables and the line `history: N passed, N failed`; exit 0 only
 * when all passed. Topology, event files and worker logs stay under
 * `.local/history/<run>/`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { endOffsets, kafka } from '../../bench/lib/kafka.js';
import type { Child } from '../../bench/lib/proc.js';
import { pipelineNames, writeTopology } from '../../bench/lib/topology.js';
import { awaitCaughtUp, readToEnd, type ReadRecord } from '../../src/cli/kafka-topics.js';
import { kafkajs } from '../../src/runtime/kafka/kafkajs.js';
import { compareIncidents, compareMetrics } from '../truth/compare.js';
import {
  DEFAULT_WINDOWS,
  METRICS_TYPES,
  metricsKey,
  truthFromHistory,
  type ExpectedMetrics,
} from '../truth/dora-truth.js';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  SERVICE_NAMES,
  buildFinished,
  generateHistory,
  ociPurl,
} from '../truth/history.js';
import { within } from '../lib/within.js';
import { cli, startFleet, type Fleet } from './lib/fleet.js';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '13' },
    days: { type: 'string', default: '14' },
    services: { type: 'string', default: String(SERVICE_NAMES.length) },
    partitions: { type: 'string', default: '12' },
    workers: { type: 'string', default: '3' },
    /** how long to wait for the aggregate watermark to pass closeAt, after the last event */
    'timeout-min': { type: 'string', default: '15' },
  },
});
const SEED = Number(args.seed);
const DAYS = Number(args.days);
const SERVICES = Number(args.services);
const PARTITIONS = Number(args.partitions);
const WORKERS = Number(args.workers);
const TIMEOUT_MS = Number(args['timeout-min']) * MINUTE_MS;

// The topology's event-time settings. Grace 1 h (the default): the pause
// around the SIGKILL (session timeout, restore) and the produce runs are far
// shorter, so no event of the time-ordered history can fall below its
// partition's watermark minus the grace. Disorder 1 min: the history is
// produced in time order. Idle timeout 30 s instead of 1 h: partitions no
// source hashes to never see an event; they hold every reader at "unknown"
// for the idle timeout, and 1 h would be the test's run time. 30 s is still
// longer than workers take from "running" to the first produced record, so a
// used partition is never declared idle before its first event.
const GRACE_MS = HOUR_MS;
const DISORDER_MS = MINUTE_MS;
const IDLE = '30s';

const runStarted = performance.now();
const run = `history-${randomUUID().slice(0, 8)}`;
const workDir = new URL(`../../.local/history/${run}/`, import.meta.url).pathname;
mkdirSync(workDir, { recursive: true });
const client = kafka(run);
const env = {
  CDSTREAM_HTTP_PORT: '0',
  CDSTREAM_SHUTDOWN_TIMEOUT_MS: '30000',
};

const log = (line: string) => process.stderr.write(`[${new Date().toISOString()}] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const iso = (ms: number) => new Date(ms).toISOString();
const hours = (ms: number) => `${(ms / HOUR_MS).toFixed(1)} h`;

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}
const checks: Check[] = [];
const check = (name: string, ok: boolean, detail: string) => {
  checks.push({ name, ok, detail });
  log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
};

// --- 1. the history ----------------------------------------------------------------
const now = Date.now();
const closeAt = Math.floor((now - (GRACE_MS + DISORDER_MS + 10 * MINUTE_MS)) / DAY_MS) * DAY_MS;
const start = closeAt - DAYS * DAY_MS;
const history = generateHistory({
  seed: SEED,
  services: SERVICES,
  days: DAYS,
  partitions: PARTITIONS,
  start,
  lateEvents: 0,
  allowanceMs: DISORDER_MS,
  graceMs: GRACE_MS,
});
const inTimeOrder = [...history.events].sort((a, b) => a.time - b.time);
const produced = inTimeOrder.filter((event) => event.time < closeAt);
const spilled = inTimeOrder.length - produced.length;
const ahead = inTimeOrder.filter((event) => event.time > now).length;
const sources = [...new Set(produced.map((event) => event.source))].sort();
log(
  `${run}: seed ${SEED}, ${SERVICES} services, ${DAYS} days ${iso(start)} – ${iso(closeAt)}; ` +
    `${history.events.length} events generated, ${produced.length} produced ` +
    `(${spilled} after the ${DAYS} days left out, ${ahead} of them ahead of the clock), ` +
    `${produced.filter((e) => e.duplicateOf !== undefined).length} exact re-sends, ${sources.length} sources`,
);
check(
  'history placed behind the clock',
  produced.every((event) => event.time <= now && !event.late) &&
    closeAt <= now - GRACE_MS - DISORDER_MS - 10 * MINUTE_MS,
  `closeAt ${iso(closeAt)} is ${hours(now - closeAt)} before now; latest produced event ${iso(produced.at(-1)?.time ?? 0)}; none late`,
);

const half = Math.ceil(produced.length / 2);
const ndjson = (events: readonly { value: string }[]) =>
  events.map((event) => event.value).join('\n') + '\n';
const part1File = `${workDir}history-1.ndjson`;
const part2File = `${workDir}history-2.ndjson`;
writeFileSync(part1File, ndjson(produced.slice(0, half)));
writeFileSync(part2File, ndjson(produced.slice(half)));

// --- 2. topics, retention.ms=-1 ------------------------------------------------------
const names = pipelineNames(run);
const topologyFile = writeTopology(`${workDir}topology.yaml`, names, PARTITIONS, {
  inputs: { disorder: '1m' },
  aggregation: { grace: '1h', idleTimeout: IDLE },
  outputs: { metricsFormat: 'json' },
});

interface TopicRow {
  topic: string;
  role: string;
  partitions: number;
  cleanupPolicy: string;
  status: string;
}

async function cliOutput(
  argv: readonly string[],
): Promise<{ code: number | null; lines: string[] }> {
  const child = cli(argv, env);
  const code = await child.exited;
  return { code, lines: [...child.output] };
}

// Kafka deletes a segment once its newest record timestamp is older than
// retention.ms (7 days by default) and rolls segments every 7 days of record
// timestamps: records of a 14-day history would vanish from the input and
// from every topic that keeps event times. retention.ms=-1 keeps them all.
const described = await cliOutput(['topics', 'describe', '--topology', topologyFile, '--json']);
const plan = described.lines
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line) as TopicRow);
if (plan.length === 0)
  throw new Error(`topics describe printed no plan:\n${described.lines.join('\n')}`);
{
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: plan.map((row) => ({
        topic: row.topic,
        numPartitions: row.partitions,
        configEntries: [
          { name: 'retention.ms', value: '-1' },
          { name: 'cleanup.policy', value: row.cleanupPolicy },
        ],
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
const created = await cliOutput(['topics', 'create', '--topology', topologyFile, '--json']);
const rows = created.lines
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line) as TopicRow);
const retention = await retentionOf(plan.map((row) => row.topic));
check(
  'topics: every planned topic created beforehand, retention.ms=-1',
  created.code === 0 &&
    rows.length === plan.length &&
    rows.every((row) => row.status === 'ok') &&
    [...retention.values()].every((value) => value === '-1'),
  `${plan.length} topics (${plan.filter((r) => r.cleanupPolicy === 'compact').length} compacted changelogs), ` +
    `topics create: ${rows.filter((r) => r.status === 'ok').length} ok; retention.ms ${[...new Set(retention.values())].join(', ')}`,
);

async function retentionOf(topics: readonly string[]): Promise<Map<string, string>> {
  const admin = client.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms'],
      })),
    });
    return new Map(
      resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue ?? '(none)']),
    );
  } finally {
    await admin.disconnect();
  }
}

const internal = (role: string, suffix: string) =>
  plan.find((row) => row.role === role && row.topic.endsWith(suffix))?.topic ?? '';
const byService = internal('repartition', '-by-service-repartition');

// --- 3. metrics of the running workers ------------------------------------------------
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^(cdstream_watermark_\w+)\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g))
      if (key !== undefined && value !== undefined) labels[key] = value;
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

const urls = new Map<Child, string>();
/** The worker's metrics address, from the line it logs at start (CDSTREAM_HTTP_PORT=0). */
function urlOf(worker: Child): string | undefined {
  const known = urls.get(worker);
  if (known) return known;
  const line = worker.output.find((l) => /metrics at http:\/\/\S+\/metrics/.test(l));
  const url = line ? /metrics at (http:\/\/\S+?)\/metrics/.exec(line)?.[1] : undefined;
  if (url) urls.set(worker, url);
  return url;
}

interface Scrape {
  /** `${stage}-${partition}` → watermark (ms), the lowest any worker reports */
  readonly watermark: Map<string, number>;
  /** task → upstream tasks that hold it back */
  readonly heldBackBy: Map<string, string[]>;
  readonly held: Map<string, number>;
}

/** Largest violation/regression count any task of any worker process has shown. */
const worst = { violations: new Map<string, number>(), regressions: new Map<string, number>() };

async function scrape(fleet: Fleet): Promise<Scrape> {
  const result: Scrape = { watermark: new Map(), heldBackBy: new Map(), held: new Map() };
  await Promise.all(
    fleet.workers.map(async (worker) => {
      const url = urlOf(worker);
      if (!url) return;
      let text: string;
      try {
        const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3_000) });
        text = await response.text();
      } catch {
        return; // killed, stopping or busy: the next scrape asks again
      }
      for (const sample of parseMetrics(text)) {
        const task = `${sample.labels.stage}-${sample.labels.partition}`;
        const where = `${task} (pid ${worker.pid})`;
        if (sample.name === 'cdstream_watermark_seconds') {
          const ms = sample.value * 1000;
          result.watermark.set(task, Math.min(result.watermark.get(task) ?? Infinity, ms));
        } else if (sample.name === 'cdstream_watermark_held_back_by') {
          result.heldBackBy.set(task, [
            ...(result.heldBackBy.get(task) ?? []),
            sample.labels.upstream ?? '?',
          ]);
        } else if (sample.name === 'cdstream_watermark_held_records') {
          result.held.set(task, sample.value);
        } else if (sample.name === 'cdstream_watermark_violations') {
          worst.violations.set(where, Math.max(worst.violations.get(where) ?? 0, sample.value));
        } else if (sample.name === 'cdstream_watermark_regressions') {
          worst.regressions.set(where, Math.max(worst.regressions.get(where) ?? 0, sample.value));
        }
      }
    }),
  );
  return result;
}

/** The aggregate tasks' lowest watermark, and who holds the lowest one back. */
function aggregateProgress(s: Scrape): {
  reporting: number;
  minimum: number;
  laggard: string;
  heldBackBy: string[];
} {
  let minimum = Infinity;
  let laggard = '';
  let reporting = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const task = `aggregate-${p}`;
    const time = s.watermark.get(task);
    if (time === undefined) {
      if (minimum !== -Infinity) laggard = task;
      minimum = -Infinity;
      continue;
    }
    reporting++;
    if (time < minimum) {
      minimum = time;
      laggard = task;
    }
  }
  return { reporting, minimum, laggard, heldBackBy: s.heldBackBy.get(laggard) ?? [] };
}

/** The ingest task with the lowest watermark: where time is held back. */
function slowestIngest(s: Scrape): { task: string; time: number } | undefined {
  let slowest: { task: string; time: number } | undefined;
  for (let p = 0; p < PARTITIONS; p++) {
    const time = s.watermark.get(`ingest-${p}`);
    if (time === undefined) return { task: `ingest-${p}`, time: -Infinity };
    if (!slowest || time < slowest.time) slowest = { task: `ingest-${p}`, time };
  }
  return slowest;
}

const describeTime = (time: number) =>
  Number.isFinite(time)
    ? `${iso(time)} (closeAt ${time >= closeAt ? '+' : '−'} ${hours(Math.abs(time - closeAt))})`
    : 'unknown';

async function committedCount(groupId: string, topic: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (committed?.partitions ?? []).reduce(
      (sum, p) => sum + (p.offset === '-1' ? 0 : Number(p.offset)),
      0,
    );
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

async function produce(file: string, what: string): Promise<void> {
  const started = performance.now();
  const result = await cliOutput(['produce', '--topic', names.input, file]);
  const last = result.lines.filter((l) => l.trim() !== '').at(-1) ?? '';
  if (result.code !== 0) throw new Error(`produce of ${what} failed (${result.code}): ${last}`);
  log(`${what}: ${last} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// --- 4. workers, the history, a SIGKILL --------------------------------------------
/** the next builds, when the last day needs them to close (given to the oracle too) */
const flushEvents: { value: string; late: boolean; time: number }[] = [];
const fleet = startFleet(WORKERS, topologyFile, env, workDir);
const sampler = setInterval(() => void scrape(fleet), 2_000);
let outcome: string;
let flushed = 0;
/** without the next builds: how far the history alone left the slowest input partition behind closeAt */
let historyAloneBehind = '';
let killNote = '';
try {
  await Promise.all(fleet.workers.map((w) => w.waitForLine(/worker \d+ running /, 180_000)));
  log(`${WORKERS} workers running (pids ${fleet.workers.map((w) => w.pid).join(', ')})`);
  // SIGKILL once ingest has committed a quarter of the history, while part 1
  // may still be arriving and the join and aggregate are busy with it
  const part1 = produce(part1File, `history part 1 (${half} events)`);
  const deadline = Date.now() + 120_000;
  while ((await committedCount(`${names.appId}-ingest`, names.input)) < half / 2) {
    if (Date.now() > deadline) throw new Error('ingest committed nothing of part 1 in 120 s');
    await sleep(20);
  }
  const victim = 1 % WORKERS;
  const before = await scrape(fleet);
  const ingested = await committedCount(`${names.appId}-ingest`, names.input);
  const aggregateAt = aggregateProgress(before);
  const held = [...before.held]
    .filter(([task]) => task.startsWith('aggregate-'))
    .reduce((sum, [, n]) => sum + n, 0);
  const killedPid = fleet.workers[victim]?.pid;
  await fleet.killAndRestart(victim);
  killNote =
    `SIGKILLed worker ${victim} (pid ${killedPid}) with ${ingested} of ${produced.length} events ingested, ` +
    `the aggregate's lowest watermark at ${Number.isFinite(aggregateAt.minimum) ? iso(aggregateAt.minimum) : 'unknown'} and ${held} records held for event-time order; ` +
    `restarted as pid ${fleet.workers[victim]?.pid}`;
  log(killNote);
  await part1;
  await produce(part2File, `history part 2 (${produced.length - half} events)`);
  await fleet.workers[victim]?.waitForLine(/worker \d+ running /, 180_000);

  // (partitions no source hashes to stay empty: awaitCaughtUp skips them)
  await awaitCaughtUp(client, [{ groupId: `${names.appId}-ingest`, topic: names.input }], 600_000);
  log('ingest has committed the whole history');

  // --- 5. the watermark passes closeAt ----------------------------------------------
  let waitStarted = performance.now();
  const passed = async (limitMs: number, label: string): Promise<boolean> => {
    const until = Date.now() + limitMs;
    let lastPrint = 0;
    for (;;) {
      const s = await scrape(fleet);
      const progress = aggregateProgress(s);
      if (progress.reporting === PARTITIONS && progress.minimum >= closeAt) return true;
      if (Date.now() - lastPrint >= 10_000 || Date.now() >= until) {
        lastPrint = Date.now();
        const ingest = slowestIngest(s);
        log(
          `${label}: ${progress.reporting}/${PARTITIONS} aggregate tasks report; lowest ${progress.laggard} at ${describeTime(progress.minimum)}, held back by ${progress.heldBackBy.join(', ') || '-'}; slowest input partition ${ingest?.task ?? '?'} at ${describeTime(ingest?.time ?? -Infinity)}`,
        );
      }
      if (Date.now() >= until) return false;
      await sleep(1_000);
    }
  };
  let ok = await passed(60_000, 'history only');
  if (!ok) {
    const s = await scrape(fleet);
    const ingest = slowestIngest(s);
    const lag = ingest && Number.isFinite(ingest.time) ? closeAt - ingest.time : NaN;
    historyAloneBehind = `${ingest?.task ?? '?'} ${Number.isFinite(lag) ? hours(lag) : 'unknown'} behind closeAt`;
    log(
      `without newer events the last day closes only in about ${Number.isFinite(lag) ? hours(lag) : 'never'}: ` +
        `${ingest?.task ?? '?'} follows the clock from its last event time. Producing the next build of every source, dated 2 min ago.`,
    );
    const flushAt = Date.now() - 2 * MINUTE_MS;
    if (flushAt - DISORDER_MS - GRACE_MS < closeAt) throw new Error('flush time too early');
    const flush = sources.map((source, i) => {
      const time = flushAt + i;
      const event = buildFinished({
        id: randomUUID(),
        source,
        time,
        artifactId: ociPurl('next-build', randomBytes(32).toString('hex')),
      });
      return { value: JSON.stringify(event), late: false, time };
    });
    flushed = flush.length;
    const flushFile = `${workDir}next-builds.ndjson`;
    writeFileSync(flushFile, ndjson(flush));
    await produce(flushFile, `next builds (${flush.length} events)`);
    waitStarted = performance.now();
    ok = await passed(TIMEOUT_MS, 'after the next builds');
    flushEvents.push(...flush);
  }
  const waitedSeconds = (performance.now() - waitStarted) / 1000;
  if (ok) {
    outcome = `passed closeAt ${waitedSeconds.toFixed(1)} s after ${flushed ? 'the next builds were produced' : 'the history was ingested'}`;
    // the windows it closed are committed with the aggregate's next transaction
    const ends = await endOffsets(client, byService);
    const until = Date.now() + 120_000;
    for (;;) {
      const admin = client.admin();
      await admin.connect();
      const [committed] = await admin.fetchOffsets({
        groupId: `${names.appId}-aggregate`,
        topics: [byService],
      });
      await admin.disconnect();
      const behind = [...ends].filter(([partition, end]) => {
        const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return end > 0n && BigInt(at) < end;
      });
      if (behind.length === 0 || Date.now() > until) break;
      await sleep(200);
    }
  } else {
    const progress = aggregateProgress(await scrape(fleet));
    outcome = `did not pass closeAt within ${args['timeout-min']} min: ${progress.laggard} at ${describeTime(progress.minimum)}, held back by ${progress.heldBackBy.join(', ') || 'nobody reported'}`;
  }
} catch (error) {
  outcome = `aborted: ${error instanceof Error ? error.message : String(error)}`;
}
check('aggregate watermark passed closeAt on every task', outcome.startsWith('passed'), outcome);
await scrape(fleet);
clearInterval(sampler);

// --- 6. read the outputs and compare --------------------------------------------------
const read = async (topic: string): Promise<ReadRecord[]> =>
  within(readToEnd(client, [topic]), 120_000, `reading ${topic} to its end`);
const values = (records: readonly ReadRecord[]) =>
  records.map((r) => JSON.parse(r.message.value?.toString() ?? 'null') as unknown);

const [metricsRecords, incidentRecords, lateRecords, deadRecords] = await Promise.all([
  read(names.metrics),
  read(names.incidents),
  read(names.late),
  read(names.deadLetter),
]);
const metrics = values(metricsRecords);
const incidents = values(incidentRecords);
const truth = truthFromHistory(
  { events: [...produced, ...flushEvents], end: closeAt },
  { closeAt },
);

// final metrics events by window key, to classify each expected window
const finalsByKey = new Map<string, unknown[]>();
for (const event of metrics) {
  const e = event as { type?: string; data?: Record<string, unknown> };
  const d = e.data ?? {};
  if (d.final !== true) continue;
  const key = metricsKey(
    String(e.type),
    String(d.service),
    String(d.environment),
    String(d.window),
    Number(d.windowStartMs),
  );
  finalsByKey.set(key, [...(finalsByKey.get(key) ?? []), event]);
}
interface Tally {
  total: number;
  right: number;
  wrong: number;
  missing: number;
}
const tallies = new Map<string, Tally>();
for (const [key, want] of truth.metrics) {
  const tallyKey = `${want.window}|${key.split('|')[0] ?? ''}`;
  const tally = tallies.get(tallyKey) ?? { total: 0, right: 0, wrong: 0, missing: 0 };
  tally.total++;
  const differences = compareMetrics(
    new Map<string, ExpectedMetrics>([[key, want]]),
    finalsByKey.get(key) ?? [],
  );
  if (differences.length === 0) tally.right++;
  else if (differences.some((d) => d.startsWith('missing:'))) tally.missing++;
  else tally.wrong++;
  tallies.set(tallyKey, tally);
}
const metricDifferences = compareMetrics(truth.metrics, metrics, { closeAt });
const incidentDifferences = compareIncidents(truth.incidents, incidents);
const violations = [...worst.violations].filter(([, n]) => n > 0);
const regressions = [...worst.regressions].filter(([, n]) => n > 0);

const METRIC_NAMES: Record<string, string> = {
  [METRICS_TYPES.deploymentFrequency]: 'deployment frequency',
  [METRICS_TYPES.changeFailureRate]: 'change failure rate',
  [METRICS_TYPES.leadTime]: 'lead time',
  [METRICS_TYPES.timeToRestore]: 'time to restore',
  [METRICS_TYPES.deploymentReworkRate]: 'deployment rework rate',
  [METRICS_TYPES.failedDeploymentRecoveryTime]: 'failed deployment recovery time',
};
for (const spec of DEFAULT_WINDOWS) {
  for (const [type, label] of Object.entries(METRIC_NAMES)) {
    const t = tallies.get(`${spec.name}|${type}`) ?? { total: 0, right: 0, wrong: 0, missing: 0 };
    check(
      `${label}, final ${spec.name} windows equal the truth`,
      t.total > 0 && t.right === t.total,
      `${t.right} of ${t.total} right, ${t.wrong} wrong, ${t.missing} never emitted`,
    );
  }
}
const extra = metricDifferences.filter((d) => d.startsWith('unexpected') || d.startsWith('final '));
check(
  'no unexpected final window, none final twice',
  extra.length === 0,
  `${extra.length}${extra.length ? `: ${extra.slice(0, 2).join(' / ')}` : ''}`,
);
check(
  'derived incidents equal the truth',
  incidentDifferences.length === 0,
  `${truth.incidents.length} expected, ${incidents.length} emitted, ${incidentDifferences.length} differences`,
);
check('late topic empty', lateRecords.length === 0, `${lateRecords.length} records`);
check('dead-letter topic empty', deadRecords.length === 0, `${deadRecords.length} records`);
check(
  'cdstream_watermark_violations 0 on every task',
  violations.length === 0,
  violations.length === 0
    ? `0 (${worst.violations.size} task gauges seen)`
    : violations.map(([t, n]) => `${t}: ${n}`).join(', '),
);
check(
  'cdstream_watermark_regressions 0 on every task',
  regressions.length === 0,
  regressions.length === 0
    ? `0 (${worst.regressions.size} task gauges seen)`
    : regressions.map(([t, n]) => `${t}: ${n}`).join(', '),
);
check(
  'no worker exited by itself',
  fleet.crashes.length === 0,
  fleet.crashes.length === 0
    ? 'none'
    : fleet.crashes.map((c) => `pid ${c.pid} exit ${c.code}: ${c.lines.at(-1) ?? ''}`).join('; '),
);

// --- 7. stop, keep the logs --------------------------------------------------------
const exits = await fleet.stop();
log(`workers stopped (exit codes ${exits.join(', ')}); logs in ${workDir}`);

const seconds = (performance.now() - runStarted) / 1000;
const lines: string[] = [];
const out = (line = '') => lines.push(line);
out();
out(
  `history ${run}: seed ${SEED}, ${SERVICES} services × staging/prod, ${DAYS} days ${iso(start)} – ${iso(closeAt)} (closeAt), ` +
    `${produced.length} events produced in time order (${spilled} generated after closeAt left out), ` +
    `${PARTITIONS} partitions, ${WORKERS} workers; ${killNote}`,
);
out(
  `topology ${topologyFile}: disorder 1m, grace 1h, idleTimeout ${IDLE}; all ${plan.length} topics created beforehand with retention.ms=-1`,
);
out(
  `watermark: ${outcome}${flushed ? ` (the history alone: ${historyAloneBehind} 60 s after it was ingested, so ${flushed} next-build events dated 2 min ago were produced, one per source)` : ''}`,
);
out(
  `read: ${metricsRecords.length} metrics records (${[...finalsByKey.values()].reduce((n, l) => n + l.length, 0)} final), ${incidentRecords.length} incidents, ${lateRecords.length} late, ${deadRecords.length} dead letters`,
);
for (const spec of DEFAULT_WINDOWS) {
  out();
  out(`| metric (final ${spec.name} windows) | right | wrong | never emitted |`);
  out('|---|---|---|---|');
  for (const [type, label] of Object.entries(METRIC_NAMES)) {
    const t = tallies.get(`${spec.name}|${type}`) ?? { total: 0, right: 0, wrong: 0, missing: 0 };
    out(`| ${label} | ${t.right} of ${t.total} | ${t.wrong} | ${t.missing} |`);
  }
}
out();
out(
  `derived incidents: ${truth.incidents.length} expected, ${incidents.length} emitted; late topic: ${lateRecords.length}; ` +
    `watermark violations: ${violations.length ? violations.map(([t, n]) => `${t} ${n}`).join(', ') : 0}; ` +
    `regressions: ${regressions.length ? regressions.map(([t, n]) => `${t} ${n}`).join(', ') : 0}`,
);
const differences = [...metricDifferences, ...incidentDifferences];
if (differences.length > 0) {
  out(`first differences (${differences.length} in all):`);
  for (const d of differences.slice(0, 15)) out(`  ${d}`);
}
out();
const width = Math.max(...checks.map((c) => c.name.length));
out(`| ${'check'.padEnd(width)} | result | detail`);
for (const c of checks)
  out(`| ${c.name.padEnd(width)} | ${c.ok ? 'pass  ' : 'FAIL  '} | ${c.detail}`);
const failed = checks.filter((c) => !c.ok).length;
out(`run time ${(seconds / 60).toFixed(1)} min; logs and event files in ${workDir}`);
out(`history: ${checks.length - failed} passed, ${failed} failed`);
writeFileSync(`${workDir}result.txt`, lines.join('\n') + '\n');
console.log(lines.join('\n'));
process.exit(failed === 0 ? 0 : 1);
