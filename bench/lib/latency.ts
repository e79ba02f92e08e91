/**
 * End-to-end latency at a fixed offered load: records are produced at a
 * steady rate and each is timed from just before its send to the moment a
 * read_committed consumer sees its output.
 */
import type { Kafka } from '../../src/runtime/kafka/kafkajs.js';
import { EventGenerator, SEQ_HEADER } from './events.js';
import { headersOf, toMessage } from './kafka.js';

export interface LatencyResult {
  readonly offered_per_s: number;
  readonly seen: number;
  readonly expected: number;
  readonly p50: number;
  readonly p99: number;
}

/** The generator seq of an output record: our header, else the CloudEvents id `<run>-<seq>`. */
export function seqOf(headers: Record<string, string>, value: Buffer | null, run: string): number {
  const header = headers[SEQ_HEADER];
  if (header !== undefined) return Number(header);
  if (!value) return -1;
  const id = /"id":"([^"]+)"/.exec(value.toString('utf8', 0, 4096))?.[1] ?? '';
  return id.startsWith(`${run}-`) ? Number(id.slice(run.length + 1)) : -1;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function measureLatency(options: {
  client: Kafka;
  run: string;
  input: string;
  output: string;
  ratePerSecond: number;
  seconds: number;
  /** only valid events produce an output (cdstream); a pipe copies everything */
  validOnly: boolean;
  /**
   * `replayed` (default): the generator's 3 days of event time, offered in
   * `seconds`; `live`: each event dated about when it is sent (up to the
   * generator's 10 minutes of disorder behind), as a live source sends them
   */
  eventTimes?: 'replayed' | 'live';
}): Promise<LatencyResult> {
  const { client, run, input, output } = options;
  const total = Math.max(100, Math.round(options.ratePerSecond * options.seconds));
  const generate = () =>
    options.eventTimes === 'live'
      ? new EventGenerator(total, {
          run,
          seed: 7,
          duplicateShare: 0,
          now: Date.now() + options.seconds * 1000,
          spanMs: options.seconds * 1000,
        })
      : new EventGenerator(total, { run, seed: 7, duplicateShare: 0 });
  let records = [...generate().records()];
  const expected = records.filter((r) => !options.validOnly || r.kind === 'valid').length;
  const sentAt = new Float64Array(total).fill(NaN);
  const latencies: number[] = [];
  const seen = new Uint8Array(total);

  const consumer = client.consumer({
    groupId: `${run}-latency-watch`,
    readUncommitted: false,
    maxWaitTimeInMs: 20,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: output, fromBeginning: true });
  let done: () => void = () => undefined;
  const allSeen = new Promise<void>((resolve) => (done = resolve));
  const joined = new Promise<void>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, () => {
      resolve();
    }),
  );
  void consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const message of batch.messages) {
        const seq = seqOf(headersOf(message.headers), message.value, run);
        if (seq < 0 || seq >= total || seen[seq]) continue;
        seen[seq] = 1;
        latencies.push(now - (sentAt[seq] ?? now));
        if (latencies.length >= expected) done();
      }
      await Promise.resolve();
    },
  });
  await joined;

  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  // live event times start now, not when the reader began to join
  if (options.eventTimes === 'live') records = [...generate().records()];
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((options.ratePerSecond * tickMs) / 1000));
  const started = Date.now();
  for (let next = 0, tick = 0; next < total; tick++) {
    const due = started + tick * tickMs - Date.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    const batch = records.slice(next, next + perTick);
    const now = Date.now();
    for (const record of batch) sentAt[record.seq] = now;
    await producer.send({ topic: input, messages: batch.map((r) => toMessage(r, now)), acks: -1 });
    next += batch.length;
  }
  await producer.disconnect();
  await Promise.race([allSeen, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  await consumer.disconnect();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    offered_per_s: Math.round(options.ratePerSecond),
    seen: latencies.length,
    expected,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}
