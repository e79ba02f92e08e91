import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeStructured,
  decodeStructuredRead,
  encodeStructured,
  encodeStructuredFrom,
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

describe('encodeStructuredFrom: an event read, passed on with extensions added', () => {
  // names a CloudEvent reserves for its attributes and data are not extensions
  // (the join only adds cds… ones); the test below passes them on on purpose
  const reserved = new Set([
    'specversion',
    'id',
    'source',
    'type',
    'datacontenttype',
    'dataschema',
    'subject',
    'time',
    'data',
  ]);
  const extensionName = fc.stringMatching(/^[a-z0-9]{1,12}$/).filter((name) => !reserved.has(name));
  const extensionValue = fc.oneof(
    fc.string(),
    fc.boolean(),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  );
  const data = fc.oneof(
    fc.constant(undefined),
    fc.jsonValue().filter((value) => value !== null),
    fc.string(),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
  );
  const events = fc.record({
    extensions: fc.dictionary(extensionName, extensionValue, { maxKeys: 4 }),
    data,
  });

  it('reads back as encoding the enriched event whole would', () => {
    fc.assert(
      fc.property(
        events,
        fc.dictionary(extensionName, extensionValue, { maxKeys: 4 }),
        fc.constantFrom('', ' ', '\n\t '),
        (generated, added, trailing) => {
          const original: CloudEventEnvelope = { ...event, ...generated };
          const bytes = Buffer.concat([encodeStructured(original), Buffer.from(trailing)]);
          const read = decodeStructuredRead(bytes);
          const enriched = withExtensions(read.event, added);
          const passed = encodeStructuredFrom(read, enriched);
          expect(decodeStructured(passed)).toEqual(decodeStructured(encodeStructured(enriched)));
          // no member written twice: each extension's name as often as in the whole encoding
          const whole = encodeStructured(enriched).toString();
          for (const name of Object.keys(enriched.extensions)) {
            const member = `${JSON.stringify(name)}:`;
            expect(passed.toString().split(member).length).toBe(whole.split(member).length);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps the bytes read and only appends the members added', () => {
    const bytes = encodeStructured(event);
    const read = decodeStructuredRead(bytes);
    const passed = encodeStructuredFrom(read, withExtensions(read.event, { cdsservice: 'a"b' }));
    expect(passed.toString()).toBe(`${bytes.toString().slice(0, -1)},"cdsservice":"a\\"b"}`);
    expect(encodeStructuredFrom(read, read.event)).toBe(bytes);
  });

  it('encodes whole when a name added is in the bytes (a null member, an attribute), or a value held changes', () => {
    const bytes = Buffer.from(
      JSON.stringify({
        ...event.attributes,
        cdsvalidated: true,
        cdsservice: null,
        data: event.data,
      }),
    );
    const read = decodeStructuredRead(bytes);
    for (const added of [
      { cdsservice: 'checkout' },
      { id: 'another' },
      { data: 'x' },
      { cdsvalidated: false },
    ]) {
      const enriched = withExtensions(read.event, { ...added, cdsenvironment: 'prod' });
      expect(encodeStructuredFrom(read, enriched)).toEqual(encodeStructured(enriched));
    }
    // the control: a name not in the bytes is appended
    const appended = withExtensions(read.event, { cdsenvironment: 'prod' });
    expect(encodeStructuredFrom(read, appended).toString()).toBe(
      `${bytes.toString().slice(0, -1)},"cdsenvironment":"prod"}`,
    );
  });

  it('encodes whole when the bytes do not start with the object (a byte order mark)', () => {
    const json = encodeStructured(event);
    const withMark = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]);
    // what ingest's strict decoder read from those bytes (it drops the mark)
    const read = { ...decodeStructuredRead(json), bytes: withMark };
    const enriched = withExtensions(read.event, { cdsservice: 'checkout' });
    const passed = encodeStructuredFrom(read, enriched);
    expect(passed).toEqual(encodeStructured(enriched));
    expect(decodeStructured(passed)).toEqual(enriched);
    // the control: the same bytes after leading whitespace are appended to
    const spaced = { ...read, bytes: Buffer.concat([Buffer.from(' \n'), json]) };
    expect(encodeStructuredFrom(spaced, enriched).toString()).toBe(
      ` \n${json.toString().slice(0, -1)},"cdsservice":"checkout"}`,
    );
  });
});
