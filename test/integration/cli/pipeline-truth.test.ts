/**
 * Issue 13's "a handful on the real pipeline on Kafka": generated delivery
 * histories (test/truth/history.ts) go through the whole default pipeline
 * (ingest → join → aggregate) on the broker, in this process, and every final
 * window, every derived incident and the late topic must equal the
 * independent computation of test/truth (which shares nothing with src/).
 * test/unit/truth/pipeline-against-truth.test.ts runs many more cases on the
 * in-memory driver; `npm run test:history` runs a long one on 3 workers.
 *
 * Placement: each history starts at the UTC midnight 5 days before `closeAt`,
 * the latest UTC midnight at least grace + disorder + 10 min before now, and
 * only its events before `closeAt` are produced (the generator's prod
 * deployments and resolutions that spill further, some of them ahead of the
 * clock, are not); the truth gets exactly what was produced. The history is
 * in its input partitions (the generator's, by number) before the worker
 * starts, as a team loads its history.
 *
 * Closing the last day: a caught-up input partition's watermark follows the
 * clock from its last event time, which for a history is days old. So once
 * the worker runs, one build.finished of a never-deployed artifact per source
 * of the history, dated 2 min ago, moves every used partition to now; the
 * truth gets those too (they change no window). Partitions no source hashes
 * to idle after the idle timeout.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { readToEnd, type ReadRecord } from '../../../src/cli/kafka-topics.js';
import { buildTopology } from '../../../src/config/pipeline.js';
import { runnerSettingsOf } from '../../../src/config/runner-settings.js';
import type { TopologyConfig } from '../../../src/config/topology-config.js';
import { loadTopologyFile } from '../../../src/config/topology-file.js';
import { KafkajsTransport } from '../../../src/runtime/kafka/kafkajs-transport.js';
import type { Kafka } from '../../../src/runtime/kafka/kafkajs.js';
import { planTopics } from '../../../src/runtime/topic-plan.js';
import { TopologyNames } from '../../../src/runtime/topology.js';
import { StreamWorker } from '../../../src/runtime/worker.js';
import { compareIncidents, compareMetrics } from '../../truth/compare.js';
import { truthFromHistory } from '../../truth/dora-truth.js';
import {
  DAY_MS,
  MINUTE_MS,
  buildFinished,
  byPartition,
  generateHistory,
  lateMarks,
  ociPurl,
  partitionOf,
} from '../../truth/history.js';
import { kafka } from '../setup/clients.js';
import { within } from '../../lib/within.js';

/**
 * Seeds whose cut at closeAt keeps both late events late, with exact re-sends
 * and derived failure-burst incidents among them (seeds 2, 3 and 11 lose a
 * late event's reason to the cut).
 */
const SEEDS = [1, 5, 12];
const SERVICES = 3;
const DAYS = 4;
const PARTITIONS = 6;
const LATE_EVENTS = 2;
/** the generator's defaults: 10 min disorder inside a partition, 1 h grace */
const ALLOWANCE_MS = 10 * MINUTE_MS;
const GRACE_MS = 60 * MINUTE_MS;
/** partitions no source hashes to hold every reader at "unknown" this long */
const IDLE_TIMEOUT_MS = 3_000;
const STRUCTURED = { 'content-type': 'application/cloudevents+json' };

interface Produced {
  readonly partition: number;
  readonly key: string;
  readonly value: string;
  readonly id: string;
  readonly source: string;
  readonly time: number;
  readonly late: boolean;
}

/** One seed's history, placed behind the clock, as it is produced (partition by partition, in delivery order). */
function placedHistory(seed: number, now: number) {
  const closeAt = Math.floor((now - (GRACE_MS + ALLOWANCE_MS + 10 * MINUTE_MS)) / DAY_MS) * DAY_MS;
  const history = generateHistory({
    seed,
    services: SERVICES,
    days: DAYS,
    partitions: PARTITIONS,
    lateEvents: LATE_EVENTS,
    allowanceMs: ALLOWANCE_MS,
    graceMs: GRACE_MS,
    start: closeAt - 5 * DAY_MS,
  });
  const lanes = byPartition(history).map((lane) => lane.filter((event) => event.time < closeAt));
  // dropping the spill after closeAt may not change which events are late
  const produced: Produced[] = lanes.flatMap((lane) => {
    const marks = lateMarks(lane, ALLOWANCE_MS, GRACE_MS);
    return lane.map((event, i) => ({ ...event, late: marks[i] ?? false }));
  });
  const lateOnPurpose = history.events.filter((event) => event.late).map((event) => event.id);
  return { closeAt, produced, lateOnPurpose };
}

/** The default topology under fresh names, with the history's allowance and grace. */
function configFor(runId: string): TopologyConfig {
  const base = loadTopologyFile('topologies/default.yaml');
  const prefix = `cdstream.truth.${runId}`;
  return {
    ...base,
    applicationId: `cdstream-truth-${runId}`,
    inputs: {
      ...base.inputs,
      topics: [`${prefix}.in`],
      partitions: PARTITIONS,
      disorderMs: ALLOWANCE_MS,
    },
    aggregation: { ...base.aggregation, graceMs: GRACE_MS, idleTimeoutMs: IDLE_TIMEOUT_MS },
    outputs: {
      ...base.outputs,
      deadLetter: `${prefix}.dlq`,
      enriched: `${prefix}.enriched`,
      metrics: `${prefix}.metrics`,
      incidents: `${prefix}.incidents`,
      late: `${prefix}.late`,
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The input and every topic the worker would create, all with retention.ms=-1; returns their names. */
async function createTopics(client: Kafka, config: TopologyConfig): Promise<string[]> {
  const input = config.inputs.topics[0] ?? '';
  const plan = planTopics(
    new TopologyNames(buildTopology(config)),
    new Map([[input, config.inputs.partitions]]),
  );
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION while the
      // broker is still creating several topics: ask until every partition has a leader
      waitForLeaders: false,
      topics: [{ name: input, partitions: config.inputs.partitions }, ...plan.topics].map(
        (topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          configEntries: [
            ...Object.entries('config' in topic ? (topic.config ?? {}) : {}).map(
              ([name, value]) => ({ name, value }),
            ),
            { name: 'retention.ms', value: '-1' },
          ],
        }),
      ),
    });
    const names = [input, ...plan.topics.map((topic) => topic.name)];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await admin
        .fetchTopicMetadata({ topics: names })
        .then(({ topics }) =>
          topics.every((topic) => topic.partitions.every((partition) => partition.leader >= 0)),
        )
        .catch(() => false);
      if (ready) break;
      if (Date.now() > deadline)
        throw new Error(`topics of ${config.applicationId} have no leaders after 30 s`);
      await sleep(100);
    }
    return names;
  } finally {
    await admin.disconnect();
  }
}

/**
 * A run leaves nothing on the broker: a local broker that keeps every test's
 * topics runs out of file descriptors (one per partition) after some
 * thousands of them, and each run of this test creates about 250 partitions.
 */
async function deleteTopics(client: Kafka, topics: readonly string[]): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics], timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

async function produce(client: Kafka, topic: string, events: readonly Produced[]): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  try {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const lane = events.filter((event) => event.partition === partition);
      if (lane.length === 0) continue;
      await producer.send({
        topic,
        messages: lane.map((event) => ({
          key: event.key,
          value: event.value,
          partition,
          timestamp: String(event.time),
          headers: STRUCTURED,
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Resolves when every aggregate task's watermark is at or past `time`; polls every 100 ms. */
async function aggregateReached(
  worker: StreamWorker,
  time: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failure: Error | undefined;
  void worker.failed.then((error) => {
    failure = error;
  });
  for (;;) {
    if (failure) throw failure;
    const tasks = worker.watermarks().filter((task) => task.stage === 'aggregate');
    const behind = tasks.filter((task) => task.watermark < time);
    if (tasks.length === PARTITIONS && behind.length === 0) return;
    if (Date.now() > deadline) {
      const where = behind
        .map(
          (task) =>
            `aggregate-${task.partition} at ${Number.isFinite(task.watermark) ? new Date(task.watermark).toISOString() : 'unknown'}` +
            (task.holdingBack.length > 0 ? ` (held back by ${task.holdingBack.join(', ')})` : ''),
        )
        .join('; ');
      throw new Error(
        `aggregate watermark did not reach ${new Date(time).toISOString()} in ${timeoutMs / 1000} s: ` +
          `${tasks.length}/${PARTITIONS} tasks report; ${where}`,
      );
    }
    await sleep(100);
  }
}

const values = (records: readonly ReadRecord[]): unknown[] =>
  records.map((record) => JSON.parse(record.message.value?.toString() ?? 'null') as unknown);

/** One seed on the broker, on topics of its own that are deleted afterwards. */
async function runSeed(seed: number) {
  const placed = placedHistory(seed, Date.now());
  const runId = `${seed}-${randomUUID().slice(0, 8)}`;
  const config = configFor(runId);
  const client = kafka(`cdstream-test-truth-${runId}`);
  const topics = await createTopics(client, config);
  try {
    return { seed, ...placed, ...(await runOn(client, config, placed)) };
  } finally {
    await deleteTopics(client, topics);
  }
}

/** The history in its partitions, a worker, the next builds, the watermark past closeAt; the outputs. */
async function runOn(
  client: Kafka,
  config: TopologyConfig,
  { closeAt, produced }: ReturnType<typeof placedHistory>,
) {
  const input = config.inputs.topics[0] ?? '';
  await produce(client, input, produced);

  const worker = new StreamWorker({
    topology: buildTopology(config),
    transport: new KafkajsTransport({
      clientId: `${config.applicationId}-worker`,
      brokers: inject('kafkaBrokers'),
      logger: pino({ level: 'error' }),
    }),
    logger: pino({ level: 'error' }),
    settings: runnerSettingsOf(config.runtime),
  });
  let watermarks: ReturnType<StreamWorker['watermarks']>;
  const next: Produced[] = [];
  try {
    await within(worker.start(), 30_000, `${config.applicationId}: worker.start()`);
    // the next build of every source, dated 2 min ago: every used partition reaches now
    const sources = [...new Set(produced.map((event) => event.source))].sort();
    const nextAt = Date.now() - 2 * MINUTE_MS;
    for (const [i, source] of sources.entries()) {
      const time = nextAt + i;
      const event = buildFinished({
        id: randomUUID(),
        source,
        time,
        artifactId: ociPurl('next-build', randomBytes(32).toString('hex')),
      });
      next.push({
        partition: partitionOf(source, PARTITIONS),
        key: source,
        value: JSON.stringify(event),
        id: event.id,
        source,
        time,
        late: false,
      });
    }
    await produce(client, input, next);
    await aggregateReached(worker, closeAt, 40_000);
    watermarks = worker.watermarks();
  } finally {
    // commits the open transactions: every window the watermark closed is out
    await within(worker.stop(), 20_000, `${config.applicationId}: worker.stop()`);
  }

  const { outputs } = config;
  const records = await readToEnd(client, [
    outputs.metrics,
    outputs.incidents,
    outputs.late,
    outputs.deadLetter,
  ]);
  const of = (topic: string) => records.filter((record) => record.topic === topic);
  return {
    next,
    watermarks,
    metrics: values(of(outputs.metrics)),
    incidents: values(of(outputs.incidents)),
    late: values(of(outputs.late)),
    deadLetters: of(outputs.deadLetter),
  };
}

/** What one seed's run got wrong, against the truth; every list empty when it is right. */
function differences(result: Awaited<ReturnType<typeof runSeed>>) {
  const { seed, closeAt, produced, lateOnPurpose, next } = result;
  // the case is what it says: the generator's late events, none lost to the cut at closeAt
  const expectedLate = produced.filter((event) => event.late).map((event) => event.id);
  const truth = truthFromHistory({ events: [...produced, ...next], end: closeAt }, { closeAt });
  const lateIds = result.late.map((event) => (event as { id: string }).id);
  return {
    seed,
    case: [
      ...(expectedLate.length === LATE_EVENTS &&
      [...expectedLate].sort().join() === [...lateOnPurpose].sort().join()
        ? []
        : [
            `late on purpose ${lateOnPurpose.join(', ')}; late as produced ${expectedLate.join(', ')}`,
          ]),
      ...(truth.metrics.size > 0 ? [] : ['the truth expects no window']),
    ],
    deadLetters: result.deadLetters.map(
      (record) => record.message.headers?.['cdstream-error-code']?.toString() ?? '?',
    ),
    metrics: compareMetrics(truth.metrics, result.metrics, { closeAt }),
    incidents: compareIncidents(truth.incidents, result.incidents),
    late: [
      ...expectedLate
        .filter((id) => !lateIds.includes(id))
        .map((id) => `not in the late topic: ${id}`),
      ...lateIds.filter((id) => !expectedLate.includes(id)).map((id) => `late by mistake: ${id}`),
      ...(lateIds.length === new Set(lateIds).size ? [] : ['a late record twice']),
    ],
    watermarks: [
      ...(result.watermarks.length === 3 * PARTITIONS
        ? []
        : [`${result.watermarks.length} tasks report, expected ${3 * PARTITIONS}`]),
      ...result.watermarks
        .filter((task) => task.violations !== 0 || task.regressions !== 0)
        .map(
          (task) =>
            `${task.stage}-${task.partition}: ${task.violations} violations, ${task.regressions} regressions`,
        ),
    ],
  };
}

describe('the pipeline on Kafka against the independent truth', () => {
  it(`${SEEDS.length} histories (${SERVICES} services, ${DAYS} days, ${PARTITIONS} partitions, ${LATE_EVENTS} late events each): every final window, incident and late record right`, async () => {
    // one worker per seed, all at once, each with its own topics and groups
    const settled = await Promise.allSettled(SEEDS.map((seed) => runSeed(seed)));
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value] : [],
    );
    expect(results.map(differences)).toEqual(
      SEEDS.map((seed) => ({
        seed,
        case: [],
        deadLetters: [],
        metrics: [],
        incidents: [],
        late: [],
        watermarks: [],
      })),
    );
    // each step has its own bound that names it (createTopics, within, aggregateReached)
  }, 180_000);
});
