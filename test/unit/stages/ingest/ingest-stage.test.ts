import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeStructured } from '../../../../src/cloudevents/envelope.js';
import { CdstreamError } from '../../../../src/errors.js';
import { DEAD_LETTER_HEADERS } from '../../../../src/runtime/dead-letter.js';
import { TopologyTestDriver, type TestDriverOptions } from '../../../../src/runtime/test-driver.js';
import {
  ingestStage,
  type IngestOutcome,
  type IngestStageOptions,
} from '../../../../src/stages/ingest/ingest-stage.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url), 'utf8');
const deployed = JSON.parse(fixture('events/service-deployed.json')) as {
  context: { id: string; source: string; type: string; timestamp: string };
  subject: { content: { artifactId: string } };
};
const DIGEST = '0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427';
const JOIN = 'ingest-test-by-artifact-repartition';

function setup(
  options: Partial<IngestStageOptions> = {},
  partitions = 1,
  driverOptions: TestDriverOptions = {},
) {
  const outcomes: { outcome: IngestOutcome; code?: string }[] = [];
  const driver = new TopologyTestDriver(
    {
      applicationId: 'ingest-test',
      stages: [
        ingestStage({
          inputTopics: ['in'],
          toJoin: 'by-artifact',
          deadLetterTopic: 'dlq',
          unknownTypes: 'dead-letter',
          dedupeHorizonMs: 86_400_000,
          onOutcome: (outcome, detail) => {
            outcomes.push({ outcome, ...(detail.code ? { code: detail.code } : {}) });
          },
          ...options,
        }),
      ],
    },
    { partitions, wallClockTime: Date.now(), ...driverOptions },
  );
  return { driver, outcomes };
}

const structured = (cdevent: object, extra: object = {}) =>
  JSON.stringify({
    specversion: '1.0',
    id: (cdevent as typeof deployed).context.id,
    source: (cdevent as typeof deployed).context.source,
    type: (cdevent as typeof deployed).context.type,
    time: (cdevent as typeof deployed).context.timestamp,
    datacontenttype: 'application/json',
    data: cdevent,
    ...extra,
  });
const CE_JSON = { 'content-type': 'application/cloudevents+json' };

describe('ingest stage', () => {
  it('forwards a valid CDEvent keyed by its artifact, with enrichment extensions and event time', async () => {
    const { driver, outcomes } = setup();
    await driver.pipeInput('in', [{ value: structured(deployed), headers: CE_JSON, timestamp: 1 }]);
    const [out] = driver.readOutput(JOIN);
    expect(out?.key?.toString()).toBe(`sha256:${DIGEST}`);
    expect(out?.timestamp).toBe(Date.parse(deployed.context.timestamp));
    expect(out?.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    const event = decodeStructured(out?.value ?? null);
    expect(event.attributes.type).toBe(deployed.context.type);
    expect(event.extensions).toMatchObject({
      cdsartifactkey: `sha256:${DIGEST}`,
      cdsvalidated: true,
      cdseventtime: '2024-05-01T10:00:00.000Z',
    });
    expect(String(event.extensions.cdsartifact)).toMatch(/^pkg:oci\/myapp@sha256:/);
    expect(outcomes).toEqual([{ outcome: 'processed' }]);
  });

  it('passes a structured event on as the bytes it came in, with its extensions appended', async () => {
    const { driver } = setup();
    // members in an order, spacing and a null member no encoder of ours writes
    const value = `{ "datacontenttype":"application/json", "subject": null,\n${structured(deployed).slice(1)}\n`;
    await driver.pipeInput('in', [{ value, headers: CE_JSON, timestamp: 1 }]);
    const [out] = driver.readOutput(JOIN);
    const passed = out?.value?.toString() ?? '';
    expect(passed.startsWith(value.trimEnd().slice(0, -1))).toBe(true);
    const event = decodeStructured(out?.value ?? null);
    expect(event.data).toEqual(deployed);
    expect(event.extensions).toMatchObject({
      cdsvalidated: true,
      cdsartifactkey: `sha256:${DIGEST}`,
    });
    // a spoofed extension of ours is overwritten: the event is encoded whole
    await driver.pipeInput('in', [
      {
        value: structured(
          { ...deployed, context: { ...deployed.context, id: 'deploy-spoof' } },
          { id: 'deploy-spoof', cdsvalidated: false },
        ),
        headers: CE_JSON,
        timestamp: 1,
      },
    ]);
    const [spoofed] = driver.readOutput(JOIN);
    const spoofedEvent = decodeStructured(spoofed?.value ?? null);
    expect(spoofedEvent.extensions.cdsvalidated).toBe(true);
    expect(spoofed?.value?.toString().split('"cdsvalidated"').length).toBe(2);
  });

  it('encodes a large event whole, compact, instead of passing on the whitespace it came with', async () => {
    const { driver } = setup();
    const large = {
      ...deployed,
      customData: { notes: Array.from({ length: 4000 }, (_, n) => ({ n })) },
    };
    const value = JSON.stringify(JSON.parse(structured(large)), null, 24);
    expect(value.length).toBeGreaterThan(256 * 1024);
    expect(value.length).toBeLessThan(1024 * 1024);
    await driver.pipeInput('in', [{ value, headers: CE_JSON, timestamp: 1 }]);
    const [out] = driver.readOutput(JOIN);
    const passed = out?.value?.toString() ?? '';
    expect(passed.length).toBeLessThan(value.length);
    expect(passed).not.toContain('\n');
    expect(decodeStructured(out?.value ?? null).data).toEqual(large);
  });

  it('dead-letters an event too large for the join topic once its extensions are added, and goes on', async () => {
    const { driver, outcomes } = setup({}, 1, { recordBatchLimits: { [JOIN]: 4000 } });
    const sized = (id: string, notes: number) =>
      structured(
        {
          ...deployed,
          context: { ...deployed.context, id },
          customData: { notes: 'x'.repeat(notes) },
        },
        { id },
      );
    const fits = sized('fits', 3000 - structured(deployed).length);
    const over = sized('over', 3800 - structured(deployed).length);
    expect(Buffer.byteLength(over)).toBeLessThan(4000);
    await driver.pipeInput('in', [
      { value: over, headers: CE_JSON, timestamp: 1 },
      { value: fits, headers: CE_JSON, timestamp: 2 },
    ]);
    const passed = driver.readOutput(JOIN).map((r) => decodeStructured(r.value).attributes.id);
    expect(passed).toEqual(['fits']);
    const [dead] = driver.readOutput('dlq');
    expect(dead?.headers[DEAD_LETTER_HEADERS.code]?.toString()).toBe('OUTPUT_TOO_LARGE');
    expect(dead?.value?.toString()).toBe(over);
    expect(dead?.headers[DEAD_LETTER_HEADERS.message]?.toString()).toMatch(/max\.message\.bytes/);
    // accounted for once: dead-lettered, then processed
    expect(outcomes).toEqual([
      { outcome: 'dead-lettered', code: 'OUTPUT_TOO_LARGE' },
      { outcome: 'processed' },
    ]);
    // in a batch record, the other events go on
    const batch = `[${sized('fits-2', 1000)},${sized('over-2', 3800 - structured(deployed).length)}]`;
    await driver.pipeInput('in', [
      { value: batch, headers: { 'content-type': 'application/cloudevents-batch+json' } },
    ]);
    expect(driver.readOutput(JOIN).map((r) => decodeStructured(r.value).attributes.id)).toEqual([
      'fits-2',
    ]);
    expect(driver.readOutput('dlq')[0]?.headers[DEAD_LETTER_HEADERS.code]?.toString()).toBe(
      'OUTPUT_TOO_LARGE',
    );
  });

  it('cuts a dead letter to what the dead-letter topic takes, so the invalid record does not stall the task', async () => {
    const { driver, outcomes } = setup({}, 1, { recordBatchLimits: { dlq: 2_000 } });
    const invalid = `{"specversion":"1.0","id":"x","notes":"${'y'.repeat(10_000)}"`;
    await driver.pipeInput('in', [
      { value: invalid, headers: CE_JSON, timestamp: 1 },
      { value: structured(deployed), headers: CE_JSON, timestamp: 2 },
    ]);
    const [dead] = driver.readOutput('dlq');
    expect(dead?.headers[DEAD_LETTER_HEADERS.code]?.toString()).toBe('DECODE_JSON');
    expect(dead?.value?.length).toBeLessThan(2_000);
    expect(invalid.startsWith(dead?.value?.toString() ?? '-')).toBe(true);
    expect(dead?.headers[DEAD_LETTER_HEADERS.valueBytes]?.toString()).toBe(String(invalid.length));
    expect(driver.readOutput(JOIN)).toHaveLength(1);
    expect(outcomes.map((o) => o.outcome)).toEqual(['dead-lettered', 'processed']);
  });

  it('passes on an event whose bytes begin with a byte order mark so that a plain decoder reads it', async () => {
    const { driver, outcomes } = setup();
    const value = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(structured(deployed)),
    ]);
    await driver.pipeInput('in', [{ value, headers: CE_JSON, timestamp: 1 }]);
    const [out] = driver.readOutput(JOIN);
    expect(outcomes).toEqual([{ outcome: 'processed' }]);
    expect(decodeStructured(out?.value ?? null).data).toEqual(deployed);
  });

  it('reads binary mode, a bare CDEvent and each event of a batch on its own', async () => {
    const { driver, outcomes } = setup();
    const second = { ...deployed, context: { ...deployed.context, id: 'deploy-43' } };
    const third = { ...deployed, context: { ...deployed.context, id: 'deploy-44' } };
    await driver.pipeInput('in', [
      {
        value: JSON.stringify(deployed),
        headers: {
          ce_specversion: '1.0',
          ce_id: deployed.context.id,
          ce_source: deployed.context.source,
          ce_type: deployed.context.type,
          'content-type': 'application/json',
        },
      },
      { value: JSON.stringify(second) },
      {
        value: `[${structured(third)},{"specversion":"1.0","id":"x"}]`,
        headers: { 'content-type': 'application/cloudevents-batch+json' },
      },
    ]);
    expect(driver.readOutput(JOIN)).toHaveLength(3);
    const [dead] = driver.readOutput('dlq');
    expect(dead?.headers[DEAD_LETTER_HEADERS.code]).toBe('CE_MISSING_ATTRIBUTE');
    expect(String(dead?.headers[DEAD_LETTER_HEADERS.path])).toMatch(/^\/1/);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual([
      'dead-lettered',
      'processed',
      'processed',
      'processed',
    ]);
  });

  it('dead-letters bad input with its original bytes, code and source position', async () => {
    const { driver } = setup();
    await driver.pipeInput('in', [
      { key: 'k', value: '{not json', headers: { 'content-type': 'application/json', x: 'y' } },
      { value: null },
      {
        value: structured({
          ...deployed,
          context: { ...deployed.context, timestamp: 'yesterday' },
        }),
        headers: CE_JSON,
      },
    ]);
    const dead = driver.readOutput('dlq');
    expect(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.code])).toEqual([
      'DECODE_JSON',
      'EMPTY_VALUE',
      'INVALID_TIMESTAMP',
    ]);
    expect(dead[0]?.value?.toString()).toBe('{not json');
    expect(dead[0]?.key?.toString()).toBe('k');
    expect(dead[0]?.headers.x).toBe('y');
    expect(dead[1]?.headers[DEAD_LETTER_HEADERS.sourceOffset]).toBe('1');
    expect(driver.readOutput(JOIN)).toEqual([]);
  });

  it('dead-letters an event from more than 55 minutes in the future (the broker would refuse its timestamp)', async () => {
    const { driver } = setup();
    const future = {
      ...deployed,
      context: {
        ...deployed.context,
        timestamp: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      },
    };
    await driver.pipeInput('in', [{ value: structured(future), headers: CE_JSON }]);
    expect(driver.readOutput('dlq')[0]?.headers[DEAD_LETTER_HEADERS.code]).toBe(
      'INVALID_TIMESTAMP',
    );
    expect(driver.readOutput(JOIN)).toEqual([]);
  });

  it('counts a re-delivered event once', async () => {
    const { driver, outcomes } = setup();
    const record = { value: structured(deployed), headers: CE_JSON };
    await driver.pipeInput('in', [record, record]);
    driver.restart(); // the dedupe state survives a restart
    await driver.pipeInput('in', [record]);
    expect(driver.readOutput(JOIN)).toHaveLength(1);
    expect(outcomes.map((o) => o.outcome)).toEqual(['processed', 'duplicate', 'duplicate']);
  });

  it('keeps a dedupe entry written before keys were hashed, and moves it to its hash', async () => {
    const { driver, outcomes } = setup();
    const changelog = 'ingest-test-ingest-dedupe-changelog';
    const legacyKey = JSON.stringify([deployed.context.source, deployed.context.id]);
    await driver.pipeInput(changelog, [{ key: legacyKey, value: String(driver.wallClockTime) }]);
    driver.restart();
    await driver.pipeInput('in', [{ value: structured(deployed), headers: CE_JSON }]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['duplicate']);
    expect(driver.readOutput(JOIN)).toEqual([]);
    const written = driver.allRecords(changelog).slice(1);
    expect(written.map((r) => [r.key?.toString(), r.value?.toString() ?? null])).toEqual(
      expect.arrayContaining([
        [legacyKey, null],
        [expect.stringMatching(/^[0-9a-f]{32}$/), String(driver.wallClockTime)],
      ]),
    );
    // the moved entry is what a later restart restores
    driver.restart();
    await driver.pipeInput('in', [{ value: structured(deployed), headers: CE_JSON }]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate']);
  });

  it('forgets an event after the dedupe horizon', async () => {
    const { driver, outcomes } = setup({ dedupeHorizonMs: 60_000 });
    const record = { value: structured(deployed), headers: CE_JSON };
    await driver.pipeInput('in', [record]);
    await driver.advanceWallClockTime(30_000);
    await driver.pipeInput('in', [record]);
    await driver.advanceWallClockTime(60_000);
    await driver.pipeInput('in', [record]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['processed', 'duplicate', 'processed']);
  });

  it('passes unknown types through unvalidated when the topology says so, else dead-letters them', async () => {
    const unknown = JSON.stringify({
      specversion: '1.0',
      id: '1',
      source: '/x',
      type: 'com.example.thing',
      data: {},
    });
    const passing = setup({ unknownTypes: 'pass' });
    await passing.driver.pipeInput('in', [{ value: unknown, headers: CE_JSON }]);
    const [out] = passing.driver.readOutput(JOIN);
    expect(decodeStructured(out?.value ?? null).extensions.cdsvalidated).toBe(false);
    expect(passing.outcomes).toEqual([{ outcome: 'unvalidated-passed' }]);

    const strict = setup();
    await strict.driver.pipeInput('in', [{ value: unknown, headers: CE_JSON }]);
    expect(strict.driver.readOutput('dlq')[0]?.headers[DEAD_LETTER_HEADERS.code]).toBe(
      'UNKNOWN_TYPE',
    );
  });

  it('summarises a scan report and dead-letters a hostile one', async () => {
    const { driver } = setup();
    const sbom = JSON.parse(fixture('events/amr-sbom-pushed.json')) as Record<string, unknown>;
    const report = fixture('sbom/grype-cyclonedx-1.4.xml');
    await driver.pipeInput('in', [
      { value: JSON.stringify({ ...sbom, data: report }), headers: CE_JSON },
      {
        value: JSON.stringify({
          ...sbom,
          id: 'hostile',
          data: '<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "aaaa">]><bom>&a;</bom>',
        }),
        headers: CE_JSON,
      },
    ]);
    const [out] = driver.readOutput(JOIN);
    const event = decodeStructured(out?.value ?? null);
    expect(out?.key?.toString()).toBe(`sha256:${DIGEST}`);
    expect(event.extensions.cdsvulncritical).toBeGreaterThan(0);
    expect(String(event.extensions.cdsvulncriticalids)).toMatch(/CVE-/);
    expect(driver.readOutput('dlq')[0]?.headers[DEAD_LETTER_HEADERS.code]).toBe('SBOM_HOSTILE');
  });

  it('keys a workload ReplicaSet by its image digest and broadcasts location events to every partition', async () => {
    const { driver } = setup({}, 3);
    const replicaSet = fixture('events/knative-replicaset-add.json');
    const location = JSON.stringify({
      specversion: '1.0',
      id: 'loc-1',
      source: 'cluster-a',
      type: 'vmware.tanzu.apps.location.created.v1',
      datacontenttype: 'application/json',
      data: { labels: { env: 'production' } },
    });
    await driver.pipeInput('in', [
      { value: replicaSet, headers: CE_JSON },
      { value: location, headers: CE_JSON },
    ]);
    const out = driver.readOutput(JOIN);
    expect(out[0]?.key?.toString()).toBe(`sha256:${DIGEST}`);
    expect(
      out
        .slice(1)
        .map((r) => r.partition)
        .sort(),
    ).toEqual([0, 1, 2]);
  });

  it('broadcasts change.created and change.merged to every partition of the join, once without the join', async () => {
    const change = (type: string, id: string) =>
      JSON.stringify({
        specversion: '1.0',
        id,
        source: '/git/example',
        type,
        datacontenttype: 'application/json',
        data: {
          context: {
            specversion: '0.5.1',
            id,
            source: '/git/example',
            type,
            timestamp: new Date(Date.now() - 60_000).toISOString(),
          },
          subject: { id: 'PR-1', content: { repository: { id: 'shop' } } },
        },
      });
    const records = [
      { value: change('dev.cdevents.change.created.0.4.0', 'c-1'), headers: CE_JSON },
      { value: change('dev.cdevents.change.merged.0.3.0', 'c-2'), headers: CE_JSON },
    ];
    const withJoin = setup({}, 3);
    await withJoin.driver.pipeInput('in', records);
    expect(withJoin.driver.readOutput(JOIN).map((r) => r.partition)).toEqual([0, 1, 2, 0, 1, 2]);
    const withoutJoin = setup({ toJoin: 'enriched', repartition: false }, 3);
    await withoutJoin.driver.pipeInput('in', records);
    expect(withoutJoin.driver.readOutput('enriched')).toHaveLength(2);
  });

  it('retries a record while the schema registry is away instead of dead-lettering it', async () => {
    const { driver } = setup({
      avro: {
        decode: () =>
          Promise.reject(
            Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), {
              code: 'ECONNREFUSED',
            }),
          ),
      },
    });
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), Buffer.from('avro-body')]);
    await expect(
      driver.pipeInput('in', [{ value: framed, headers: { 'content-type': 'application/avro' } }]),
    ).rejects.toSatisfy(
      (error) => error instanceof CdstreamError && error.code === 'REGISTRY_UNAVAILABLE',
    );
    expect(driver.readOutput('dlq')).toEqual([]);
  });
});

describe('ingest lateness', () => {
  const HOUR = 3_600_000;
  const lateness = { lateTopic: 'late', graceMs: HOUR, disorderMs: 60_000, idleMs: 0 };
  const at = (id: string, time: number) =>
    structured({
      ...deployed,
      context: { ...deployed.context, id, timestamp: new Date(time).toISOString() },
    });
  const T = Date.UTC(2026, 2, 2, 12);

  it('sends an event older than its partition watermark minus the grace to late, saying which watermark it missed', async () => {
    const { driver, outcomes } = setup({ lateness });
    await driver.pipeInput('in', [
      { value: at('a', T), headers: CE_JSON },
      { value: at('b', T - HOUR), headers: CE_JSON }, // within disorder + grace
      { value: at('c', T - HOUR - 60_001), headers: CE_JSON }, // beyond them
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['processed', 'processed', 'late']);
    const [late] = driver.readOutput('late');
    expect(late?.headers['cdstream-late-watermark']).toBe(
      new Date(T - 60_000 - HOUR).toISOString(),
    );
    expect(late?.headers['cdstream-late-source']).toBe('in/0@2');
  });

  it('neither remembers an event too large for the join topic nor lets its time move the watermark', async () => {
    const { driver, outcomes } = setup({ lateness }, 1, { recordBatchLimits: { [JOIN]: 4000 } });
    const sized = (time: number, notes: number) =>
      structured({
        ...deployed,
        context: { ...deployed.context, id: 'same-id', timestamp: new Date(time).toISOString() },
        customData: { notes: 'x'.repeat(notes) },
      });
    const tooLarge = sized(T + 10 * HOUR, 3900 - structured(deployed).length);
    await driver.pipeInput('in', [
      { value: at('a', T), headers: CE_JSON },
      { value: tooLarge, headers: CE_JSON },
      // had the dead-lettered event's time counted, this one would be late
      { value: at('b', T - HOUR), headers: CE_JSON },
      // sent again: dead-lettered again, not a duplicate
      { value: tooLarge, headers: CE_JSON },
      // fixed, with the same source and id: processed
      { value: sized(T, 10), headers: CE_JSON },
    ]);
    expect(outcomes).toEqual([
      { outcome: 'processed' },
      { outcome: 'dead-lettered', code: 'OUTPUT_TOO_LARGE' },
      { outcome: 'processed' },
      { outcome: 'dead-lettered', code: 'OUTPUT_TOO_LARGE' },
      { outcome: 'processed' },
    ]);
    expect(driver.readOutput('late')).toEqual([]);
  });

  it('does not let the record timestamp of an event without a time of its own move the watermark', async () => {
    const { driver, outcomes } = setup({ lateness });
    const untimedEvent = JSON.parse(fixture('events/knative-replicaset-add.json')) as Record<
      string,
      unknown
    >;
    delete untimedEvent.time;
    const untimed = JSON.stringify(untimedEvent);
    await driver.pipeInput('in', [
      { value: at('a', T), headers: CE_JSON },
      { value: untimed, headers: CE_JSON, timestamp: T + 30 * 86_400_000 },
      { value: at('b', T + 60_000), headers: CE_JSON },
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['processed', 'processed', 'processed']);
  });
});
