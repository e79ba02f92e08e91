import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from './setup/clients.js';

const deploymentV1 = {
  type: 'record',
  name: 'Deployment',
  namespace: 'dev.cdstream.test',
  fields: [
    { name: 'service', type: 'string' },
    { name: 'environment', type: 'string' },
    { name: 'count', type: 'long' },
  ],
};

describe(`schema registry (${inject('schemaRegistryUrl')})`, () => {
  const registry = new SchemaRegistry({ host: inject('schemaRegistryUrl') });

  it('registers an Avro schema, then encodes and decodes a record through it', async () => {
    const subject = uniqueName('cdstream-test-value');
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(deploymentV1) },
      { subject },
    );
    const record = { service: 'checkout', environment: 'prod', count: 3 };
    const encoded = await registry.encode(id, record);

    expect(encoded[0]).toBe(0); // Confluent wire format: magic byte, then the schema id
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await registry.decode(encoded)).toEqual(record);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
  });

  it('rejects a change that breaks backward compatibility, and accepts a compatible one', async () => {
    const subject = uniqueName('cdstream-test-value');
    await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(deploymentV1) },
      { subject },
    );

    // A new required field without a default cannot read old records.
    const incompatible = {
      ...deploymentV1,
      fields: [...deploymentV1.fields, { name: 'window', type: 'string' }],
    };
    await expect(
      registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(incompatible) },
        { subject },
      ),
    ).rejects.toThrow(/incompatible|409/i);

    const compatible = {
      ...deploymentV1,
      fields: [...deploymentV1.fields, { name: 'window', type: 'string', default: '' }],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(compatible) },
      { subject },
    );
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
  });
});
