/**
 * A partition that ends in offsets without data: a transaction aborted
 * after the stage read everything before it leaves an aborted record and
 * its marker, which the next fetch brings alone. kafkajs gives such a fetch
 * to no batch handler; the stage must still commit the partition's end, or
 * its group's lag never reaches zero and nothing after it knows it is done.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { KafkajsTransport } from '../../../src/runtime/kafka/kafkajs-transport.js';
import type { Topology } from '../../../src/runtime/topology.js';
import { StreamWorker } from '../../../src/runtime/worker.js';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';

const RECORDS = 10;

function counting(input: string, dlq: string, appId: string, onRead: () => void): Topology {
  return {
    applicationId: appId,
    stages: [
      {
        name: 'count',
        inputs: [input],
        outputs: {},
        stores: [],
        deadLetterTopic: dlq,
        processor: () => ({ process: onRead }),
      },
    ],
  };
}

let worker: StreamWorker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

describe('a partition ending in transaction markers on Kafka', () => {
  it("commits the partition's end when the last fetch holds only an aborted record and markers", async () => {
    const client = kafka('cdstream-test-markers');
    const appId = uniqueName('markers');
    const input = `${appId}-in`;
    const dlq = `${appId}-dlq`;
    await createTopic(client, input, 1);
    await createTopic(client, dlq, 1);
    const producer = client.producer({
      transactionalId: uniqueName('markers-writer'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const admin = client.admin();
    await admin.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({
        topic: input,
        messages: Array.from({ length: RECORDS }, (_, i) => ({ value: String(i) })),
      });
      await committed.commit();

      let read = 0;
      let allRead: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (allRead = resolve));
      worker = new StreamWorker({
        topology: counting(input, dlq, appId, () => {
          if (++read === RECORDS) allRead();
        }),
        transport: new KafkajsTransport({
          clientId: appId,
          brokers: inject('kafkaBrokers'),
          logger: pino({ level: 'error' }),
        }),
        logger: pino({ level: 'error' }),
      });
      await worker.start();
      await done;

      const aborted = await producer.transaction();
      await aborted.send({ topic: input, messages: [{ value: 'never counted' }] });
      await aborted.abort();

      // ten records, a commit marker, the aborted record and its marker; the
      // broker writes the marker after it answered the abort, so it is awaited
      const endDeadline = Date.now() + 30_000;
      let [end] = await admin.fetchTopicOffsets(input);
      while (end?.high !== String(RECORDS + 3) && Date.now() < endDeadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        [end] = await admin.fetchTopicOffsets(input);
      }
      expect(end?.high).toBe(String(RECORDS + 3));
      const groupOffset = async () => {
        const [topic] = await admin.fetchOffsets({ groupId: `${appId}-count`, topics: [input] });
        return topic?.partitions[0]?.offset;
      };
      const deadline = Date.now() + 30_000;
      let offset = await groupOffset();
      while (offset !== end?.high && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        offset = await groupOffset();
      }
      expect(offset).toBe(end?.high);
      expect(read).toBe(RECORDS);
    } finally {
      await admin.disconnect();
      await producer.disconnect();
    }
  }, 60_000);
});
