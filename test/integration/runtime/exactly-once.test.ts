/**
 * The runtime's exactly-once claim on a real broker: the reference topology
 * (count per key in tumbling windows) gives exact counts while workers are
 * SIGKILLed and restarted, and a worker that joins later restores its state.
 * Expected counts are computed here, from the produced records.
 */
import type { Kafka } from '../../../src/runtime/kafka/kafkajs.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';
import { kill, startReferenceWorker, type WorkerProcess } from '../setup/fleet.js';
import { awaitCommittedToEnd, readWholeTopic } from '../setup/topics.js';

const WINDOW_MS = 10_000;
const GRACE_MS = 1_000;
const PARTITIONS = 6;
const KEYS = 50;

interface Scenario {
  client: Kafka;
  appId: string;
  input: string;
  output: string;
  late: string;
  dlq: string;
  /** `${key}@${windowStart}` → count */
  expected: Map<string, number>;
  base: number;
  /**
   * added to the event times of what is produced from now on: an input that
   * pauses resumes with event times that went on meanwhile (a caught-up
   * partition's watermark follows the wall clock while it waits)
   */
  pauseMs: number;
}

async function scenario(): Promise<Scenario> {
  const client = kafka('cdstream-test-eos');
  const id = uniqueName('eos');
  const s: Scenario = {
    client,
    appId: id,
    input: `${id}-in`,
    output: `${id}-counts`,
    late: `${id}-late`,
    dlq: `${id}-dlq`,
    expected: new Map(),
    // recent event times: the broker's 7-day retention would delete older ones
    base: Math.floor((Date.now() - 3_600_000) / WINDOW_MS) * WINDOW_MS,
    pauseMs: 0,
  };
  for (const topic of [s.input, s.output, s.late, s.dlq])
    await createTopic(client, topic, PARTITIONS);
  return s;
}

/** Produces records [from, to): ~10 ms of event time apart, slightly out of order. */
async function produce(s: Scenario, from: number, to: number): Promise<void> {
  const producer = s.client.producer();
  await producer.connect();
  for (let start = from; start < to; start += 5_000) {
    const messages = [];
    for (let i = start; i < Math.min(to, start + 5_000); i++) {
      const key = `key-${i % KEYS}`;
      const timestamp = s.base + s.pauseMs + i * 10 - (i % 7) * 20;
      const windowStart = Math.floor(timestamp / WINDOW_MS) * WINDOW_MS;
      const slot = `${key}@${windowStart}`;
      s.expected.set(slot, (s.expected.get(slot) ?? 0) + 1);
      messages.push({ key, value: `v${i}`, timestamp: String(timestamp) });
    }
    await producer.send({ topic: s.input, messages });
  }
  await producer.disconnect();
}

/** One record per partition far ahead in event time closes every window. */
async function produceFlush(s: Scenario, afterRecords: number): Promise<void> {
  const producer = s.client.producer();
  await producer.connect();
  const timestamp = String(s.base + s.pauseMs + afterRecords * 10 + 10 * WINDOW_MS);
  await producer.send({
    topic: s.input,
    messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
      key: `__flush-${partition}`,
      value: 'flush',
      partition,
      timestamp,
    })),
  });
  await producer.disconnect();
}

function workerArgs(s: Scenario): string[] {
  return [
    '--app-id',
    s.appId,
    '--input',
    s.input,
    '--output',
    s.output,
    '--late',
    s.late,
    '--dlq',
    s.dlq,
    '--window-ms',
    String(WINDOW_MS),
    '--grace-ms',
    String(GRACE_MS),
  ];
}

/** Counts output records as they become visible to a read_committed consumer. */
async function watchOutput(s: Scenario) {
  const consumer = s.client.consumer({ groupId: uniqueName('watch'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: s.output, fromBeginning: true });
  let seen = 0;
  const listeners: { at: number; resolve: () => void }[] = [];
  void consumer.run({
    eachMessage: () => {
      seen++;
      for (const listener of [...listeners]) {
        if (seen >= listener.at) {
          listeners.splice(listeners.indexOf(listener), 1);
          listener.resolve();
        }
      }
      return Promise.resolve();
    },
  });
  return {
    reached: (at: number) =>
      seen >= at
        ? Promise.resolve()
        : new Promise<void>((resolve) => listeners.push({ at, resolve })),
    stop: () => consumer.disconnect(),
  };
}

async function verify(s: Scenario): Promise<void> {
  const records = await readWholeTopic(s.client, s.output, uniqueName('verify'));
  const emitted = new Map<string, number[]>();
  const where = new Map<string, string[]>();
  for (const record of records) {
    if (record.key.startsWith('__flush')) continue;
    const { count } = JSON.parse(record.value) as { count: number };
    emitted.set(record.key, [...(emitted.get(record.key) ?? []), count]);
    where.set(record.key, [
      ...(where.get(record.key) ?? []),
      `${record.partition}@${record.offset}`,
    ]);
  }
  const twice = [...emitted]
    .filter(([, counts]) => counts.length > 1)
    .map(([key, counts]) => [key, counts, where.get(key)]);
  expect(twice, 'windows emitted more than once').toEqual([]);
  const wrong = [...s.expected]
    .filter(([slot, count]) => emitted.get(slot)?.[0] !== count)
    .map(([slot, count]) => `${slot}: expected ${count}, got ${String(emitted.get(slot))}`);
  expect(wrong, 'windows with wrong or missing counts').toEqual([]);
  expect(emitted.size).toBe(s.expected.size);
  expect(await readWholeTopic(s.client, s.late, uniqueName('verify-late'))).toEqual([]);
  expect(await readWholeTopic(s.client, s.dlq, uniqueName('verify-dlq'))).toEqual([]);
}

describe('reference topology on a fleet (exactly-once)', () => {
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    const running = workers.splice(0).filter((w) => w.process.exitCode === null);
    await Promise.all(running.map((w) => kill(w, 'SIGKILL')));
  });
  const start = (s: Scenario) => {
    const worker = startReferenceWorker(workerArgs(s));
    workers.push(worker);
    return worker;
  };

  it('counts 100k records exactly with 3 workers while one is SIGKILLed and restarted twice', async () => {
    const s = await scenario();
    const total = 100_000;
    await produce(s, 0, total);
    await produceFlush(s, total);
    const watch = await watchOutput(s);

    const fleet = [start(s), start(s), start(s)];
    for (const fraction of [0.2, 0.55]) {
      await watch.reached(Math.floor(s.expected.size * fraction));
      const victim = Math.floor(Math.random() * fleet.length);
      const killed = fleet[victim] as WorkerProcess;
      await kill(killed, 'SIGKILL');
      fleet[victim] = start(s);
    }
    await watch.reached(s.expected.size);
    await awaitCommittedToEnd(s.client, `${s.appId}-count`, s.input);
    await watch.stop();

    const exitCodes = await Promise.all(fleet.map((w) => kill(w, 'SIGTERM')));
    expect(exitCodes).toEqual([0, 0, 0]);
    await verify(s);
  }, 240_000);

  it('a worker that joins later restores the state from the changelog and continues the counts', async () => {
    const s = await scenario();
    await produce(s, 0, 20_000);
    const pausedAt = Date.now();
    const first = start(s);
    await awaitCommittedToEnd(s.client, `${s.appId}-count`, s.input);
    await kill(first, 'SIGKILL');

    // the first worker's last commit may carry a watermark that followed the clock since
    s.pauseMs = Date.now() - pausedAt + GRACE_MS;
    await produce(s, 20_000, 40_000);
    await produceFlush(s, 40_000);
    const second = start(s);
    const restored = JSON.parse(await second.waitForLine(/"event":"restored"/)) as {
      records: number;
    };
    expect(restored.records).toBeGreaterThan(0);
    await awaitCommittedToEnd(s.client, `${s.appId}-count`, s.input);
    expect(await kill(second, 'SIGTERM')).toBe(0);
    await verify(s);
  }, 180_000);
});
