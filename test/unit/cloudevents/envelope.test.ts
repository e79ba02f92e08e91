import { describe, expect, it } from 'vitest';
import {
  decodeStructured,
  encodeStructured,
  withExtensions,
  type CloudEventEnvelope,
} from '../../../src/cloudevents/envelope.js';

const event: CloudEventEnvelope = {
  attributes: {
    specversion: '1.0',
    id: 'e1',
    source: '/ci',
    type: 'dev.cdevents.service.deployed.0.3.0',
    datacontenttype: 'application/json',
  },
  extensions: { cdsvalidated: true },
  data: { context: { id: 'e1' } },
};

describe('structured CloudEvents envelope', () => {
  it('round-trips attributes, extensions and JSON data', () => {
    expect(decodeStructured(encodeStructured(event))).toEqual(event);
  });

  it('writes bytes as data_base64 and reads them back as bytes', () => {
    const binary = { ...event, data: Buffer.from([0, 1, 2, 255]) };
    const json = JSON.parse(encodeStructured(binary).toString()) as Record<string, unknown>;
    expect(json.data_base64).toBe('AAEC/w==');
    expect(decodeStructured(encodeStructured(binary)).data).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('adds extensions and skips undefined ones', () => {
    const enriched = withExtensions(event, { cdsservice: 'checkout', cdsenvironment: undefined });
    expect(enriched.extensions).toEqual({ cdsvalidated: true, cdsservice: 'checkout' });
  });

  it('refuses a record that is not a CloudEvent with a code', () => {
    expect(() => decodeStructured(null)).toThrow(expect.objectContaining({ code: 'EMPTY_VALUE' }));
    expect(() => decodeStructured(Buffer.from('{"id":1}'))).toThrow(
      expect.objectContaining({ code: 'CE_MISSING_ATTRIBUTE' }),
    );
  });
});
