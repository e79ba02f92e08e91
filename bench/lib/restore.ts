/**
 * Restore time of window state: a first worker of the reference topology
 * builds `keys` open windows (one changelog record each), a second restores
 * them from the changelog. As bench/runtime.ts, for any number of keys.
 */
import { pino } from 'pino';
import { KafkajsTransport } from '../../src/runtime/kafka/kafkajs-transport.js';
import { windowedCountTopology } from '../../src/runtime/reference/windowed-count.js';
import { StreamWorker } from '../../src/runtime/worker.js';
import { brokers, committedToEnd, createTopics, kafka, produceAll } from './kafka.js';

const logger = pino({ level: 'warn' });

function worker(
  appId: string,
  input: string,
  onRestored?: (records: number, ms: number, partitions: readonly number[]) => void,
) {
  return new StreamWorker({
    topology: windowedCountTopology({
      applicationId: appId,
      inputTopic: input,
      outputTopic: `${appId}-counts`,
      lateTopic: `${appId}-late`,
      deadLetterTopic: `${appId}-dlq`,
      windowSizeMs: 3_600_000,
      graceMs: 60_000,
    }),
    transport: new KafkajsTransport({ clientId: `${appId}-bench`, brokers, logger }),
    logger,
    listener: onRestored
      ? {
          restored: (e) => {
            onRestored(e.records, e.ms, e.partitions);
          },
        }
      : {},
  });
}

export async function measureRestore(
  run: string,
  keys: number,
  partitions: number,
): Promise<{ records: number; ms: number }> {
  const client = kafka(`${run}-restore`);
  const appId = `${run}-restore-${keys}`;
  const input = `${appId}-in`;
  await createTopics(client, [input], partitions);
  const now = Date.now();
  await produceAll(
    client,
    input,
    (function* () {
      for (let i = 0; i < keys; i++) yield { key: `key-${i}`, value: 'x', timestamp: String(now) };
    })(),
    10_000,
  );
  const first = worker(appId, input);
  await first.start();
  await committedToEnd(client, `${appId}-count`, input);
  await first.stop();
  const restored = { records: 0, ms: 0 };
  await new Promise<void>((resolve) => {
    const done = new Set<number>();
    const second = worker(appId, input, (records, ms, restoredPartitions) => {
      // one event per batch of tasks started together; the whole restore is their sum
      restored.records += records;
      restored.ms = Math.max(restored.ms, ms);
      const before = done.size;
      for (const p of restoredPartitions) done.add(p);
      if (done.size === partitions && before < partitions) {
        void second.stop().then(resolve);
      }
    });
    void second.start();
  });
  return restored;
}
