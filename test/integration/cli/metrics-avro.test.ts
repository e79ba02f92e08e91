/**
 * With `outputs.metricsFormat: avro` the metrics topic holds Confluent-framed
 * Avro that decodes through the registry with the schema cdstream published.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { describe, expect, inject, it } from 'vitest';
import { connectionsFromEnvironment } from '../../../src/cli/connections.js';
import { isolatedConfig, runPipeline } from '../../../src/cli/demo/pipeline-run.js';
import { metricsEncoderFor } from '../../../src/cli/metrics-format.js';
import { sampleStream } from '../../../src/cli/sample-stream.js';
import { loadTopologyFile } from '../../../src/config/topology-file.js';

describe('metrics as Avro through the schema registry', () => {
  it('publishes the value schema under <topic>-value and every metrics record decodes with it', async () => {
    const runId = `avro${Date.now()}`;
    const base = loadTopologyFile('topologies/default.yaml');
    const config = isolatedConfig(
      { ...base, outputs: { ...base.outputs, metricsFormat: 'avro' } },
      runId,
    );
    const connections = connectionsFromEnvironment({
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      SCHEMA_REGISTRY_URL: inject('schemaRegistryUrl'),
    });
    const metricsEncoder = await metricsEncoderFor(config, connections);
    expect(metricsEncoder).toBeDefined();
    const sample = sampleStream(Date.now(), runId);
    const result = await runPipeline(
      config,
      connections,
      sample.lines,
      () => undefined,
      metricsEncoder ? { metricsEncoder } : {},
    );

    const registry = new SchemaRegistry({ host: inject('schemaRegistryUrl') });
    const schemaId = await registry.getLatestSchemaId(`${config.outputs.metrics}-value`);
    const metrics = result.records.filter((r) => r.topic === config.outputs.metrics);
    expect(metrics.length).toBeGreaterThan(50);
    for (const record of metrics) {
      const value = record.message.value ?? Buffer.alloc(0);
      expect(value[0]).toBe(0);
      expect(value.readInt32BE(1)).toBe(schemaId);
      expect(record.message.headers?.['content-type']?.toString()).toBe('application/avro');
    }
    const decoded = (await registry.decode(metrics[0]?.message.value ?? Buffer.alloc(0))) as {
      type: string;
      subject: string;
      data: Record<string, { service: string; final: boolean }>;
    };
    expect(decoded.type).toMatch(/^dev\.cdstream\.metrics\.[a-z]+\.v1$/);
    const [data] = Object.values(decoded.data);
    expect(decoded.subject).toBe(`${data?.service ?? ''}/${decoded.subject.split('/')[1] ?? ''}`);
    expect(data?.final).toBe(true);
  }, 180_000);
});
