/**
 * A record a stage would write that its topic cannot take (max.message.bytes)
 * fails every transaction that holds it: before, the task restored and
 * re-read it forever and its partition, with every window downstream, stood
 * still. On the real broker: such an input is dead-lettered with
 * OUTPUT_TOO_LARGE and the records after it go on. And records that each
 * fit, sent in one transaction, are sent in record batches the topic takes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStructured } from '../../../src/cloudevents/envelope.js';
import { DEAD_LETTER_HEADERS } from '../../../src/runtime/dead-letter.js';
import { StreamWorker } from '../../../src/runtime/worker.js';
import { consumeExactly, createTopic, kafka, uniqueName } from '../setup/clients.js';
import { ingestWorker } from '../setup/ingest-worker.js';

const deployed = JSON.parse(
  readFileSync(new URL('../../fixtures/events/service-deployed.json', import.meta.url), 'utf8'),
) as { context: Record<string, string> };
const LIMIT = 8_000;
const event = (id: string, notes: number) =>
  JSON.stringify({
    specversion: '1.0',
    id,
    source: deployed.context.source,
    type: deployed.context.type,
    datacontenttype: 'application/json',
    data: {
      ...deployed,
      context: { ...deployed.context, id },
      customData: { notes: 'x'.repeat(notes) },
    },
  });
const CE_JSON = { 'content-type': 'application/cloudevents+json' };

describe('a stage output larger than its topic takes', () => {
  const client = kafka('cdstream-test-too-large');
  const appId = uniqueName('too-large');
  const input = `${appId}-in`;
  const dlq = `${appId}-dlq`;
  const toJoin = `${appId}-by-artifact-repartition`;
  let worker: StreamWorker;

  beforeAll(async () => {
    await createTopic(client, input, 1);
    // the internal topic exists already, with a small limit: the worker keeps it as it is
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: toJoin,
          numPartitions: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(LIMIT) }],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    worker = ingestWorker({ appId, input, dlq });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop();
  });

  it('dead-letters the input with OUTPUT_TOO_LARGE and processes the records after it', async () => {
    const base = event('base', 0).length;
    // under the limit as it came; over it with ingest's extensions, key and framing
    const over = event('over', LIMIT - 200 - base);
    expect(Buffer.byteLength(over)).toBeLessThan(LIMIT);
    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: [
        { key: 'before', value: event('before', 100), headers: CE_JSON },
        { key: 'over', value: over, headers: CE_JSON },
        { key: 'after', value: event('after', 100), headers: CE_JSON },
      ],
    });
    await producer.disconnect();

    const forwarded = await consumeExactly(client, toJoin, 2, { readUncommitted: false });
    await forwarded.consumer.disconnect();
    expect(forwarded.received.map((r) => decodeStructured(r.message.value).attributes.id)).toEqual([
      'before',
      'after',
    ]);

    const dead = await consumeExactly(client, dlq, 1, { readUncommitted: false });
    await dead.consumer.disconnect();
    const [record] = dead.received;
    expect(record?.message.headers?.[DEAD_LETTER_HEADERS.code]?.toString()).toBe(
      'OUTPUT_TOO_LARGE',
    );
    expect(record?.message.value?.toString()).toBe(over);
    expect(record?.message.headers?.[DEAD_LETTER_HEADERS.message]?.toString()).toContain(
      `${LIMIT} (max.message.bytes)`,
    );
  });

  it('sends records that each fit but together exceed the limit in batches the topic takes', async () => {
    // one transaction of 40 small events, all to the one partition: about five times the limit
    const ids = Array.from({ length: 40 }, (_, n) => `small-${n}`);
    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: ids.map((id) => ({ key: id, value: event(id, 300), headers: CE_JSON })),
    });
    await producer.disconnect();

    // the two of the first case, then these 40 (a refused batch would abort every transaction)
    const forwarded = await consumeExactly(client, toJoin, 42, { readUncommitted: false });
    await forwarded.consumer.disconnect();
    const received = forwarded.received.map((r) => decodeStructured(r.message.value).attributes.id);
    expect(received.slice(2)).toEqual(ids);
    const sizes = forwarded.received.slice(2).map((r) => r.message.value?.length ?? 0);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBeGreaterThan(4 * LIMIT);
  });
});
