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

interface OneTopic {
  readonly transport: KafkajsTransport;
  readonly output: string;
  readonly groupId: string;
  readonly transactionalId: string;
  /** the values a read_committed consumer reads from the output, in order */
  readonly committedValues: () => Promise<string[]>;
}

/** A one-partition output topic and a transport on the test broker, closed afterwards. */
async function withOneTopic(name: string, body: (topic: OneTopic) => Promise<void>) {
  const client = kafka(`cdstream-test-${name}`);
  const output = uniqueName(`${name}-out`);
  await createTopic(client, output, 1);
  const transport = new KafkajsTransport({
    clientId: `cdstream-test-${name}`,
    brokers: inject('kafkaBrokers'),
  });
  try {
    await body({
      transport,
      output,
      groupId: uniqueName(`${name}-group`),
      transactionalId: uniqueName(`${name}-task`),
      committedValues: async () =>
        (await readWholeTopic(client, output, uniqueName(`${name}-read`))).map(
          (record) => record.value,
        ),
    });
  } finally {
    await transport.close();
  }
}

describe('task producers', () => {
  it('fence the older owner of their transactional id as soon as they are created', () =>
    withOneTopic(
      'fencing',
      async ({ transport, output, groupId, transactionalId, committedValues }) => {
        const older = await transport.createTaskProducer(transactionalId, groupId);
        await older.commitTransaction([{ topic: output, key: 'k', value: 'before' }], []);

        // the newer owner only connects: it has not produced or committed anything
        const newer = await transport.createTaskProducer(transactionalId, groupId);
        await expect(
          older.commitTransaction([{ topic: output, key: 'k', value: 'zombie' }], []),
        ).rejects.toBeInstanceOf(TaskFencedError);

        await newer.commitTransaction([{ topic: output, key: 'k', value: 'after' }], []);
        expect(await committedValues()).toEqual(['before', 'after']);
        await Promise.all([older.close(), newer.close()]);
      },
    ));

  it('make records sent ahead of a commit visible with it, and never if the transaction is aborted', () =>
    withOneTopic(
      'send',
      async ({ transport, output, groupId, transactionalId, committedValues }) => {
        const older = await transport.createTaskProducer(transactionalId, groupId);
        await older.send([{ topic: output, key: 'k', value: 'sent 1' }]);
        await older.send([{ topic: output, key: 'k', value: 'sent 2' }]);
        await older.commitTransaction([{ topic: output, key: 'k', value: 'with the commit' }], []);

        // sent, then the task moved to a newer owner before its commit
        await older.send([{ topic: output, key: 'k', value: 'orphan' }]);
        const newer = await transport.createTaskProducer(transactionalId, groupId);
        await expect(older.commitTransaction([], [])).rejects.toBeInstanceOf(TaskFencedError);
        await newer.commitTransaction([{ topic: output, key: 'k', value: 'after' }], []);

        expect(await committedValues()).toEqual(['sent 1', 'sent 2', 'with the commit', 'after']);
        await Promise.all([older.close(), newer.close()]);
      },
    ));
});
