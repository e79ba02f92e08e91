/**
 * Connection security on a real broker: SCRAM-SHA-256 over the SASL_PLAINTEXT
 * listener (scripts/services opens it on 127.0.0.1:9094; elsewhere name one
 * with KAFKA_SASL_BROKERS). The client settings come from the same
 * environment parsing the worker uses.
 */
import { Kafka, logLevel } from '../../src/runtime/kafka/kafkajs.js';
import { describe, expect, inject, it } from 'vitest';
import {
  describeConnection,
  kafkaSecurityFromEnvironment,
  type KafkaSecurity,
} from '../../src/config/connection.js';
import { KafkajsTransport } from '../../src/runtime/kafka/kafkajs-transport.js';
import { consumeExactly, uniqueName } from './setup/clients.js';

// the local services' fixed credential; an external SASL broker names its own
const USERNAME = process.env.CDSTREAM_TEST_SASL_USERNAME ?? 'cdstream';
const PASSWORD = process.env.CDSTREAM_TEST_SASL_PASSWORD ?? 'cdstream-local-scram';
const WRONG_PASSWORD = 'wrong-password-must-not-leak-7c1f';

function saslBrokers(): string[] {
  const brokers = inject('kafkaSaslBrokers');
  if (brokers.length === 0) {
    throw new Error(
      `no broker with a SASL listener for ${inject('servicesOrigin')}: set KAFKA_SASL_BROKERS (and CDSTREAM_TEST_SASL_USERNAME/PASSWORD) to a SASL_PLAINTEXT SCRAM-SHA-256 listener`,
    );
  }
  return brokers;
}

function security(password: string): KafkaSecurity {
  return kafkaSecurityFromEnvironment({
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: USERNAME,
    KAFKA_SASL_PASSWORD: password,
  });
}

function client(password: string): Kafka {
  return new Kafka({
    clientId: 'cdstream-test-sasl',
    brokers: saslBrokers(),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    ...security(password),
  });
}

/** Everything an error shows a person or a log: message, stack, causes and own fields. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    parts.push(e.message, e.stack ?? '', JSON.stringify(e));
  }
  return parts.join('\n');
}

describe('SASL SCRAM-SHA-256', () => {
  it('produces and consumes with the right credentials', async () => {
    const kafka = client(PASSWORD);
    const topic = uniqueName('sasl');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'a', value: 'one' },
        { key: 'b', value: 'two' },
      ],
    });
    await producer.disconnect();

    const { received, consumer } = await consumeExactly(kafka, topic, 2);
    await consumer.disconnect();
    expect(received.map(({ message }) => message.value?.toString())).toEqual(['one', 'two']);
  });

  it('refuses a wrong password with an authentication error that does not show it', async () => {
    const admin = client(WRONG_PASSWORD).admin();
    const error: unknown = await admin.connect().then(
      () => new Error('connected with a wrong password'),
      (refused: unknown) => refused,
    );
    await admin.disconnect();
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/authentication failed/i);
    expect(errorText(error)).not.toContain(WRONG_PASSWORD);
  });

  it('runs the engine transport over SASL', async () => {
    const config = security(PASSWORD);
    const transport = new KafkajsTransport({
      clientId: 'cdstream-test-sasl-transport',
      brokers: saslBrokers(),
      kafka: config,
    });
    const topic = uniqueName('sasl-transport');
    try {
      await transport.ensureTopics([{ name: topic, partitions: 2 }]);
      expect(await transport.partitionCounts([topic])).toEqual(new Map([[topic, 2]]));
      expect(await transport.consumerLag(uniqueName('nobody'), [topic])).toEqual([
        { topic, partition: 0, lag: 0 },
        { topic, partition: 1, lag: 0 },
      ]);
    } finally {
      await transport.close();
    }
    const description = describeConnection({ kafka: config, registry: { kind: 'none' } });
    expect(description.kafkaAuth).toEqual({ mechanism: 'scram-sha-256', username: USERNAME });
    expect(JSON.stringify(description)).not.toContain(PASSWORD);
  });
});
