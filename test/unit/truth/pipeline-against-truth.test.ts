/**
 * The whole pipeline (ingest → join → aggregate) on the in-memory driver,
 * held against the independent computation of the README's definitions in
 * test/truth (which shares nothing with src/). Histories are spread over
 * several input partitions keyed by source; partitions and stages run at
 * random relative speeds, transactions stay open, commit or abort at random,
 * and tasks restart. Every final window, every derived incident and the
 * late topic must equal what the truth says.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/config/duration.js';
import { buildTopology } from '../../../src/config/pipeline.js';
import { withDefaults } from '../../../src/config/topology-defaults.js';
import { TopologyTestDriver, type DriverRecord } from '../../../src/runtime/test-driver.js';
import { compareIncidents, compareMetrics } from '../../truth/compare.js';
import { truthFromHistory } from '../../truth/dora-truth.js';
import { historyArbitrary, random as seeded, type History } from '../../truth/history.js';

const DAY_MS = 86_400_000;

interface Schedule {
  readonly seed: number;
  /** events piped per step, at most */
  readonly chunk: number;
  readonly commitProbability: number;
  readonly abortProbability: number;
  /** chance of a restart (one task or all) between steps */
  readonly restartProbability: number;
  /**
   * when held records go to the buffer's changelog: at every commit, or once
   * they are this many offsets behind the read position (never by age: the
   * driver's clock stands still), so an abort re-reads at most that many
   */
  readonly spillHeldRecords: 'at-commit' | number;
}

/**
 * A task holding records commits below them until they spill, so after an
 * abort it re-reads from there; to get past a record held until it is
 * `spillHeldRecords` behind, that many transactions in a row must commit.
 * With an abort chance a per transaction that takes about (1 - a)^-k tries:
 * at a = 0.2 and k = 34, some 2,000 rounds of restore and re-read, which once
 * ran a CI job for minutes. Capping a at 1/k keeps each try's odds above a
 * third; a real broker aborts far more rarely than either.
 */
const scheduleArbitrary: fc.Arbitrary<Schedule> = fc
  .oneof(fc.constant('at-commit' as const), fc.integer({ min: 1, max: 40 }))
  .chain((spillHeldRecords) =>
    fc.record({
      seed: fc.nat(),
      chunk: fc.integer({ min: 1, max: 40 }),
      commitProbability: fc.double({ min: 0.2, max: 1, noNaN: true }),
      abortProbability: fc.double({
        min: 0,
        max: spillHeldRecords === 'at-commit' ? 0.2 : Math.min(0.2, 1 / spillHeldRecords),
        noNaN: true,
      }),
      restartProbability: fc.double({ min: 0, max: 0.3, noNaN: true }),
      spillHeldRecords: fc.constant(spillHeldRecords),
    }),
  );

const values = (records: readonly DriverRecord[]): unknown[] =>
  records.map((record) => JSON.parse(String(record.value)) as unknown);

export async function runPipeline(history: History, schedule: Schedule, retireAfter?: string) {
  const config = withDefaults(
    {
      applicationId: 'truth',
      inputs: {
        topics: ['in'],
        partitions: history.partitions,
        disorder: history.allowanceMs,
        avro: false,
      },
      aggregation: {
        grace: history.graceMs,
        ...(retireAfter === undefined ? {} : { retireAfter }),
      },
    },
    parseDuration,
  );
  const random = seeded(schedule.seed);
  const stages = ['ingest', 'join', 'aggregate'];
  const speeds: Record<string, number> = {};
  for (const stage of stages) {
    for (let partition = 0; partition < history.partitions; partition++) {
      speeds[`${stage}-${partition}`] = 0.05 + random() * 2;
    }
  }
  const driver = new TopologyTestDriver(buildTopology(config), {
    partitions: history.partitions,
    wallClockTime: history.end + DAY_MS,
    ...(schedule.spillHeldRecords === 'at-commit'
      ? { bufferSpillAfterMs: 0 }
      : { bufferSpillAfterMs: DAY_MS, bufferSpillBehindRecords: schedule.spillHeldRecords }),
    interleaving: {
      random,
      speeds,
      commitProbability: schedule.commitProbability,
      abortProbability: schedule.abortProbability,
    },
  });
  let next = 0;
  while (next < history.events.length) {
    const size = 1 + Math.floor(random() * schedule.chunk);
    const chunk = history.events.slice(next, next + size);
    next += chunk.length;
    await driver.pipeInput(
      'in',
      chunk.map((event) => ({
        key: event.key,
        value: event.value,
        partition: event.partition,
        timestamp: event.time,
        headers: { 'content-type': 'application/cloudevents+json' },
      })),
    );
    if (random() < schedule.restartProbability) {
      if (random() < 0.3) driver.restart();
      else {
        const stage = stages[Math.floor(random() * stages.length)] ?? 'ingest';
        driver.restartTask(stage, Math.floor(random() * history.partitions));
      }
    }
  }
  await driver.closeWindowsUpTo(history.end);
  return {
    driver,
    metrics: values(driver.allRecords(config.outputs.metrics)),
    incidents: values(driver.allRecords(config.outputs.incidents)),
    late: values(driver.allRecords(config.outputs.late)),
    deadLetters: driver.allRecords(config.outputs.deadLetter),
  };
}

function check(
  history: History,
  result: Awaited<ReturnType<typeof runPipeline>>,
  retireAfterMs?: number,
): void {
  const truth = truthFromHistory(history, retireAfterMs === undefined ? {} : { retireAfterMs });
  expect(result.deadLetters.map((record) => String(record.headers['cdstream-error']))).toEqual([]);
  expect(compareMetrics(truth.metrics, result.metrics, { closeAt: history.end })).toEqual([]);
  expect(compareIncidents(truth.incidents, result.incidents)).toEqual([]);
  const lateIds = result.late.map((event) => (event as { id: string }).id).sort();
  expect(lateIds).toEqual(
    history.events
      .filter((event) => event.late)
      .map((event) => event.id)
      .sort(),
  );
  for (const [task, status] of result.driver.watermarks()) {
    expect({ task, violations: status.violations, regressions: status.regressions }).toEqual({
      task,
      violations: 0,
      regressions: 0,
    });
  }
}

describe('the pipeline against the independent truth', () => {
  it('in time order on one partition, committed at once: every window right', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary({ partitions: 1, lateEvents: 0 }), async (history) => {
        const result = await runPipeline(history, {
          seed: 1,
          chunk: 1,
          commitProbability: 1,
          abortProbability: 0,
          restartProbability: 0,
          spillHeldRecords: 40,
        });
        check(history, result);
      }),
      { numRuns: 15 },
    );
  }, 120_000);

  it('services retired after a day without a fact, interleaved, aborted and restarted: every window right', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(), scheduleArbitrary, async (history, schedule) => {
        check(history, await runPipeline(history, schedule, '1d'), DAY_MS);
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  it('spread over partitions, interleaved at random speeds, with aborted commits and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(), scheduleArbitrary, async (history, schedule) => {
        check(history, await runPipeline(history, schedule));
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
