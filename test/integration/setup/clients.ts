import { randomUUID } from 'node:crypto';
import {
  Kafka,
  logLevel,
  type Consumer,
  type ConsumerConfig,
  type KafkaMessage,
} from '../../../src/runtime/kafka/kafkajs.js';
import { inject } from 'vitest';
import { WATERMARK_HEADERS } from '../../../src/runtime/watermark-records.js';

export function kafka(clientId = 'cdstream-test'): Kafka {
  return new Kafka({ clientId, brokers: inject('kafkaBrokers'), logLevel: logLevel.NOTHING });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createTopic(client: Kafka, topic: string, numPartitions = 1): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export interface ReceivedMessage {
  partition: number;
  message: KafkaMessage;
}

/**
 * Subscribes from the beginning and resolves once `count` messages arrived,
 * or rejects after `timeoutMs` naming how many did.
 */
/** Data records only: watermark records (internal topics) are skipped. */
export async function consumeExactly(
  client: Kafka,
  topic: string,
  count: number,
  config: Partial<ConsumerConfig> = {},
  timeoutMs = 30_000,
): Promise<{ received: ReceivedMessage[]; consumer: Consumer }> {
  const consumer = client.consumer({ groupId: uniqueName('reader'), ...config });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: ReceivedMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`expected ${count} messages on ${topic}, got ${received.length}`));
      }, timeoutMs);
      void consumer.run({
        eachMessage: ({ partition, message }) => {
          // watermark records of internal topics are the runtime's, not data
          if (message.value === null && message.headers?.[WATERMARK_HEADERS.time] !== undefined) {
            return Promise.resolve();
          }
          received.push({ partition, message });
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return { received, consumer };
}
