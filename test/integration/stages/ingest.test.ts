/**
 * Stage 1 on the real broker and registry: every encoding reaches the join's
 * repartition topic, every kind of bad record lands in the dead-letter topic
 * with the documented headers, a duplicate is counted once, and a registry
 * outage delays Avro records but loses none.
 */
import { readFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryAvroDecoder } from '../../../src/cloudevents/avro.js';
import { decodeStructured } from '../../../src/cloudevents/envelope.js';
import { DEAD_LETTER_HEADERS } from '../../../src/runtime/dead-letter.js';
import { StreamWorker } from '../../../src/runtime/worker.js';
import type { IngestOutcome } from '../../../src/stages/ingest/ingest-stage.js';
import { consumeExactly, createTopic, kafka, uniqueName } from '../setup/clients.js';
import { ingestWorker } from '../setup/ingest-worker.js';
import { startTcpProxy, type TcpProxy } from '../setup/tcp-proxy.js';

const deployed = JSON.parse(
  readFileSync(new URL('../../fixtures/events/service-deployed.json', import.meta.url), 'utf8'),
) as { context: Record<string, string>; subject: Record<string, unknown> };
const withId = (id: string) => ({ ...deployed, context: { ...deployed.context, id } });
const structured = (id: string) =>
  JSON.stringify({
    specversion: '1.0',
    id,
    source: deployed.context.source,
    type: deployed.context.type,
    datacontenttype: 'application/json',
    data: withId(id),
  });
const CE_JSON = { 'content-type': 'application/cloudevents+json' };

/** An Avro schema for the bare service.deployed CDEvent of the fixture. */
const deployedAvro = {
  type: 'record',
  name: 'ServiceDeployed',
  namespace: 'dev.cdstream.test',
  fields: [
    {
      name: 'context',
      type: {
        type: 'record',
        name: 'Context',
        fields: ['specversion', 'id', 'source', 'type', 'timestamp'].map((name) => ({
          name,
          type: 'string',
        })),
      },
    },
    {
      name: 'subject',
      type: {
        type: 'record',
        name: 'Subject',
        fields: [
          { name: 'id', type: 'string' },
          { name: 'source', type: 'string' },
          {
            name: 'content',
            type: {
              type: 'record',
              name: 'Content',
              fields: [
                {
                  name: 'environment',
                  type: {
                    type: 'record',
                    name: 'Environment',
                    fields: [{ name: 'id', type: 'string' }],
                  },
                },
                { name: 'artifactId', type: 'string' },
              ],
            },
          },
        ],
      },
    },
  ],
};

describe('ingest stage on Kafka', () => {
  const client = kafka('cdstream-test-ingest');
  const appId = uniqueName('ingest');
  const input = `${appId}-in`;
  const dlq = `${appId}-dlq`;
  const toJoin = `${appId}-by-artifact-repartition`;
  const outcomes: { outcome: IngestOutcome; code?: string }[] = [];
  const retries: string[] = [];
  let proxy: TcpProxy;
  let worker: StreamWorker;
  let registry: SchemaRegistry;
  let avroSchemaId: number;

  beforeAll(async () => {
    await createTopic(client, input, 1);
    const registryUrl = new URL(inject('schemaRegistryUrl'));
    registry = new SchemaRegistry({ host: registryUrl.toString() });
    avroSchemaId = (
      await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(deployedAvro) },
        { subject: `${input}-value` },
      )
    ).id;
    proxy = await startTcpProxy(registryUrl.hostname, Number(registryUrl.port || 80));
    const proxied = new URL(registryUrl);
    proxied.port = String(proxy.port);
    worker = ingestWorker({
      appId,
      input,
      dlq,
      stage: {
        maxRecordBytes: 16_384,
        avro: registryAvroDecoder(
          new SchemaRegistry({ host: proxied.toString(), retry: { retries: 0 } }),
        ),
        onOutcome: (outcome, detail) => {
          outcomes.push({ outcome, ...(detail.code ? { code: detail.code } : {}) });
        },
      },
      listener: { retrying: (event) => retries.push(event.code) },
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop();
    await proxy.close();
  });

  it('reads every encoding, dead-letters every kind of bad record, and counts a duplicate once', async () => {
    const producer = client.producer();
    await producer.connect();
    const avroValue = await registry.encode(avroSchemaId, withId('avro-1'));
    await producer.send({
      topic: input,
      messages: [
        { value: structured('structured-1'), headers: CE_JSON },
        {
          value: JSON.stringify(withId('binary-1')),
          headers: {
            ce_specversion: '1.0',
            ce_id: 'binary-1',
            ce_source: deployed.context.source,
            ce_type: deployed.context.type,
            'content-type': 'application/json',
          },
        },
        {
          value: `[${structured('batch-1')},${structured('batch-2')},{"specversion":"1.0"}]`,
          headers: { 'content-type': 'application/cloudevents-batch+json' },
        },
        { value: JSON.stringify(withId('bare-1')) },
        { value: avroValue },
        { value: structured('structured-1'), headers: CE_JSON }, // duplicate
        {
          key: 'bad-json',
          value: '{"specversion":',
          headers: { 'content-type': 'application/json', trace: 't-1' },
        },
        { key: 'header-only', value: null, headers: { ce_id: 'x' } },
        { key: 'too-large', value: 'x'.repeat(20_000) },
        { key: 'invalid-utf8', value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
        {
          key: 'no-id',
          value: JSON.stringify({ ...deployed, context: { ...deployed.context, id: '' } }),
        },
      ],
    });
    await producer.disconnect();

    const forwarded = await consumeExactly(client, toJoin, 6);
    await forwarded.consumer.disconnect();
    const ids = forwarded.received
      .map((r) => decodeStructured(r.message.value).attributes.id)
      .sort();
    expect(ids).toEqual(['avro-1', 'bare-1', 'batch-1', 'batch-2', 'binary-1', 'structured-1']);

    const dead = await consumeExactly(client, dlq, 6);
    await dead.consumer.disconnect();
    const byKey = new Map(dead.received.map((r) => [String(r.message.key), r.message]));
    const header = (key: string, name: string) => byKey.get(key)?.headers?.[name]?.toString();
    expect(header('bad-json', DEAD_LETTER_HEADERS.code)).toBe('DECODE_JSON');
    expect(header('bad-json', 'trace')).toBe('t-1'); // original headers kept
    expect(byKey.get('bad-json')?.value?.toString()).toBe('{"specversion":'); // original bytes kept
    expect(header('bad-json', DEAD_LETTER_HEADERS.sourceTopic)).toBe(input);
    expect(header('bad-json', DEAD_LETTER_HEADERS.sourcePartition)).toBe('0');
    expect(header('bad-json', DEAD_LETTER_HEADERS.sourceOffset)).toBe('6');
    expect(Date.parse(header('bad-json', DEAD_LETTER_HEADERS.failedAt) ?? '')).toBeGreaterThan(0);
    expect(header('header-only', DEAD_LETTER_HEADERS.code)).toBe('EMPTY_VALUE');
    expect(header('too-large', DEAD_LETTER_HEADERS.code)).toBe('TOO_LARGE');
    expect(header('invalid-utf8', DEAD_LETTER_HEADERS.code)).toBe('DECODE_UTF8');
    expect(header('no-id', DEAD_LETTER_HEADERS.code)).toBe('SCHEMA_VIOLATION');
    expect(header('no-id', DEAD_LETTER_HEADERS.path)).toBe('/context/id');
    const batchEntry = dead.received.find((r) => r.message.key === null);
    expect(batchEntry?.message.headers?.[DEAD_LETTER_HEADERS.code]?.toString()).toBe(
      'CE_MISSING_ATTRIBUTE',
    );
    expect(batchEntry?.message.headers?.[DEAD_LETTER_HEADERS.path]?.toString()).toMatch(/^\/2/);

    const tally = (outcome: IngestOutcome) => outcomes.filter((o) => o.outcome === outcome).length;
    expect([tally('processed'), tally('dead-lettered'), tally('duplicate')]).toEqual([6, 6, 1]);
  });

  it('holds Avro records while the registry is unreachable and processes them once it is back', async () => {
    // a schema the worker has not fetched yet: its registry client cached the first one
    const { id: newSchemaId } = await registry.register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({ ...deployedAvro, name: 'ServiceDeployedV2' }),
      },
      { subject: `${input}-outage-value` },
    );
    await proxy.cut();
    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: [
        { value: await registry.encode(newSchemaId, withId('avro-during-outage')) },
        { value: structured('after-outage'), headers: CE_JSON },
      ],
    });
    await producer.disconnect();
    // the task retries the Avro record; the JSON one behind it waits its turn
    await expect.poll(() => retries.length, { timeout: 30_000 }).toBeGreaterThan(1);
    expect(retries.every((code) => code === 'REGISTRY_UNAVAILABLE')).toBe(true);
    await proxy.restore();

    const forwarded = await consumeExactly(client, toJoin, 8);
    await forwarded.consumer.disconnect();
    const ids = forwarded.received.map((r) => decodeStructured(r.message.value).attributes.id);
    expect(ids.slice(-2)).toEqual(['avro-during-outage', 'after-outage']);
    const dead = await consumeExactly(client, dlq, 6);
    await dead.consumer.disconnect();
    expect(dead.received).toHaveLength(6); // nothing new dead-lettered
  });
});
