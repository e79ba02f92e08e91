import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { encodeStructured } from '../../../../src/cloudevents/envelope.js';
import {
  avroMetrics,
  binaryModeMetrics,
  metricsEventSchema,
} from '../../../../src/stages/aggregate/metrics-encoding.js';

const data = {
  service: 'checkout',
  environment: 'production',
  window: 'P1D',
  windowStart: '2026-11-20T00:00:00.000Z',
  windowEnd: '2026-11-21T00:00:00.000Z',
  windowStartMs: 1_795_132_800_000,
  windowEndMs: 1_795_219_200_000,
  final: true,
  deployments: 2,
  rollbacks: 0,
  distinctArtifacts: 2,
  deploymentsPerDay: 2,
  band: 'elite',
};
const record = {
  key: 'checkout/production',
  value: encodeStructured({
    attributes: {
      specversion: '1.0',
      id: 'm-1',
      source: '/cdstream',
      type: 'dev.cdstream.metrics.deploymentfrequency.v1',
      subject: 'checkout/production',
      time: data.windowEnd,
      datacontenttype: 'application/json',
    },
    extensions: {},
    data,
  }),
};

describe('metrics encodings', () => {
  it('binary mode moves the attributes to ce_* headers and keeps the data as the value', () => {
    const binary = binaryModeMetrics(record);
    expect(binary.headers).toMatchObject({
      ce_id: 'm-1',
      ce_type: 'dev.cdstream.metrics.deploymentfrequency.v1',
      ce_subject: 'checkout/production',
      'content-type': 'application/json',
    });
    expect(JSON.parse(String(binary.value))).toEqual(data);
  });

  it('Avro frames the event for the registry and round-trips through the published schema', () => {
    const encoded = avroMetrics(7)(record);
    const value = encoded.value as Buffer;
    expect([value[0], value.readInt32BE(1)]).toEqual([0, 7]);
    const decoded = avro.Type.forSchema(metricsEventSchema() as avro.Schema).fromBuffer(
      value.subarray(5),
    ) as {
      id: string;
      data: Record<string, unknown>;
    };
    expect(decoded.id).toBe('m-1');
    expect({ ...(decoded.data['dev.cdstream.metrics.DeploymentFrequency'] as object) }).toEqual(
      data,
    );
  });

  it('defines each shared type once in the topic schema', () => {
    const text = JSON.stringify(metricsEventSchema());
    expect(text.match(/"name":"DoraBand"/g)).toHaveLength(1);
    expect(() => avro.Type.forSchema(metricsEventSchema() as avro.Schema)).not.toThrow();
  });
});

describe('metrics schemas stay BACKWARD compatible', () => {
  const schemaOf = (name: string) =>
    JSON.parse(readFileSync(`schemas/metrics/${name}.v1.avsc`, 'utf8')) as {
      fields: { name: string; default?: unknown }[];
    };

  it('the lead-time record reads data written before its change fields, as nulls', () => {
    const current = schemaOf('leadtime');
    const added = ['changeSamples', 'changeMedianMs', 'changeP90Ms', 'changeBand', 'start'];
    const before = {
      ...current,
      fields: current.fields.filter((field) => !added.includes(field.name)),
    };
    const reader = avro.Type.forSchema(current as avro.Schema);
    const writer = avro.Type.forSchema(before as avro.Schema);
    const old = {
      service: 's',
      environment: 'e',
      window: 'P1D',
      windowStart: '2026-11-20T00:00:00.000Z',
      windowEnd: '2026-11-21T00:00:00.000Z',
      windowStartMs: 1_795_132_800_000,
      windowEndMs: 1_795_219_200_000,
      final: true,
      samples: 1,
      medianMs: 5,
      p90Ms: 5,
      band: 'elite',
    };
    const read = reader.fromBuffer(writer.toBuffer(old), reader.createResolver(writer)) as Record<
      string,
      unknown
    >;
    expect(read).toMatchObject({ samples: 1, changeSamples: null, changeBand: null, start: null });
  });

  it('the topic schema reads every metrics record of the four earlier types', () => {
    const text = JSON.stringify(metricsEventSchema());
    for (const name of [
      'DeploymentFrequency',
      'ChangeFailureRate',
      'TimeToRestore',
      'LeadTime',
      'DeploymentReworkRate',
      'FailedDeploymentRecoveryTime',
    ])
      expect(text).toContain(`"name":"${name}"`);
  });
});
