/**
 * Every record cdstream writes to the enriched, metrics (both JSON
 * encodings: structured and binary mode), incidents and late topics is a
 * valid CloudEvent for the official CloudEvents SDK: decoded by the SDK's
 * Kafka binding, validated by the SDK (test/integration/setup/cloudevents-sdk.ts),
 * not by cdstream's own decoder. The pipeline runs on the sample stream plus
 * a structured event without `time` (optional in CloudEvents) and two events
 * that arrive late. Late records are the input records as they came, so
 * they are CloudEvents when their input was one (a bare CDEvent or Avro
 * input goes to the late topic as it came).
 */
import { describe, expect, inject, it } from 'vitest';
import { connectionsFromEnvironment } from '../../../src/cli/connections.js';
import { isolatedConfig, runPipeline } from '../../../src/cli/demo/pipeline-run.js';
import type { ReadRecord } from '../../../src/cli/kafka-topics.js';
import { sampleStream } from '../../../src/cli/sample-stream.js';
import { loadTopologyFile } from '../../../src/config/topology-file.js';
import { binaryModeMetrics } from '../../../src/stages/aggregate/metrics-encoding.js';
import { cloudEventsOf } from '../setup/cloudevents-sdk.js';

const HOUR = 3_600_000;
const SOURCE = '/ci/sample'; // the sample's source: same key, same input partition

function deployed(id: string, time: number, withTime: boolean) {
  const timestamp = new Date(time).toISOString();
  return {
    specversion: '1.0',
    id,
    source: SOURCE,
    type: 'dev.cdevents.service.deployed.0.3.0',
    ...(withTime ? { time: timestamp } : {}),
    datacontenttype: 'application/json',
    data: {
      context: {
        specversion: '0.5.1',
        id,
        source: SOURCE,
        type: 'dev.cdevents.service.deployed.0.3.0',
        timestamp,
      },
      subject: {
        id: 'conformance',
        source: SOURCE,
        content: {
          environment: { id: 'production' },
          artifactId: `pkg:oci/conformance@sha256%3A${'c'.repeat(64)}`,
        },
      },
    },
  };
}

/** The records of `topic`, each with the SDK's verdict. */
function verdicts(records: readonly ReadRecord[], topic: string) {
  return records
    .filter((r) => r.topic === topic)
    .map((r) => {
      try {
        return { ok: true as const, events: cloudEventsOf(r.message) };
      } catch (error) {
        return {
          ok: false as const,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    });
}

describe('CloudEvents conformance of the outputs, per the official SDK', () => {
  const now = Date.now();
  const connections = () =>
    connectionsFromEnvironment({
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      SCHEMA_REGISTRY_URL: inject('schemaRegistryUrl'),
    });
  let structuredMetricIds: string[] = [];

  it('the check refuses what is not a valid CloudEvent', () => {
    const structured = (event: object) => ({
      key: Buffer.from('k'),
      value: Buffer.from(JSON.stringify(event)),
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
    });
    const valid = deployed('a', Date.parse('2026-01-01T00:00:00Z'), true);
    expect(cloudEventsOf(structured(valid)).map((e) => e.id)).toEqual(['a']);
    expect(cloudEventsOf(structured({ ...valid, time: undefined })).map((e) => e.id)).toEqual([
      'a',
    ]);
    expect(() => cloudEventsOf(structured({ ...valid, source: undefined }))).toThrow(/SDK/);
    expect(() => cloudEventsOf(structured({ ...valid, time: 'yesterday' }))).toThrow(/SDK/);
    expect(() => cloudEventsOf(structured({ ...valid, specversion: '0.2' }))).toThrow(/SDK/);
    expect(() => cloudEventsOf(structured({ ...valid, 'cds-bad': 'x' }))).toThrow(/SDK/);
    // a bare CDEvent, no CloudEvents headers
    expect(() =>
      cloudEventsOf({ key: null, value: Buffer.from(JSON.stringify(valid.data)), headers: {} }),
    ).toThrow(/No CloudEvent detected/);
    // binary mode
    const binary = {
      key: null,
      value: Buffer.from('{"n":1}'),
      headers: {
        'content-type': 'application/json',
        ce_specversion: '1.0',
        ce_id: 'b',
        ce_source: '/x',
        ce_type: 't',
        ce_time: '2026-01-01T00:00:00Z',
      },
    };
    expect(cloudEventsOf(binary)[0]?.data).toEqual({ n: 1 });
    expect(() =>
      cloudEventsOf({ ...binary, headers: { ...binary.headers, ce_source: '' } }),
    ).toThrow(/SDK/);
  });
  const input = (runId: string) => {
    const sample = sampleStream(now, runId);
    return [
      ...sample.lines,
      // current, and without the optional `time` attribute
      JSON.stringify(deployed(`${runId}-no-time`, sample.lastEventTime, false)),
      // days behind the stream: late
      JSON.stringify(deployed(`${runId}-late`, sample.firstDay + HOUR, true)),
      JSON.stringify(deployed(`${runId}-late-no-time`, sample.firstDay + 2 * HOUR, false)),
    ];
  };

  it('enriched, metrics (structured), incidents and late records are valid CloudEvents', async () => {
    const runId = `ce${now}`;
    const config = isolatedConfig(loadTopologyFile('topologies/default.yaml'), runId);
    const { records } = await runPipeline(config, connections(), input(runId), () => undefined);

    const { enriched, metrics, incidents, late } = config.outputs;
    const results = Object.fromEntries(
      [enriched, metrics, incidents, late].map((topic) => [topic, verdicts(records, topic)]),
    );
    const failures = Object.entries(results).flatMap(([topic, list]) =>
      list.flatMap((v) => (v.ok ? [] : [`${topic}: ${v.error}`])),
    );
    expect(failures).toEqual([]);

    const events = (topic: string) => (results[topic] ?? []).flatMap((v) => (v.ok ? v.events : []));
    expect(events(enriched).length).toBeGreaterThan(40);
    expect(events(enriched).map((e) => e.id)).toContain(`${runId}-no-time`);
    expect(events(metrics).length).toBeGreaterThan(50);
    for (const event of events(metrics)) expect(event.type).toMatch(/^dev\.cdstream\.metrics\./);
    expect(
      events(incidents)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['dev.cdevents.incident.detected.0.3.0', 'dev.cdevents.incident.resolved.0.3.0']);
    expect(
      events(late)
        .map((e) => e.id)
        .sort(),
    ).toEqual([`${runId}-late`, `${runId}-late-no-time`]);
    structuredMetricIds = events(metrics)
      .map((e) => e.id)
      .sort();
  }, 180_000);

  it('binary-mode metrics are valid CloudEvents, the same events as structured ones', async () => {
    const runId = `cebin${now}`;
    const config = isolatedConfig(loadTopologyFile('topologies/default.yaml'), runId);
    const { records } = await runPipeline(config, connections(), input(runId), () => undefined, {
      metricsEncoder: binaryModeMetrics,
    });
    const list = verdicts(records, config.outputs.metrics);
    expect(list.flatMap((v) => (v.ok ? [] : [v.error]))).toEqual([]);
    const metrics = list.flatMap((v) => (v.ok ? v.events : []));
    for (const record of records.filter((r) => r.topic === config.outputs.metrics))
      expect(record.message.headers?.ce_id?.toString()).toBeDefined();
    for (const event of metrics) {
      expect(event.type).toMatch(/^dev\.cdstream\.metrics\./);
      expect(event.data).toBeTypeOf('object');
    }
    // ids hash type, key and window: the same events whatever the encoding
    if (structuredMetricIds.length > 0)
      expect(metrics.map((e) => e.id).sort()).toEqual(structuredMetricIds);
  }, 180_000);
});
