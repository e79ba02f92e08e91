/**
 * Transactions on a real broker with kafkajs' coordinator lookups remembered:
 * the commits land as before (outputs visible to read_committed, offsets
 * committed for the group), with one FindCoordinator per coordinator instead
 * of one before every request to it.
 */
import { describe, expect, it } from 'vitest';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';
import { readWholeTopic } from '../setup/topics.js';

const TRANSACTIONS = 12;

describe('coordinator lookups of a transactional producer', () => {
  it('happen once per coordinator, and every transaction still commits its records and offsets', async () => {
    const client = kafka('cdstream-test-coordinators');
    const input = uniqueName('coordinators-in');
    const output = uniqueName('coordinators-out');
    const groupId = uniqueName('coordinators-group');
    await createTopic(client, input, 1);
    await createTopic(client, output, 1);
    const producer = client.producer({
      transactionalId: uniqueName('coordinators-txn'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const lookups: string[] = [];
    const requests: string[] = [];
    producer.on(producer.events.REQUEST, ({ payload }) => {
      requests.push(payload.apiName);
      if (payload.apiName === 'GroupCoordinator') lookups.push(payload.apiName);
    });
    const admin = client.admin();
    await producer.connect();
    await admin.connect();
    try {
      for (let i = 0; i < TRANSACTIONS; i++) {
        const transaction = await producer.transaction();
        await transaction.send({ topic: output, messages: [{ key: 'k', value: `v${i}` }] });
        await transaction.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic: input, partitions: [{ partition: 0, offset: String(i + 1) }] }],
        });
        await transaction.commit();
      }
      const committed = await admin.fetchOffsets({ groupId, topics: [input] });
      expect(committed[0]?.partitions[0]?.offset).toBe(String(TRANSACTIONS));
    } finally {
      await admin.disconnect();
      await producer.disconnect();
    }
    const values = (await readWholeTopic(client, output, uniqueName('coordinators-read'))).map(
      (record) => record.value,
    );
    expect(values).toEqual(Array.from({ length: TRANSACTIONS }, (_, i) => `v${i}`));
    // one lookup of the transaction coordinator, one of the group's; kafkajs
    // alone asked before each AddPartitionsToTxn, AddOffsetsToTxn,
    // TxnOffsetCommit and EndTxn: 4 per transaction
    expect(lookups.length).toBeLessThanOrEqual(2);
    expect(requests.filter((name) => name === 'EndTxn')).toHaveLength(TRANSACTIONS);
  });
});
