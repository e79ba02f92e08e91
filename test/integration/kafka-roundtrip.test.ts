import { afterAll, describe, expect, inject, it } from 'vitest';
import { consumeExactly, createTopic, kafka, uniqueName } from './setup/clients.js';

describe(`Kafka produce and consumer-group consume (${inject('servicesOrigin')})`, () => {
  const client = kafka();
  const producer = client.producer();

  afterAll(async () => {
    await producer.disconnect();
  });

  it('delivers every record to a consumer group, in order per partition', async () => {
    const topic = uniqueName('roundtrip');
    await createTopic(client, topic, 3);
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `key-${i % 5}`,
      value: JSON.stringify({ seq: i }),
    }));
    await producer.send({ topic, messages: sent });

    const { received, consumer } = await consumeExactly(client, topic, sent.length);
    await consumer.disconnect();

    expect(received.map((r) => r.message.value?.toString()).sort()).toEqual(
      sent.map((m) => m.value).sort(),
    );
    // Records of one key land in one partition, in the order they were sent.
    for (let k = 0; k < 5; k++) {
      const ofKey = received.filter((r) => r.message.key?.toString() === `key-${k}`);
      expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1);
      const seqs = ofKey.map((r) => (JSON.parse(String(r.message.value)) as { seq: number }).seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });
});
