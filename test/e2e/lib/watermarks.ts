/**
 * Waits until the watermark records on an internal topic reach an event time:
 * every task that reported on a partition has reported at least `atLeast`.
 * "Committed to the end" alone is not enough after a flush: a task writes
 * its next watermark record up to a second after the data that moved it, so
 * a reader can be at the end before the record that closes the windows exists.
 */
import type { Kafka } from '../../../src/runtime/kafka/kafkajs.js';

const WATERMARK = 'cdstream-watermark';
const TASK = 'cdstream-watermark-task';

export async function awaitWatermarks(
  client: Kafka,
  topic: string,
  atLeast: number,
  timeoutMs = 600_000,
): Promise<void> {
  const latest = new Map<string, number>();
  const consumer = client.consumer({ groupId: `watermarks-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const reached = () =>
    latest.size > 0 && [...latest.values()].every((watermark) => watermark >= atLeast);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const behind = [...latest].filter(([, watermark]) => watermark < atLeast);
        reject(
          new Error(
            `${topic}: watermarks below ${new Date(atLeast).toISOString()} after ${timeoutMs} ms: ${behind
              .map(([task, watermark]) => `${task} at ${new Date(watermark).toISOString()}`)
              .join(', ')}`,
          ),
        );
      }, timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const watermark = message.headers?.[WATERMARK];
          const task = message.headers?.[TASK];
          if (watermark === undefined || task === undefined) return;
          const key = `${partition}/${String(task)}`;
          latest.set(key, Math.max(latest.get(key) ?? -Infinity, Number(String(watermark))));
          if (reached()) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}
