/**
 * The kafkajs baselines, one process each: a consume → produce pipe with no
 * processing. `plain`: auto-committed offsets, no transactions. `transactional`:
 * one transactional producer per input partition, each fetched batch sent and
 * its offsets committed in one transaction (sendOffsets), read_committed —
 * the ceiling of any exactly-once stage on this client.
 *
 *   pipe-worker.ts --mode plain|transactional --input T --output T --group G
 */
import { parseArgs } from 'node:util';
import type { Producer } from '../../src/runtime/kafka/kafkajs.js';
import { kafka } from '../lib/kafka.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'plain' },
    input: { type: 'string' },
    output: { type: 'string' },
    group: { type: 'string' },
  },
});
const { input, output, group } = values;
if (!input || !output || !group) throw new Error('--input, --output and --group are required');
const transactional = values.mode === 'transactional';
const client = kafka(`${group}-pipe`);
const consumer = client.consumer({ groupId: group, readUncommitted: !transactional });
const plainProducer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
const producers = new Map<number, Promise<Producer>>();

function producerFor(partition: number): Promise<Producer> {
  let producer = producers.get(partition);
  if (!producer) {
    const created = client.producer({
      transactionalId: `${group}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { initialRetryTime: 20, retries: 8 },
    });
    producer = created.connect().then(() => created);
    producers.set(partition, producer);
  }
  return producer;
}

consumer.on(consumer.events.GROUP_JOIN, () => {
  console.log('{"event":"ready"}');
});
await consumer.connect();
if (!transactional) await plainProducer.connect();
await consumer.subscribe({ topic: input, fromBeginning: true });
await consumer.run({
  autoCommit: !transactional,
  autoCommitInterval: 100,
  partitionsConsumedConcurrently: 4,
  eachBatch: async ({ batch }) => {
    const messages = batch.messages.map((m) => ({
      key: m.key,
      value: m.value,
      headers: m.headers ?? {},
    }));
    if (messages.length === 0) return;
    if (!transactional) {
      await plainProducer.send({ topic: output, messages, acks: -1 });
      return;
    }
    const producer = await producerFor(batch.partition);
    const transaction = await producer.transaction();
    try {
      await transaction.send({ topic: output, messages, acks: -1 });
      await transaction.sendOffsets({
        consumerGroupId: group,
        topics: [
          {
            topic: batch.topic,
            partitions: [
              { partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
            ],
          },
        ],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  },
});
process.on('SIGTERM', () => {
  void consumer.disconnect().then(() => process.exit(0));
});
