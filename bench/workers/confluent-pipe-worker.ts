/**
 * The transactional pipe of pipe-worker.ts on @confluentinc/kafka-javascript
 * (librdkafka, through its KafkaJS-compatible API): consume → produce with no
 * processing, each batch sent and its offsets committed in one transaction,
 * read_committed. sendOffsets passes the consumer, so the offsets carry the
 * group's generation (EOS v2, KIP-447): one producer can serve every partition.
 *
 *   confluent-pipe-worker.ts --input T --output T --group G [--producers partition|one] [--max-batch N]
 *
 * `--producers partition` (default): one transactional producer per input
 * partition, the shape of the kafkajs pipe and of cdstream's runtime today.
 * `one`: a single producer for the process, its transactions one at a time.
 * `--max-batch`: records per eachBatch call (js.consumer.max.batch.size). The
 * default 1000 (about 1.3 MB of the bench's records) matches a kafkajs batch
 * (one fetch of at most 1 MB per partition); -1, all the client holds for the
 * partition, made batches of ~8,000 and doubled peak RSS (863 MB at 200k).
 */
import { parseArgs } from 'node:util';
import { Mutex } from '../../src/runtime/mutex.js';
import { brokers } from '../lib/kafka.js';
import { loadConfluent, type ConfluentBatch, type ConfluentProducer } from '../lib/confluent.js';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    output: { type: 'string' },
    group: { type: 'string' },
    producers: { type: 'string', default: 'partition' },
    'max-batch': { type: 'string', default: '1000' },
  },
});
const { input, output, group } = values;
if (!input || !output || !group) throw new Error('--input, --output and --group are required');
const oneProducer = values.producers === 'one';

const { KafkaJS } = loadConfluent();
const ASSIGN_PARTITIONS = -175; // librdkafka's RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
const client = new KafkaJS.Kafka({
  kafkaJS: { clientId: `${group}-pipe`, brokers, logLevel: 0 },
});
const consumer = client.consumer({
  kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false },
  'isolation.level': 'read_committed',
  'js.consumer.max.batch.size': Number(values['max-batch']),
  rebalance_cb: (error: { code: number }) => {
    if (error.code === ASSIGN_PARTITIONS) console.log('{"event":"ready"}');
  },
});

const producers = new Map<string, Promise<ConfluentProducer>>();
function producerFor(partition: number): Promise<ConfluentProducer> {
  const id = oneProducer ? `${group}-all` : `${group}-${partition}`;
  let producer = producers.get(id);
  if (!producer) {
    const created = client.producer({
      kafkaJS: { transactionalId: id, idempotent: true, acks: -1 },
      'linger.ms': 0,
    });
    producer = created.connect().then(() => created);
    producers.set(id, producer);
  }
  return producer;
}
const oneAtATime = new Mutex();

async function pipeBatch(batch: ConfluentBatch): Promise<void> {
  const messages = batch.messages.map((m) => ({
    key: m.key,
    value: m.value,
    headers: m.headers ?? {},
  }));
  if (messages.length === 0) return;
  const producer = await producerFor(batch.partition);
  const transaction = await producer.transaction();
  try {
    await Promise.all([
      transaction.send({ topic: output as string, messages }),
      transaction.sendOffsets({
        consumer,
        topics: [
          {
            topic: batch.topic,
            partitions: [
              { partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
            ],
          },
        ],
      }),
    ]);
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => undefined);
    throw error;
  }
}

await consumer.connect();
await consumer.subscribe({ topics: [input] });
await consumer.run({
  partitionsConsumedConcurrently: 4,
  eachBatch: ({ batch }) =>
    oneProducer ? oneAtATime.run(() => pipeBatch(batch)) : pipeBatch(batch),
});
process.on('SIGTERM', () => {
  void consumer.disconnect().then(() => process.exit(0));
});
