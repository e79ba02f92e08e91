import { describe, expect, it } from 'vitest';
import { consumeExactly, createTopic, kafka, uniqueName } from './setup/clients.js';

const values = (received: { message: { value: Buffer | null } }[]) =>
  received.map((r) => r.message.value?.toString());

describe('transactional consume → produce with sendOffsets', () => {
  it('exposes committed output and offsets, and hides aborted ones', async () => {
    const client = kafka('cdstream-test-tx');
    const input = uniqueName('tx-in');
    const output = uniqueName('tx-out');
    const groupId = uniqueName('tx-group');
    await createTopic(client, input);
    await createTopic(client, output);

    const plain = client.producer();
    await plain.connect();
    await plain.send({ topic: input, messages: [{ value: 'a' }, { value: 'b' }] });

    const producer = client.producer({
      transactionalId: uniqueName('tx-test'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const consumer = client.consumer({ groupId, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });

    // 'a' is transformed and committed; 'b' is transformed and aborted.
    await new Promise<void>((resolve, reject) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          try {
            const value = message.value?.toString() ?? '';
            const transaction = await producer.transaction();
            await transaction.send({ topic: output, messages: [{ value: value.toUpperCase() }] });
            await transaction.sendOffsets({
              consumerGroupId: groupId,
              topics: [
                { topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] },
              ],
            });
            if (value === 'a') await transaction.commit();
            else await transaction.abort();
            if (value === 'b') resolve();
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      });
    });
    await consumer.disconnect();
    await producer.disconnect();

    const admin = client.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
    await admin.disconnect();
    expect(offsets?.partitions).toEqual([{ partition: 0, offset: '1', metadata: null }]);

    // A plain marker after both transactions bounds the reads without sleeping:
    // anything visible before it has been delivered by the time it arrives.
    await plain.send({ topic: output, messages: [{ value: 'END' }] });
    await plain.disconnect();

    const committed = await consumeExactly(client, output, 2, { readUncommitted: false });
    await committed.consumer.disconnect();
    expect(values(committed.received)).toEqual(['A', 'END']);

    const uncommitted = await consumeExactly(client, output, 3, { readUncommitted: true });
    await uncommitted.consumer.disconnect();
    expect(values(uncommitted.received)).toEqual(['A', 'B', 'END']);
  });
});
