/**
 * The kafkajs baselines, one process each: a consume → produce pipe with no
 * processing. `plain`: auto-committed offsets, no transactions. `transactional`:
 * one transactional producer per input partition, each fetched batch sent and
 * its offsets committed in one transaction (sendOffsets), read_committed —
 * the ceiling of any exactly-once stage on this client.
 *
 * Several outputs chain hops in the one process: input → first output →
 * second output …, each hop a consumer group of its own (`G-hop0`, `G-hop1`,
 * …). Three transactional hops are the Kafka traffic of cdstream's default
 * topology (input → by-artifact → by-service → outputs) without its work.
 *
 *   pipe-worker.ts --mode plain|transactional --input T --output T[,T2,T3] --group G
 */
import { parseArgs } from 'node:util';
import type { Producer } from '../../src/runtime/kafka/kafkajs.js';
import { kafka, pipeHopGroup } from '../lib/kafka.js';

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
const outputs = output.split(',');
const client = kafka(`${group}-pipe`);

async function runHop(from: string, to: string, hopGroupId: string, joined: () => void) {
  const consumer = client.consumer({ groupId: hopGroupId, readUncommitted: !transactional });
  const plainProducer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  const producers = new Map<number, Promise<Producer>>();

  function producerFor(partition: number): Promise<Producer> {
    let producer = producers.get(partition);
    if (!producer) {
      const created = client.producer({
        transactionalId: `${hopGroupId}-${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { initialRetryTime: 20, retries: 8 },
      });
      producer = created.connect().then(() => created);
      producers.set(partition, producer);
    }
    return producer;
  }

  consumer.on(consumer.events.GROUP_JOIN, joined);
  await consumer.connect();
  if (!transactional) await plainProducer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: true });
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
        await plainProducer.send({ topic: to, messages, acks: -1 });
        return;
      }
      const producer = await producerFor(batch.partition);
      const transaction = await producer.transaction();
      try {
        await transaction.send({ topic: to, messages, acks: -1 });
        await transaction.sendOffsets({
          consumerGroupId: hopGroupId,
          topics: [
            {
              topic: batch.topic,
              partitions: [
                {
                  partition: batch.partition,
                  offset: (BigInt(batch.lastOffset()) + 1n).toString(),
                },
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
  return consumer;
}

const joinedHops = new Set<number>();
const consumers = await Promise.all(
  outputs.map((to, index) =>
    runHop(
      index === 0 ? input : (outputs[index - 1] as string),
      to,
      pipeHopGroup(group, index, outputs.length),
      () => {
        joinedHops.add(index);
        if (joinedHops.size === outputs.length) console.log('{"event":"ready"}');
      },
    ),
  ),
);
process.on('SIGTERM', () => {
  void Promise.all(consumers.map((consumer) => consumer.disconnect())).then(() => process.exit(0));
});
