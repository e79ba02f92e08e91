/**
 * Fencing of task producers on a real broker. A new owner of a task must
 * fence the old one before it reads the changelog and the committed offsets:
 * a commit of the old owner after that point would change what the new one
 * has just read.
 */
import { describe, expect, inject, it } from 'vitest';
import { KafkajsTransport } from '../../../src/runtime/kafka/kafkajs-transport.js';
import { TaskFencedError } from '../../../src/runtime/transport.js';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';
import { readWholeTopic } from '../setup/topics.js';

describe('task producers', () => {
  it('fence the older owner of their transactional id as soon as they are created', async () => {
    const client = kafka('cdstream-test-fencing');
    const output = uniqueName('fencing-out');
    const groupId = uniqueName('fencing-group');
    const transactionalId = uniqueName('fencing-task');
    await createTopic(client, output, 1);
    const transport = new KafkajsTransport({
      clientId: 'cdstream-test-fencing',
      brokers: inject('kafkaBrokers'),
    });
    try {
      const older = await transport.createTaskProducer(transactionalId, groupId);
      await older.commitTransaction([{ topic: output, key: 'k', value: 'before' }], []);

      // the newer owner only connects: it has not produced or committed anything
      const newer = await transport.createTaskProducer(transactionalId, groupId);
      await expect(
        older.commitTransaction([{ topic: output, key: 'k', value: 'zombie' }], []),
      ).rejects.toBeInstanceOf(TaskFencedError);

      await newer.commitTransaction([{ topic: output, key: 'k', value: 'after' }], []);
      const values = (await readWholeTopic(client, output, uniqueName('fencing-read'))).map(
        (record) => record.value,
      );
      expect(values).toEqual(['before', 'after']);
      await Promise.all([older.close(), newer.close()]);
    } finally {
      await transport.close();
    }
  });

  it('make records sent ahead of a commit visible with it, and never if the transaction is aborted', async () => {
    const client = kafka('cdstream-test-send');
    const output = uniqueName('send-out');
    const groupId = uniqueName('send-group');
    const transactionalId = uniqueName('send-task');
    await createTopic(client, output, 1);
    const transport = new KafkajsTransport({
      clientId: 'cdstream-test-send',
      brokers: inject('kafkaBrokers'),
    });
    try {
      const older = await transport.createTaskProducer(transactionalId, groupId);
      await older.send([{ topic: output, key: 'k', value: 'sent 1' }]);
      await older.send([{ topic: output, key: 'k', value: 'sent 2' }]);
      await older.commitTransaction([{ topic: output, key: 'k', value: 'with the commit' }], []);

      // sent, then the task moved to a newer owner before its commit
      await older.send([{ topic: output, key: 'k', value: 'orphan' }]);
      const newer = await transport.createTaskProducer(transactionalId, groupId);
      await expect(older.commitTransaction([], [])).rejects.toBeInstanceOf(TaskFencedError);
      await newer.commitTransaction([{ topic: output, key: 'k', value: 'after' }], []);

      const values = (await readWholeTopic(client, output, uniqueName('send-read'))).map(
        (record) => record.value,
      );
      expect(values).toEqual(['sent 1', 'sent 2', 'with the commit', 'after']);
      await Promise.all([older.close(), newer.close()]);
    } finally {
      await transport.close();
    }
  });
});
