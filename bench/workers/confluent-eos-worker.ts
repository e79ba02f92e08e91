/**
 * The transactional pipe in the shape EOS v2 allows, on librdkafka's own API
 * (@confluentinc/kafka-javascript without the KafkaJS layer): one consumer,
 * one transactional producer, and one transaction per poll that carries the
 * records of every partition the poll returned and their offsets
 * (sendOffsetsToTransaction with the consumer: KIP-447 group metadata).
 * read_committed; no processing.
 *
 *   confluent-eos-worker.ts --input T --output T --group G [--poll N]
 */
import { parseArgs } from 'node:util';
import { brokers } from '../lib/kafka.js';
import {
  loadConfluent,
  type NativeCallback,
  type NativeMessage,
  type NativePartition,
} from '../lib/confluent.js';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    output: { type: 'string' },
    group: { type: 'string' },
    /** records per poll, so per transaction at most */
    poll: { type: 'string', default: '5000' },
  },
});
const { input, output, group } = values;
if (!input || !output || !group) throw new Error('--input, --output and --group are required');
const POLL = Number(values.poll);
const TIMEOUT_MS = 30_000;
const ASSIGN_PARTITIONS = -175;

const { KafkaConsumer, Producer } = loadConfluent();
const bootstrap = brokers.join(',');

/** A callback-style call as a promise. */
function call(start: (callback: NativeCallback) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    start((error) => {
      if (error) reject(new Error(`${error.message} (${error.code})`));
      else resolve();
    });
  });
}

const consumer = new KafkaConsumer(
  {
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'enable.auto.commit': false,
    'isolation.level': 'read_committed',
    rebalance_cb: (error: { code: number }, assignment: NativePartition[]) => {
      if (error.code === ASSIGN_PARTITIONS) {
        consumer.assign(assignment);
        console.log('{"event":"ready"}');
      } else {
        consumer.unassign();
      }
    },
  },
  { 'auto.offset.reset': 'earliest' },
);
const producer = new Producer({
  'bootstrap.servers': bootstrap,
  'transactional.id': `${group}-eos`,
  'linger.ms': 5,
});

function poll(): Promise<NativeMessage[]> {
  return new Promise((resolve, reject) => {
    consumer.consume(POLL, (error, messages) => {
      if (error) reject(new Error(`${error.message} (${error.code})`));
      else resolve(messages);
    });
  });
}

await call((done) => {
  consumer.connect({}, done);
});
await call((done) => {
  producer.connect({}, done);
});
await call((done) => {
  producer.initTransactions(TIMEOUT_MS, done);
});
consumer.subscribe([input]);

const stop = { requested: false };
process.on('SIGTERM', () => {
  stop.requested = true;
});
while (!stop.requested) {
  const messages = await poll();
  if (messages.length === 0) continue;
  const next = new Map<string, NativePartition>();
  await call((done) => {
    producer.beginTransaction(done);
  });
  try {
    for (const m of messages) {
      producer.produce(output, null, m.value, m.key ?? null, m.timestamp ?? null, null, m.headers);
      next.set(`${m.topic}/${m.partition}`, {
        topic: m.topic,
        partition: m.partition,
        offset: m.offset + 1,
      });
    }
    await call((done) => {
      producer.sendOffsetsToTransaction([...next.values()], consumer, TIMEOUT_MS, done);
    });
    await call((done) => {
      producer.commitTransaction(TIMEOUT_MS, done);
    });
  } catch (error) {
    await call((done) => {
      producer.abortTransaction(TIMEOUT_MS, done);
    }).catch(() => undefined);
    throw error;
  }
}
consumer.disconnect(() => {
  process.exit(0);
});
