/**
 * Event-time alignment on a real broker: of two input partitions, one covers
 * ten times the event time per byte of the other. Read unaligned, a fetch of
 * each brings 20 h of the fast partition and 2 h of the slow one, so the
 * fast one runs days ahead, and every downstream reader would hold its
 * records until the slow one catches up. Aligned, the fast partition waits
 * while it is more than the drift ahead of the slow one.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { KafkajsTransport } from '../../../src/runtime/kafka/kafkajs-transport.js';
import type { Processor } from '../../../src/runtime/processor.js';
import type { InputRecord } from '../../../src/runtime/record.js';
import type { Topology } from '../../../src/runtime/topology.js';
import { StreamWorker } from '../../../src/runtime/worker.js';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';

const HOUR = 3_600_000;
const RECORDS = 3_000;
/** about 2 KB each: a 1 MB fetch of one partition brings about 500 */
const VALUE = 'x'.repeat(2_000);
const SLOW_SPAN = 12 * HOUR;
const FAST_SPAN = 120 * HOUR;

interface Read {
  readonly partition: number;
  readonly timestamp: number;
}

/** A stage that notes what it reads, in the order it reads it. */
function observing(
  input: string,
  dlq: string,
  appId: string,
  onRead: (read: Read) => void,
): Topology {
  const processor: Processor = {
    process(record: InputRecord) {
      onRead({ partition: record.partition, timestamp: record.timestamp });
    },
  };
  return {
    applicationId: appId,
    stages: [
      {
        name: 'observe',
        inputs: [input],
        outputs: {},
        stores: [],
        deadLetterTopic: dlq,
        processor: () => processor,
      },
    ],
  };
}

let worker: StreamWorker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

describe('event-time alignment on Kafka', () => {
  it('keeps a partition from reading days ahead of a slower one that still has data', async () => {
    const client = kafka('cdstream-test-alignment');
    const appId = uniqueName('align');
    const input = `${appId}-in`;
    const dlq = `${appId}-dlq`;
    await createTopic(client, input, 2);
    await createTopic(client, dlq, 1);
    // within the broker's 7-day retention
    const base = Date.now() - FAST_SPAN - 2 * HOUR;
    const producer = client.producer();
    await producer.connect();
    for (let from = 0; from < RECORDS; from += 100) {
      const messages = [];
      for (let i = from; i < from + 100; i++) {
        const at = (span: number) => String(base + Math.floor((i * span) / RECORDS));
        messages.push({ partition: 0, value: VALUE, timestamp: at(SLOW_SPAN) });
        messages.push({ partition: 1, value: VALUE, timestamp: at(FAST_SPAN) });
      }
      await producer.send({ topic: input, messages });
    }
    await producer.disconnect();

    const read: Read[] = [];
    let allRead: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allRead = resolve));
    worker = new StreamWorker({
      topology: observing(input, dlq, appId, (record) => {
        read.push(record);
        if (read.length === 2 * RECORDS) allRead();
      }),
      transport: new KafkajsTransport({
        clientId: appId,
        brokers: inject('kafkaBrokers'),
        logger: pino({ level: 'error' }),
      }),
      logger: pino({ level: 'error' }),
      settings: { partitionsConsumedConcurrently: 1, alignmentDriftMs: HOUR },
    });
    await worker.start();
    await done;

    const slowLast = read.findLastIndex((record) => record.partition === 0);
    const fastBeforeSlowEnded = read
      .slice(0, slowLast)
      .filter((record) => record.partition === 1)
      .map((record) => record.timestamp - base);
    // unaligned, the fast partition reaches 120 h by then; aligned, the slow
    // one's 12 h plus the drift plus one fetch of the fast one (~20 h)
    expect(Math.max(...fastBeforeSlowEnded) / HOUR).toBeLessThan(40);
    expect(read.filter((record) => record.partition === 1)).toHaveLength(RECORDS);
  }, 120_000);
});
