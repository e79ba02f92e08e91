/**
 * The kafkajs baselines, one process each: a consume → produce pipe with no
 * processing. `plain`: auto-committed offsets, no transactions. `transactional`:
 * one transactional producer per input partition, each fetched batch sent and
 * its offsets committed in one transaction (sendOffsets), read_committed —
 * the ceiling of any exactly-once stage on this client.
 *
 * `one-transaction`: the shape of EOS v2 (KIP-447) on kafkajs, for its cost
 * only: one transactional producer per hop, batches of every partition sent
 * into the open transaction, which commits the offsets of all of them every
 * 100 ms. Not safe as a product: kafkajs' sendOffsets carries no group
 * generation (TxnOffsetCommit v1), so nothing fences a previous owner of a
 * partition; a fenced version would send the same requests (v3 adds the
 * generation and member id), so the cost measured is that shape's.
 *
 * Several outputs chain hops in the one process: input → first output →
 * second output …, each hop a consumer group of its own (`G-hop0`, `G-hop1`,
 * …). Three transactional hops are the Kafka traffic of cdstream's default
 * topology (input → by-artifact → by-service → outputs) without its work.
 *
 *   pipe-worker.ts --mode plain|transactional|one-transaction --input T --output T[,T2,T3] --group G
 */
import { parseArgs } from 'node:util';
import type { Message, Producer, Transaction } from '../../src/runtime/kafka/kafkajs.js';
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
const oneTransaction = values.mode === 'one-transaction';
const transactional = values.mode === 'transactional' || oneTransaction;
const COMMIT_INTERVAL_MS = 100;
const outputs = output.split(',');
const client = kafka(`${group}-pipe`);

/**
 * One transaction at a time for a hop: sends of any partition join the open
 * one concurrently; a commit waits for the sends under way, holds new ones
 * back, and commits the next offsets of every partition sent.
 */
function hopTransaction(hopGroupId: string, to: string) {
  const producer = client.producer({
    transactionalId: `${hopGroupId}-worker`,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { initialRetryTime: 20, retries: 8 },
  });
  const connected = producer.connect();
  let open: Promise<Transaction> | undefined;
  let openedAt = 0;
  let sending = 0;
  let sendsDone: (() => void) | undefined;
  let committing: Promise<void> | undefined;
  const nextOffsets = new Map<string, Map<number, string>>();

  async function commit(): Promise<void> {
    while (sending > 0) await new Promise<void>((resolve) => (sendsDone = resolve));
    if (open === undefined) return;
    const transaction = await open;
    const topics = [...nextOffsets].map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions].map(([partition, offset]) => ({ partition, offset })),
    }));
    try {
      await transaction.sendOffsets({ consumerGroupId: hopGroupId, topics });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    } finally {
      open = undefined;
      nextOffsets.clear();
    }
  }

  function commitOnce(): Promise<void> {
    committing ??= commit().finally(() => (committing = undefined));
    return committing;
  }

  async function send(topic: string, partition: number, nextOffset: string, messages: Message[]) {
    while (committing) await committing;
    if (open === undefined) {
      openedAt = Date.now();
      open = connected.then(() => producer.transaction());
    }
    sending++;
    try {
      await (await open).send({ topic: to, messages, acks: -1 });
      let partitions = nextOffsets.get(topic);
      if (!partitions) nextOffsets.set(topic, (partitions = new Map<number, string>()));
      partitions.set(partition, nextOffset);
    } finally {
      if (--sending === 0) sendsDone?.();
    }
    if (Date.now() - openedAt >= COMMIT_INTERVAL_MS) await commitOnce();
  }

  const timer = setInterval(() => {
    if (open === undefined || Date.now() - openedAt < COMMIT_INTERVAL_MS) return;
    // no batch handler awaits this commit: a failure ends the pipe, which the bench then reports
    commitOnce().catch((error: unknown) => {
      console.error(`commit of ${hopGroupId} failed: ${String(error)}`);
      process.exit(1);
    });
  }, COMMIT_INTERVAL_MS);
  timer.unref();
  return { send };
}

async function runHop(from: string, to: string, hopGroupId: string, joined: () => void) {
  const shared = oneTransaction ? hopTransaction(hopGroupId, to) : undefined;
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
      const nextOffset = (BigInt(batch.lastOffset()) + 1n).toString();
      if (shared) {
        await shared.send(batch.topic, batch.partition, nextOffset, messages);
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
              partitions: [{ partition: batch.partition, offset: nextOffset }],
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
