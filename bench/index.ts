/**
 * cdstream against its baselines on the local broker, interleaved so that
 * machine drift cancels: kafkajs plain pipe, kafkajs transactional pipe (one
 * hop, and three hops in series in one process: the topology's Kafka traffic
 * without its work),
 * Kafka Streams (EOS v2) deployment frequency, Kafka Streams (EOS v2) in the
 * shape of the default topology, cdstream per stage and the whole pipeline
 * (one worker, and `cdstream run --workers 1|2`), and the transactional pipe
 * on @confluentinc/kafka-javascript where scripts/install-confluent-client
 * installed it. Then latency at half the measured maximum, and restore time.
 *
 *   npm run bench [-- --records 1000000 --rounds 2 --restore-keys 100000,1000000 --json --profile]
 *   npm run bench -- --only 'transactional pipe' --restore-keys ''   (a subset, by name)
 *   --skip-kafka-streams: neither Kafka Streams baseline (no Maven build);
 *   --skip-kafka-streams-pipeline: not the default-topology one (it reads the
 *   official CDEvents schemas from CDEVENTS_SPEC_DIR or shared/cdevents-spec)
 *   --runtime stateOnlyCommitInterval=100ms: the topology's runtime settings, for A/B runs
 *   --aggregation retireAfter=7d: the topology's aggregation settings, likewise
 *   --replica-sets unowned: bare ReplicaSets, each release a service of its own (churn)
 *   --latency-seconds 0: no latency phase (default 15 s per latency row)
 *   --latency-event-times live: the latency phase's events dated as they are sent (default
 *   replayed: the generator's 3 days of event time offered in --latency-seconds)
 *   --span 3d (default): the input's event times span 3 days whatever the record count, so
 *   more records are a denser history; --span scaled: 3 days per 50,000 records (and 20
 *   releases per service per 3 days), so more records are a longer history of the same density
 *
 * Figures, never assertions. Needs KAFKA_BROKERS or the local services.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import {
  buildKafkaStreams,
  kafkaStreamsPipelineInternals,
  startKafkaStreams,
  startKafkaStreamsPipeline,
} from './baselines/kafka-streams.js';
import { confluentInstalled } from './lib/confluent.js';
import { EventGenerator } from './lib/events.js';
import {
  committedOffsetsSum,
  committedPast,
  endOffsets,
  createTopics,
  deleteTopicsWithPrefix,
  kafka,
  pipeHopGroup,
  produceAll,
  readTopic,
  toMessage,
} from './lib/kafka.js';
import { measureLatency, type LatencyResult } from './lib/latency.js';
import { processCpuSeconds, startChild, TS_NODE_ARGS, type Child } from './lib/proc.js';
import { WORKER_YOUNG_GENERATION_MB } from '../src/cli/fleet-host.js';
import { bufferStoreName, changelogTopic } from '../src/runtime/topology.js';
import { parseDuration } from '../src/config/duration.js';
import { measureRestore } from './lib/restore.js';
import { formatTable, type Figure } from './lib/report.js';
import { pipelineNames, writeTopology, type PipelineNames } from './lib/topology.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '50000' },
    partitions: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '1' },
    'latency-seconds': { type: 'string', default: '15' },
    /** offer every latency row this many events/s instead of half its own maximum */
    'latency-rate': { type: 'string' },
    /** the latency phase's event times: `replayed` (3 days in its seconds) or `live` (dated as sent) */
    'latency-event-times': { type: 'string', default: 'replayed' },
    'restore-keys': { type: 'string', default: '100000' },
    'skip-kafka-streams': { type: 'boolean', default: false },
    'skip-kafka-streams-pipeline': { type: 'boolean', default: false },
    /** only the scenarios whose name matches this regular expression */
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    /** leave the run's topics on the broker (deleted at the end otherwise) */
    'keep-topics': { type: 'boolean', default: false },
    /** the input's event-time span: a duration, or `scaled` (3 days per 50,000 records) */
    span: { type: 'string', default: '3d' },
    /** the topology's runtime settings for this run, `name=value,…` (e.g. stateOnlyCommitInterval=100ms) */
    runtime: { type: 'string' },
    /** the topology's aggregation settings for this run, `name=value,…` (e.g. retireAfter=7d) */
    aggregation: { type: 'string' },
    /** `owned` (default): ReplicaSets name their Deployment; `unowned`: bare, each release a service of its own */
    'replica-sets': { type: 'string', default: 'owned' },
  },
});
/** `name=value,…` as topology settings; numbers stay numbers, so that the schema takes commitMaxRecords=20 */
function settings(text: string | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (text ?? '')
      .split(',')
      .filter((pair) => pair.includes('='))
      .map((pair) => {
        const [name = '', value = ''] = pair.split('=');
        const trimmed = value.trim();
        return [
          name.trim(),
          /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed === 'false' ? false : trimmed,
        ];
      }),
  );
}
const RUNTIME = settings(values.runtime);
const AGGREGATION = settings(values.aggregation);
if (!['owned', 'unowned'].includes(values['replica-sets'])) {
  throw new Error(`--replica-sets is owned or unowned, not ${values['replica-sets']}`);
}
if (!['replayed', 'live'].includes(values['latency-event-times'])) {
  throw new Error(
    `--latency-event-times is replayed or live, not ${values['latency-event-times']}`,
  );
}
if (!(Number(values['latency-seconds']) >= 0)) {
  throw new Error(
    `--latency-seconds is a number of seconds (0 skips latency), not ${values['latency-seconds']}`,
  );
}
const RECORDS = Number(values.records);
const PARTITIONS = Number(values.partitions);
const ROUNDS = Number(values.rounds);
const run = `bench-${randomUUID().slice(0, 8)}`;
const workDir = new URL(`../.local/bench/${run}/`, import.meta.url).pathname;
const client = kafka(run);
const WORKER = new URL('./workers/stage-worker.ts', import.meta.url).pathname;
const PIPE = new URL('./workers/pipe-worker.ts', import.meta.url).pathname;
const CONFLUENT_PIPE = new URL('./workers/confluent-pipe-worker.ts', import.meta.url).pathname;
const CONFLUENT_EOS = new URL('./workers/confluent-eos-worker.ts', import.meta.url).pathname;
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const only = values.only === undefined ? undefined : new RegExp(values.only);

/** The newest modification time of the files under `dir` whose names end with `suffix`, ms. */
function newestFile(dir: string, suffix: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(suffix)) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/**
 * The `cdstream run` rows run the build, not the sources: a build older than
 * the sources would measure code that is no longer there, without a word.
 */
function requireCurrentBuild(): void {
  const src = new URL('../src/', import.meta.url).pathname;
  const dist = new URL('../dist/', import.meta.url).pathname;
  if (!existsSync(CLI) || newestFile(dist, '.js') < newestFile(src, '.ts')) {
    throw new Error(
      `the build in ${dist} is missing or older than src/; the \`cdstream run\` rows would measure it: npm run build first (or leave them out with --only)`,
    );
  }
}
if ([1, 2].some((workers) => !only || only.test(`cdstream run --workers ${workers}`)))
  requireCurrentBuild();

/** Events in a topic: records with a value (not transaction markers or watermark records). */
async function countRecords(topic: string): Promise<number> {
  let events = 0;
  await readTopic(client, topic, `${run}-count-${topic}`, (record) => {
    if (record.value !== null) events++;
  });
  return events;
}

interface Measured {
  readonly events: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly rssMb: number;
  /** CPU seconds the local broker spent meanwhile; undefined when the broker is not local */
  readonly brokerCpuSeconds?: number | undefined;
}

/** The local broker's pid (scripts/services), or CDSTREAM_KAFKA_PID; undefined elsewhere. */
function localBrokerPid(): number | undefined {
  const fromEnv = process.env.CDSTREAM_KAFKA_PID;
  if (fromEnv) return Number(fromEnv);
  const file = new URL('../.local/services/run/kafka.pid', import.meta.url).pathname;
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && processCpuSeconds(pid) > 0 ? pid : undefined;
}
const brokerPid = localBrokerPid();
const brokerCpu = (): number | undefined =>
  brokerPid === undefined ? undefined : processCpuSeconds(brokerPid);

/** Starts a process, times it from ready until its groups, in pipeline order, committed their inputs. */
async function measure(
  child: Child,
  ready: RegExp,
  groups: readonly (readonly [string, string])[],
  events: number,
): Promise<Measured> {
  try {
    await child.waitForLine(ready, 300_000);
    const cpuBefore = child.cpuSeconds();
    const brokerBefore = brokerCpu();
    const started = performance.now();
    // A worker may process before the ready line: `cdstream run --workers 2` logs it once
    // every thread runs, and the first had committed a quarter of a 200k input by then.
    // What the first stage had committed is left out of the events measured.
    const [firstGroup, firstInput] = groups[0] ?? [];
    const headStart =
      firstGroup === undefined || firstInput === undefined
        ? 0
        : await committedOffsetsSum(client, firstGroup, firstInput);
    if (headStart > 0) {
      process.stderr.write(
        `(${headStart} of ${events} records were committed before the ready line, left out) `,
      );
    }
    // each stage's input as it stood when the stage before it had finished
    for (const [group, topic] of groups) {
      await committedPast(client, group, topic, await endOffsets(client, topic));
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      events: events - headStart,
      seconds,
      cpuSeconds: child.cpuSeconds() - cpuBefore,
      rssMb: child.peakRssMb(),
      brokerCpuSeconds: brokerBefore === undefined ? undefined : (brokerCpu() ?? 0) - brokerBefore,
    };
  } finally {
    await child.stop('SIGTERM');
  }
}

/** node's flags for a cdstream worker, as the CLI's shebang and the image's ENTRYPOINT give them */
const WORKER_NODE_FLAGS = [`--max-semi-space-size=${WORKER_YOUNG_GENERATION_MB / 2}`];

function stageWorker(
  topology: string,
  stage: string,
  input?: string,
  profile = false,
  profileDir = stage,
): Child {
  const profiling = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${workDir}profiles/${profileDir}`]
    : [];
  return startChild(process.execPath, [
    ...TS_NODE_ARGS,
    ...WORKER_NODE_FLAGS,
    ...profiling,
    WORKER,
    '--topology',
    topology,
    '--stage',
    stage,
    ...(input ? ['--input', input] : []),
  ]);
}

const localKafkaDataDir = new URL('../.local/services/kafka/data', import.meta.url).pathname;

/** The product as users run it: `cdstream run --workers N`, from the build. */
function cdstreamRun(topology: string, workers: number, profile = false): Child {
  const profiling = profile ? ['--cpu-prof', `--cpu-prof-dir=${workDir}profiles`] : [];
  return startChild(
    process.execPath,
    [
      ...WORKER_NODE_FLAGS,
      ...profiling,
      CLI,
      'run',
      '--topology',
      topology,
      '--workers',
      String(workers),
    ],
    { CDSTREAM_HTTP_PORT: '0', LOG_LEVEL: 'info' },
  );
}

function pipe(mode: string, input: string, output: string, group: string): Child {
  return startChild(process.execPath, [
    ...TS_NODE_ARGS,
    PIPE,
    '--mode',
    mode,
    '--input',
    input,
    '--output',
    output,
    '--group',
    group,
  ]);
}

function confluentPipe(
  input: string,
  output: string,
  group: string,
  producers: 'partition' | 'one',
): Child {
  return startChild(process.execPath, [
    ...TS_NODE_ARGS,
    CONFLUENT_PIPE,
    '--input',
    input,
    '--output',
    output,
    '--group',
    group,
    '--producers',
    producers,
  ]);
}

function confluentEosPipe(input: string, output: string, group: string): Child {
  return startChild(process.execPath, [
    ...TS_NODE_ARGS,
    CONFLUENT_EOS,
    ...['--input', input, '--output', output, '--group', group],
  ]);
}

/** A topology copy of its own; on the shared input topic unless `ownInput`. */
async function newPipeline(
  name: string,
  ownInput = false,
): Promise<{ names: PipelineNames; file: string }> {
  const appId = `${run}-${name}`;
  const names = pipelineNames(appId, ownInput ? undefined : input);
  const file = writeTopology(`${workDir}${name}.yaml`, names, PARTITIONS, {
    runtime: RUNTIME,
    aggregation: AGGREGATION,
  });
  await createTopics(client, [names.input], PARTITIONS);
  return { names, file };
}

// --- the data: one input topic every throughput scenario reads ---------------
/** The generator's span and releases: `scaled` keeps the density of 50,000 records in 3 days. */
function inputSpan(): { spanMs: number; releases: number } {
  const threeDays = 3 * 86_400_000;
  if (values.span !== 'scaled') {
    const spanMs = parseDuration(values.span);
    return { spanMs, releases: 20 };
  }
  const spanMs = Math.max(1, Math.round((RECORDS / 50_000) * threeDays));
  return { spanMs, releases: Math.max(1, Math.round((20 * spanMs) / threeDays)) };
}
const INPUT_SPAN = inputSpan();
const input = `${run}-input`;
await createTopics(client, [input], PARTITIONS);
// 0.1% of the events are late on purpose: the pipeline's late topic must hold exactly those
const generator = new EventGenerator(RECORDS, {
  run,
  lateShare: 0.001,
  ...INPUT_SPAN,
  unownedReplicaSets: values['replica-sets'] === 'unowned',
});
let lateOnPurpose = 0;
let badOnPurpose = 0;
const produceStarted = performance.now();
await produceAll(
  client,
  input,
  (function* () {
    for (const record of generator.records()) {
      if (record.late) lateOnPurpose++;
      if (record.kind === 'bad') badOnPurpose++;
      yield toMessage(record);
    }
  })(),
);
const produceSeconds = (performance.now() - produceStarted) / 1000;
process.stderr.write(`produced ${RECORDS} records in ${produceSeconds.toFixed(1)} s\n`);
const KAFKA_STREAMS = 'Kafka Streams deployment frequency, EOS v2 (baseline)';
const KAFKA_STREAMS_PIPELINE = 'Kafka Streams default-topology pipeline, EOS v2 (baseline)';
const KAFKA_STREAMS_PIPELINE_ONE_THREAD =
  'Kafka Streams default-topology pipeline, EOS v2, 1 stream thread (baseline)';
const kafkaStreamsReady =
  values['skip-kafka-streams'] ||
  (only &&
    ![KAFKA_STREAMS, KAFKA_STREAMS_PIPELINE, KAFKA_STREAMS_PIPELINE_ONE_THREAD].some((name) =>
      only.test(name),
    ))
    ? undefined
    : buildKafkaStreams(!values['skip-kafka-streams-pipeline']);

// --- the scenarios, each a fresh application/group on the same input ---------
let prep: PipelineNames | undefined;
/** late records of each pipeline round */
const lateCounts: number[] = [];
/** records the pipeline's event-time buffers spilled to their changelogs, per round */
const spilledCounts: number[] = [];

/**
 * Held records a stage spilled (wrote to its buffer's changelog) during a
 * run: each one cost a changelog write, and a stage's committed offset may
 * pass it before it is released downstream, which measure()'s end does not see.
 */
async function spilledRecords(appId: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  const topics = await admin.listTopics().finally(() => admin.disconnect());
  let spilled = 0;
  for (const stage of ['ingest', 'join', 'aggregate']) {
    const buffer = changelogTopic(appId, bufferStoreName(stage));
    if (topics.includes(buffer)) spilled += await countRecords(buffer);
  }
  return spilled;
}
/** bytes written to the pipeline's changelog topics per input record, per pipeline round */
const changelogBytesPerEvent: number[] = [];

/**
 * Bytes in the log segments of an application's changelog topics, read from
 * the local broker's data directory (the bench's broker; undefined elsewhere).
 */
function changelogBytes(appId: string): number | undefined {
  const dataDir = process.env.CDSTREAM_KAFKA_DATA_DIR ?? localKafkaDataDir;
  if (!existsSync(dataDir)) return undefined;
  const changelog = new RegExp(`^${appId.replace(/[.-]/g, '\\$&')}-.+-changelog-\\d+$`);
  let bytes = 0;
  for (const dir of readdirSync(dataDir)) {
    if (!changelog.test(dir)) continue;
    for (const file of readdirSync(`${dataDir}/${dir}`)) {
      if (file.endsWith('.log')) bytes += statSync(`${dataDir}/${dir}/${file}`).size;
    }
  }
  return bytes;
}

function noteChangelogBytes(appId: string): void {
  const bytes = changelogBytes(appId);
  if (bytes !== undefined) changelogBytesPerEvent.push(Math.round(bytes / RECORDS));
}
/** dead letters of each Kafka Streams pipeline round */
const kafkaStreamsDeadLetters: number[] = [];
type Scenario = (round: number) => Promise<Measured>;

/** A pipe worker's scenario: `hops` outputs in series, timed until every hop's group committed its input. */
function pipeScenario(mode: string, tag: string, hops: number): Scenario {
  return async (round) => {
    const outputs = Array.from(
      { length: hops },
      (_, hop) => `${run}-${tag}-out${hop + 1}-${round}`,
    );
    await createTopics(client, outputs, PARTITIONS);
    const group = `${run}-${tag}-${round}`;
    return measure(
      pipe(mode, input, outputs.join(','), group),
      /ready/,
      outputs.map((_, index): [string, string] => [
        pipeHopGroup(group, index, hops),
        index === 0 ? input : (outputs[index - 1] as string),
      ]),
      RECORDS,
    );
  };
}
const scenarios: [string, Scenario][] = [
  ['kafkajs plain pipe (baseline)', pipeScenario('plain', 'plain', 1)],
  [
    'cdstream pipeline, 1 worker',
    async (round) => {
      const { names, file } = await newPipeline(`pipeline-${round}`);
      const child = stageWorker(file, 'pipeline', undefined, values.profile && round === 0);
      const measured = await measure(
        child,
        /"ready"/,
        [
          [`${names.appId}-ingest`, input],
          [`${names.appId}-join`, names.repartition],
          [`${names.appId}-aggregate`, names.byService],
        ],
        RECORDS,
      );
      lateCounts.push(await countRecords(names.late));
      spilledCounts.push(await spilledRecords(names.appId));
      noteChangelogBytes(names.appId);
      prep ??= names;
      return measured;
    },
  ],
  ...[1, 2].map((workers): [string, Scenario] => [
    `cdstream run --workers ${workers}`,
    async (round) => {
      const { names, file } = await newPipeline(`run-w${workers}-${round}`);
      const child = cdstreamRun(file, workers);
      const measured = await measure(
        child,
        /workers in process \d+ running|"msg":"worker \d+ running/,
        [
          [`${names.appId}-ingest`, input],
          [`${names.appId}-join`, names.repartition],
          [`${names.appId}-aggregate`, names.byService],
        ],
        RECORDS,
      );
      lateCounts.push(await countRecords(names.late));
      return measured;
    },
  ]),
  ['kafkajs transactional pipe (baseline)', pipeScenario('transactional', 'txn', 1)],
  [
    'kafkajs one-transaction pipe (EOS v2 shape, unfenced)',
    pipeScenario('one-transaction', 'one', 1),
  ],
  ['kafkajs one-transaction pipe, three hops', pipeScenario('one-transaction', 'one3', 3)],
  ['kafkajs transactional pipe, three hops (baseline)', pipeScenario('transactional', 'txn3', 3)],
  [
    'cdstream ingest alone',
    async (round) => {
      const { names, file } = await newPipeline(`ingest-${round}`);
      return measure(
        stageWorker(file, 'ingest', undefined, values.profile && round === 0),
        /"ready"/,
        [[`${names.appId}-ingest`, input]],
        RECORDS,
      );
    },
  ],
  [
    'cdstream join alone',
    async (round) => {
      if (!prep) throw new Error('the pipeline scenario runs first');
      const { names, file } = await newPipeline(`join-${round}`);
      const events = await countRecords(prep.repartition);
      return measure(
        stageWorker(file, 'join', prep.repartition, values.profile && round === 0),
        /"ready"/,
        [[`${names.appId}-join`, prep.repartition]],
        events,
      );
    },
  ],
  [
    'cdstream aggregate alone',
    async (round) => {
      if (!prep) throw new Error('the pipeline scenario runs first');
      const { names, file } = await newPipeline(`aggregate-${round}`);
      const events = await countRecords(prep.byService);
      return measure(
        stageWorker(file, 'aggregate', prep.byService, values.profile && round === 0),
        /"ready"/,
        [[`${names.appId}-aggregate`, prep.byService]],
        events,
      );
    },
  ],
];
if (confluentInstalled()) {
  // right after the kafkajs transactional pipe, so the two alternate round by round
  const after = scenarios.findIndex(([name]) => name === 'kafkajs transactional pipe (baseline)');
  const confluentRow =
    (producers: 'partition' | 'one'): Scenario =>
    async (round) => {
      const output = `${run}-confluent-${producers}-out-${round}`;
      await createTopics(client, [output], PARTITIONS);
      const group = `${run}-confluent-${producers}-${round}`;
      return measure(
        confluentPipe(input, output, group, producers),
        /ready/,
        [[group, input]],
        RECORDS,
      );
    };
  scenarios.splice(
    after + 1,
    0,
    ['confluent transactional pipe (baseline)', confluentRow('partition')],
    ['confluent transactional pipe, one producer', confluentRow('one')],
    [
      'confluent EOS v2 pipe, one transaction per poll',
      async (round) => {
        const output = `${run}-confluent-eos-out-${round}`;
        await createTopics(client, [output], PARTITIONS);
        const group = `${run}-confluent-eos-${round}`;
        return measure(confluentEosPipe(input, output, group), /ready/, [[group, input]], RECORDS);
      },
    ],
  );
} else {
  process.stderr.write(
    'no confluent rows: @confluentinc/kafka-javascript is not installed (scripts/install-confluent-client)\n',
  );
}
if (kafkaStreamsReady) {
  scenarios.splice(2, 0, [
    KAFKA_STREAMS,
    async (round) => {
      const appId = `${run}-kstreams-${round}`;
      const output = `${appId}-out`;
      await createTopics(client, [output], PARTITIONS);
      const jar = await kafkaStreamsReady;
      return measure(
        startKafkaStreams(jar, appId, input, output),
        /"running"/,
        [[appId, input]],
        RECORDS,
      );
    },
  ]);
  if (!values['skip-kafka-streams-pipeline']) {
    // 2 stream threads (the baseline as it always ran: both cores) and 1, like one cdstream worker's one thread
    const kafkaStreamsPipeline = (threads: number) => async (round: number) => {
      const appId = `${run}-kstreams-pipeline-${threads}t-${round}`;
      const topics = {
        input,
        deadLetter: `${appId}.dlq`,
        enriched: `${appId}.enriched`,
        metrics: `${appId}.metrics`,
        partitions: PARTITIONS,
      };
      await createTopics(client, [topics.deadLetter, topics.enriched, topics.metrics], PARTITIONS);
      const jar = await kafkaStreamsReady;
      const internal = kafkaStreamsPipelineInternals(appId);
      const measured = await measure(
        startKafkaStreamsPipeline(jar, appId, topics, threads),
        /"running"/,
        [
          [appId, input],
          [appId, internal.byArtifact],
          [appId, internal.byService],
        ],
        RECORDS,
      );
      kafkaStreamsDeadLetters.push(await countRecords(topics.deadLetter));
      return measured;
    };
    scenarios.splice(
      3,
      0,
      [KAFKA_STREAMS_PIPELINE, kafkaStreamsPipeline(2)],
      [KAFKA_STREAMS_PIPELINE_ONE_THREAD, kafkaStreamsPipeline(1)],
    );
  }
}

/**
 * A round's topics, once measured, except what later rounds read (the input,
 * and the first pipeline's internal topics the stages alone read): at 1M
 * records a round wrote about 40 GB, and two rounds filled this machine's
 * disk and stopped the broker.
 */
async function deleteRoundTopics(): Promise<void> {
  if (values['keep-topics']) return;
  const keep = new Set([input, ...(prep ? [prep.repartition, prep.byService] : [])]);
  const deleted = await deleteTopicsWithPrefix(client, run, keep);
  process.stderr.write(`deleted the round's ${deleted} topics\n`);
}

const samples = new Map<string, Measured[]>();
const chosen = scenarios.filter(([name]) => !only || only.test(name));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, scenario] of chosen) {
    process.stderr.write(`round ${round + 1}/${ROUNDS}: ${name} ... `);
    const measured = await scenario(round);
    process.stderr.write(`${Math.round(measured.events / measured.seconds)} events/s\n`);
    samples.set(name, [...(samples.get(name) ?? []), measured]);
  }
  await deleteRoundTopics();
}

/** The median of the rounds by throughput. */
function median(list: readonly Measured[]): Measured {
  const sorted = [...list].sort((a, b) => a.events / a.seconds - b.events / b.seconds);
  return sorted[Math.floor(sorted.length / 2)] as Measured;
}
const best = new Map([...samples].map(([name, list]) => [name, median(list)]));
const rate = (name: string) => {
  const m = best.get(name);
  return m ? m.events / m.seconds : NaN;
};

// --- latency at half the maximum ----------------------------------------------
/** CPU seconds per million events offered while latency was measured, of the process and the broker */
interface LatencyCosts {
  readonly cpuSPerM: number;
  readonly brokerCpuSPerM: number | undefined;
}
const latency = new Map<string, LatencyResult & LatencyCosts>();
const latencySeconds = Number(values['latency-seconds']);
const latencyRate =
  values['latency-rate'] === undefined ? undefined : Number(values['latency-rate']);
async function latencyOf(
  name: string,
  start: (names: PipelineNames, file: string) => Child,
  output: (n: PipelineNames) => string,
  validOnly: boolean,
  /** topics between the process's hops, created with its output */
  hopTopics: (n: PipelineNames) => string[] = () => [],
) {
  // --latency-seconds 0 skips the phase (it used to run the 100-record minimum and divide by 0 seconds)
  if (!best.has(name) || latencySeconds <= 0) return;
  const { names, file } = await newPipeline(`latency-${latency.size}`, true);
  await createTopics(client, [...hopTopics(names), output(names)], PARTITIONS);
  const child = start(names, file);
  try {
    await child.waitForLine(/ready/, 300_000);
    process.stderr.write(`latency: ${name} ... `);
    const cpuBefore = child.cpuSeconds();
    const brokerBefore = brokerCpu();
    const result = await measureLatency({
      client,
      run: `${names.appId}-lat`,
      input: names.input,
      output: output(names),
      ratePerSecond: latencyRate ?? rate(name) / 2,
      seconds: latencySeconds,
      validOnly,
      eventTimes: values['latency-event-times'] === 'live' ? 'live' : 'replayed',
    });
    const perMillionOffered = (seconds: number) =>
      Number(((seconds / (result.offered_per_s * latencySeconds)) * 1e6).toFixed(1));
    const costs: LatencyCosts = {
      cpuSPerM: perMillionOffered(child.cpuSeconds() - cpuBefore),
      brokerCpuSPerM:
        brokerBefore === undefined
          ? undefined
          : perMillionOffered((brokerCpu() ?? 0) - brokerBefore),
    };
    process.stderr.write(
      `p50 ${result.p50} ms, p99 ${result.p99} ms (${result.seen}/${result.expected})\n`,
    );
    latency.set(name, { ...result, ...costs });
  } finally {
    await child.stop('SIGTERM');
  }
}
await latencyOf(
  'kafkajs plain pipe (baseline)',
  (n) => pipe('plain', n.input, `${n.appId}-out`, `${n.appId}-pipe`),
  (n) => `${n.appId}-out`,
  false,
);
await latencyOf(
  'kafkajs transactional pipe (baseline)',
  (n) => pipe('transactional', n.input, `${n.appId}-out`, `${n.appId}-pipe`),
  (n) => `${n.appId}-out`,
  false,
);
for (const [name, mode] of [
  ['kafkajs transactional pipe, three hops (baseline)', 'transactional'],
  ['kafkajs one-transaction pipe, three hops', 'one-transaction'],
] as const) {
  const hops = (n: PipelineNames) => [1, 2, 3].map((hop) => `${n.appId}-out${hop}`);
  await latencyOf(
    name,
    (n) => pipe(mode, n.input, hops(n).join(','), `${n.appId}-pipe`),
    (n) => `${n.appId}-out3`,
    false,
    (n) => hops(n).slice(0, 2),
  );
}
await latencyOf(
  'confluent transactional pipe (baseline)',
  (n) => confluentPipe(n.input, `${n.appId}-out`, `${n.appId}-pipe`, 'partition'),
  (n) => `${n.appId}-out`,
  false,
);
await latencyOf(
  'confluent EOS v2 pipe, one transaction per poll',
  (n) => confluentEosPipe(n.input, `${n.appId}-out`, `${n.appId}-pipe`),
  (n) => `${n.appId}-out`,
  false,
);
await latencyOf(
  'cdstream pipeline, 1 worker',
  (_n, file) => stageWorker(file, 'pipeline', undefined, values.profile, 'pipeline-latency'),
  (n) => n.enriched,
  true,
);
await latencyOf(
  'cdstream ingest alone',
  (_n, file) => stageWorker(file, 'ingest'),
  (n) => n.repartition,
  true,
);

// --- restore --------------------------------------------------------------------
const restores: Figure[] = [];
const restoreKeys = values['restore-keys'].split(',').filter((keys) => keys.trim() !== '');
for (const keys of restoreKeys.map(Number)) {
  process.stderr.write(`restore ${keys} keys ... `);
  const { records, ms } = await measureRestore(run, keys, PARTITIONS);
  process.stderr.write(`${ms} ms\n`);
  restores.push({
    name: `restore ${keys} keys of window state (reference topology)`,
    events: records,
    seconds: ms / 1000,
    events_per_s: Math.round(records / (ms / 1000)),
    ratio_to: {},
    latency_ms: null,
    rss_mb: Math.round(process.memoryUsage().rss / 1e6),
    cpu_s_per_m_events: null,
  });
}

// --- report ------------------------------------------------------------------------
const baselines = [...best.keys()].filter((name) => name.endsWith('(baseline)'));
const figures: Figure[] = [...best].map(([name, m]) => {
  const lat = latency.get(name);
  return {
    name,
    events: m.events,
    seconds: Number(m.seconds.toFixed(2)),
    events_per_s: Math.round(m.events / m.seconds),
    ratio_to: Object.fromEntries(
      baselines
        .filter((b) => b !== name)
        .map((b) => [
          b.replace(' (baseline)', ''),
          Number((m.events / m.seconds / rate(b)).toFixed(3)),
        ]),
    ),
    latency_ms: lat
      ? {
          p50: lat.p50,
          p99: lat.p99,
          offered_per_s: lat.offered_per_s,
          cpu_s_per_m_offered: lat.cpuSPerM,
          broker_cpu_s_per_m_offered: lat.brokerCpuSPerM ?? null,
        }
      : null,
    rss_mb: m.rssMb,
    cpu_s_per_m_events: Number(((m.cpuSeconds / m.events) * 1e6).toFixed(1)),
    broker_cpu_s_per_m_events:
      m.brokerCpuSeconds === undefined
        ? null
        : Number(((m.brokerCpuSeconds / m.events) * 1e6).toFixed(1)),
  };
});
figures.push(...restores);

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB`;
console.log(
  `cdstream benchmark ${new Date().toISOString()}: ${RECORDS} records (avg ${Math.round(generator.averageBytes)} B, event times over ${(INPUT_SPAN.spanMs / 86_400_000).toFixed(1)} days${values.span === 'scaled' ? ', scaled' : ''}), ${PARTITIONS} partitions, ${ROUNDS} round(s), ${machine}`,
);
console.log(formatTable(figures));
for (const [name, lat] of latency) {
  console.log(
    `latency ${name}: offered ${lat.offered_per_s}/s, ${lat.seen}/${lat.expected} outputs seen; CPU s per M offered: process ${lat.cpuSPerM}, broker ${lat.brokerCpuSPerM ?? 'n/a'}`,
  );
}
if (changelogBytesPerEvent.length > 0)
  console.log(
    `changelog bytes per input event, cdstream pipeline, 1 worker: ${changelogBytesPerEvent.join(', ')} per round`,
  );
if (lateCounts.length > 0)
  console.log(
    `late records, cdstream pipeline: ${lateCounts.join(', ')} per round; the generator made ${lateOnPurpose} late on purpose (${lateCounts.every((n) => n === lateOnPurpose) ? 'equal' : 'NOT EQUAL'})${INPUT_SPAN.spanMs > 7 * 86_400_000 ? "; late records carry their event time, so those older than the late topic's retention (7 days by default) may already be deleted by the broker" : ''}`,
  );
if (spilledCounts.length > 0)
  console.log(
    `records spilled by the event-time buffers, cdstream pipeline, 1 worker: ${spilledCounts.join(', ')} per round`,
  );
if (kafkaStreamsDeadLetters.length > 0) {
  console.log(
    `dead letters, Kafka Streams default-topology pipelines: ${kafkaStreamsDeadLetters.join(', ')} per run; the generator made ${badOnPurpose} bad records (${kafkaStreamsDeadLetters.every((n) => n === badOnPurpose) ? 'equal' : 'NOT EQUAL'})`,
  );
}
if (values.json) {
  const file = new URL('./results/latest.json', import.meta.url).pathname;
  mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        input: { records: RECORDS, span: values.span, spanMs: INPUT_SPAN.spanMs },
        figures,
        late: { pipeline: lateCounts, onPurpose: lateOnPurpose },
        changelogBytesPerEvent,
        spilledRecords: spilledCounts,
        deadLetters: { kafkaStreamsPipeline: kafkaStreamsDeadLetters, badOnPurpose },
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${file}`);
}
if (values.profile)
  console.log(
    `CPU profiles of the stage workers (pipeline, ingest, join, aggregate; pipeline-latency: the pipeline while its latency was measured): ${workDir}profiles/`,
  );
if (!values['keep-topics']) {
  console.log(
    `deleted the run's ${await deleteTopicsWithPrefix(client, run)} topics (--keep-topics keeps them)`,
  );
}
process.exit(0);
