/**
 * `cdstream produce` of a file with an event the broker refuses (dated 3 h
 * ahead of the clock; Kafka 4 takes at most 1 h): one line naming the event
 * and the reason, exit 1 and nothing sent; with --skip-refused the others
 * are sent and the count refused reported. And the demo's way of producing,
 * one record at a time, names the record the broker itself refuses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { STRUCTURED_CONTENT_TYPE } from '../../../src/cloudevents/envelope.js';
import { connectionsFromEnvironment } from '../../../src/cli/connections.js';
import { isolatedConfig, runPipeline } from '../../../src/cli/demo/pipeline-run.js';
import { readToEnd } from '../../../src/cli/kafka-topics.js';
import { RecordRefusedError } from '../../../src/cli/refusals.js';
import { loadTopologyFile } from '../../../src/config/topology-file.js';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';
import { startCdstream } from '../setup/fleet.js';

const HOUR = 3_600_000;
const DIR = '.local/test-produce';

const event = (id: string, time: number) => ({
  specversion: '1.0',
  id,
  source: '/test/produce',
  type: 'dev.cdevents.service.deployed.0.3.0',
  time: new Date(time).toISOString(),
  datacontenttype: 'application/json',
  data: {
    context: {
      specversion: '0.5.1',
      id,
      source: '/test/produce',
      type: 'dev.cdevents.service.deployed.0.3.0',
      timestamp: new Date(time).toISOString(),
    },
    subject: {
      id: 'checkout',
      source: '/test/produce',
      content: { environment: { id: 'production' }, artifactId: 'pkg:oci/checkout@sha256%3A00' },
    },
  },
});

/**
 * The command's own lines. kafkajs' log lines and Node's warnings (kafkajs'
 * TimeoutNegativeWarning) are not what this test is about: it checks what the
 * command says of a refused record.
 */
async function cdstream(args: string[]) {
  const run = startCdstream(args, { NODE_NO_WARNINGS: '1' });
  const code = await run.exited;
  return { code, lines: run.output.filter((line) => !line.startsWith('{"level"')) };
}

async function idsOn(topic: string): Promise<string[]> {
  const records = await readToEnd(kafka('cdstream-test-produce-read'), [topic]);
  return records
    .map((r) => (JSON.parse(r.message.value?.toString() ?? '{}') as { id: string }).id)
    .sort();
}

describe('cdstream produce of an event the broker refuses', () => {
  it('prints one line naming the event and why, exits 1 and sends nothing; --skip-refused sends the others', async () => {
    const topic = uniqueName('produce-refused');
    await createTopic(kafka('cdstream-test-produce'), topic, 3);
    mkdirSync(DIR, { recursive: true });
    const file = `${DIR}/${topic}.ndjson`;
    const now = Date.now();
    writeFileSync(
      file,
      [event('first', now - 60_000), event('ahead', now + 3 * HOUR), event('last', now - 1_000)]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );

    const refused = await cdstream(['produce', '--topic', topic, file]);
    expect(refused.code).toBe(1);
    expect(refused.lines).toHaveLength(1);
    expect(refused.lines[0]).toMatch(
      new RegExp(
        `^${file}:2 \\(event /test/produce ahead\\): refused: its timestamp \\S+ is 3h 0m ahead of the clock; topic ${topic} accepts at most 1h 0m ahead \\(message\\.timestamp\\.after\\.max\\.ms\\) \\(INVALID_TIMESTAMP\\); nothing was sent; --skip-refused sends the others$`,
      ),
    );
    expect(await idsOn(topic)).toEqual([]);

    const skipped = await cdstream(['produce', '--topic', topic, '--skip-refused', file]);
    expect(skipped.code).toBe(0);
    expect(skipped.lines).toEqual([
      expect.stringMatching(
        new RegExp(`^${file}:2 \\(event /test/produce ahead\\): refused: .*INVALID_TIMESTAMP.*`),
      ),
      `sent 2 events as 2 structured records to ${topic}; 1 refused (listed above), not sent`,
    ]);
    expect(await idsOn(topic)).toEqual(['first', 'last']);
  }, 60_000);

  it('names the record the broker itself refuses: the records before it sent, none after it', async () => {
    // max.message.bytes counts the record batch: the big event's key, value and
    // headers fit under it (no refusal foreseen), its batch does not
    const client = kafka('cdstream-test-produce');
    const admin = client.admin();
    await admin.connect();
    const topics = [uniqueName('produce-too-large'), uniqueName('produce-too-large-skip')];
    await admin.createTopics({
      topics: topics.map((topic) => ({
        topic,
        numPartitions: 1,
        configEntries: [{ name: 'max.message.bytes', value: '1000' }],
      })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const now = Date.now();
    const overhead = '/test/produce'.length + `content-type${STRUCTURED_CONTENT_TYPE}`.length;
    const small = (id: string) => JSON.stringify(event(id, now - 60_000));
    const big = JSON.stringify({ ...event('big', now - 30_000), pad: '' });
    const padded = big.replace('"pad":""', `"pad":"${'x'.repeat(980 - overhead - big.length)}"`);
    expect(small('a').length + overhead).toBeLessThan(850);
    expect(padded.length + overhead).toBe(980);
    mkdirSync(DIR, { recursive: true });
    const file = `${DIR}/${topics[0] ?? ''}.ndjson`;
    writeFileSync(file, [small('small-1'), padded, small('small-2')].join('\n') + '\n');

    const refused = await cdstream(['produce', '--topic', topics[0] ?? '', file]);
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([
      `${file}:2 (event /test/produce big): refused by the broker: it is 980 bytes (key, value and headers), and topic ${topics[0] ?? ''} takes record batches of at most 1000 bytes (max.message.bytes) (MESSAGE_TOO_LARGE); the 1 record(s) before it were sent, nothing after it; --skip-refused sends the others`,
    ]);
    expect(await idsOn(topics[0] ?? '')).toEqual(['small-1']);

    const skipped = await cdstream(['produce', '--topic', topics[1] ?? '', '--skip-refused', file]);
    expect(skipped.code).toBe(0);
    expect(skipped.lines).toEqual([
      expect.stringMatching(
        /:2 \(event \/test\/produce big\): refused by the broker: .*; not sent$/,
      ),
      `sent 2 events as 2 structured records to ${topics[1] ?? ''}; 1 refused (listed above), not sent`,
    ]);
    expect(await idsOn(topics[1] ?? '')).toEqual(['small-1', 'small-2']);
  }, 60_000);

  it('names a topic that does not exist in one line, exit 1', async () => {
    mkdirSync(DIR, { recursive: true });
    const file = `${DIR}/one.json`;
    writeFileSync(file, JSON.stringify(event('one', Date.now())));
    const missing = uniqueName('no-such-topic');
    const result = await cdstream(['produce', '--topic', missing, file]);
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      `topic ${missing} does not exist; create it first (cdstream topics create --topology FILE)`,
    ]);
  }, 60_000);

  it("the demo's producer names the record the broker refuses: file, line, event", async () => {
    const config = isolatedConfig(
      loadTopologyFile('topologies/default.yaml'),
      uniqueName('refused').replace('-', ''),
    );
    const connections = connectionsFromEnvironment({
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      SCHEMA_REGISTRY_URL: inject('schemaRegistryUrl'),
    });
    const now = Date.now();
    const lines = [event('fine', now - 60_000), event('ahead', now + 3 * HOUR)].map((e) =>
      JSON.stringify(e),
    );
    const run = runPipeline(config, connections, lines, () => undefined, {}, { file: 'x.ndjson' });
    await expect(run).rejects.toThrow(RecordRefusedError);
    await expect(run).rejects.toThrow(
      /^x\.ndjson:2 \(event \/test\/produce ahead\): refused by the broker: its timestamp \S+ is 3h 0m ahead of the clock; topic \S+ accepts at most 1h 0m ahead \(message\.timestamp\.after\.max\.ms\) \(INVALID_TIMESTAMP\)$/,
    );
    // the record before it went through; the refused one did not
    const input = config.inputs.topics[0] ?? '';
    expect(await idsOn(input)).toEqual(['fine']);
  }, 120_000);
});
