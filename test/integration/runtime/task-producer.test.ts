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
});
