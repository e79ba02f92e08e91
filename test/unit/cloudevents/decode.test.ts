import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../../src/cloudevents/decode.js';
import type { DecodeResult, KafkaRecordInput } from '../../../src/cloudevents/types.js';

const cdevent = JSON.parse(
  readFileSync(new URL('../../fixtures/events/service-deployed.json', import.meta.url), 'utf8'),
) as { context: { id: string; source: string; type: string; timestamp: string } };

const structured = {
  specversion: '1.0',
  id: 'ce-1',
  source: '/argocd/prod',
  type: cdevent.context.type,
  time: cdevent.context.timestamp,
  datacontenttype: 'application/json',
  correlationid: 'abc',
  data: cdevent,
};

function decodeSync(record: KafkaRecordInput, options = {}): DecodeResult[] {
  const results = decodeRecord(record, options);
  if (!Array.isArray(results)) throw new Error('expected a synchronous decode for JSON');
  return results;
}

function only(results: DecodeResult[]): DecodeResult {
  expect(results).toHaveLength(1);
  return results[0] as DecodeResult;
}

function errorOf(result: DecodeResult): { code: string; path: string | undefined } {
  if (result.ok) throw new Error('expected a decode failure');
  return { code: result.error.code, path: result.error.path };
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('decodeRecord', () => {
  it('reads a structured event', () => {
    const result = only(
      decodeSync({
        value: json(structured),
        headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      }),
    );
    expect(result.ok && result.event.mode).toBe('structured');
    expect(result.ok && result.event.attributes.id).toBe('ce-1');
    expect(result.ok && result.event.extensions).toEqual({ correlationid: 'abc' });
    expect(result.ok && result.event.data).toEqual(cdevent);
  });

  it('reads a binary-mode event with Buffer, string and repeated header values', () => {
    const result = only(
      decodeSync({
        value: json(cdevent),
        headers: {
          ce_specversion: Buffer.from('1.0'),
          ce_id: 'ce-2',
          ce_source: [Buffer.from('/argocd/prod'), '/argocd/prod'],
          ce_type: cdevent.context.type,
          ce_workloadname: 'myapp',
          'Content-Type': 'application/json',
          unrelated: undefined,
        },
      }),
    );
    expect(result.ok && result.event.mode).toBe('binary');
    expect(result.ok && result.event.attributes).toMatchObject({
      id: 'ce-2',
      datacontenttype: 'application/json',
    });
    expect(result.ok && result.event.extensions).toEqual({ workloadname: 'myapp' });
    expect(result.ok && result.event.data).toEqual(cdevent);
  });

  it('keeps XML data of a binary-mode event as text', () => {
    const result = only(
      decodeSync({
        value: Buffer.from('<bom/>'),
        headers: {
          ce_specversion: '1.0',
          ce_id: 'x',
          ce_source: '/s',
          ce_type: 't',
          'content-type': 'application/vnd.cyclonedx+xml',
        },
      }),
    );
    expect(result.ok && result.event.data).toBe('<bom/>');
  });

  it('decodes each event of a batch on its own', () => {
    const results = decodeSync({
      value: json([
        structured,
        { ...structured, specversion: '0.3' },
        { ...structured, id: undefined },
      ]),
      headers: { 'content-type': 'application/cloudevents-batch+json' },
    });
    expect(results.map((result) => result.ok)).toEqual([true, false, false]);
    expect(results.map((result) => result.index)).toEqual([0, 1, 2]);
    expect(errorOf(results[1] as DecodeResult)).toEqual({
      code: 'CE_UNSUPPORTED_SPECVERSION',
      path: '/1/specversion',
    });
    expect(errorOf(results[2] as DecodeResult)).toEqual({
      code: 'CE_MISSING_ATTRIBUTE',
      path: '/2/id',
    });
  });

  it('wraps a bare CDEvent into a CloudEvent built from its context', () => {
    const result = only(decodeSync({ value: json(cdevent) }));
    expect(result.ok && result.event.mode).toBe('bare-cdevent');
    expect(result.ok && result.event.attributes).toEqual({
      specversion: '1.0',
      id: cdevent.context.id,
      source: cdevent.context.source,
      type: cdevent.context.type,
      time: cdevent.context.timestamp,
      datacontenttype: 'application/json',
    });
  });

  it.each([
    ['a tombstone', { value: null }, 'EMPTY_VALUE'],
    ['an empty value', { value: Buffer.alloc(0) }, 'EMPTY_VALUE'],
    ['invalid UTF-8', { value: Buffer.from([0x7b, 0xff, 0x7d]) }, 'DECODE_UTF8'],
    ['broken JSON', { value: Buffer.from('{"context":') }, 'DECODE_JSON'],
    ['JSON nested too deep', { value: Buffer.from('['.repeat(100_000)) }, 'DECODE_JSON'],
    ['JSON that is no event', { value: json({ hello: 'world' }) }, 'CE_MISSING_ATTRIBUTE'],
    [
      'a non-JSON value without ce headers',
      { value: Buffer.from('x'), headers: { 'content-type': 'text/plain' } },
      'CE_UNSUPPORTED_CONTENT_TYPE',
    ],
    [
      'structured XML',
      { value: Buffer.from('<e/>'), headers: { 'content-type': 'application/cloudevents+xml' } },
      'CE_UNSUPPORTED_CONTENT_TYPE',
    ],
    [
      'a binary event without ce_type',
      { value: json({}), headers: { ce_specversion: '1.0', ce_id: '1', ce_source: '/s' } },
      'CE_MISSING_ATTRIBUTE',
    ],
    [
      'conflicting repeated headers',
      { value: json({}), headers: { ce_id: ['a', 'b'] } },
      'CE_INVALID_ATTRIBUTE',
    ],
    [
      'a header that is not UTF-8',
      { value: json({}), headers: { ce_id: Buffer.from([0xc3]) } },
      'DECODE_UTF8',
    ],
    [
      'an upper-case extension name',
      {
        value: json({ ...structured, correlationId: 'x' }),
        headers: { 'content-type': 'application/cloudevents+json' },
      },
      'CE_INVALID_ATTRIBUTE',
    ],
    [
      'a source with spaces',
      {
        value: json({ ...structured, source: 'a b' }),
        headers: { 'content-type': 'application/cloudevents+json' },
      },
      'CE_INVALID_ATTRIBUTE',
    ],
  ] as [string, KafkaRecordInput, string][])('refuses %s', (_name, record, code) => {
    expect(errorOf(only(decodeSync(record))).code).toBe(code);
  });

  it('refuses values larger than the configured maximum', () => {
    expect(errorOf(only(decodeSync({ value: json(cdevent) }, { maxBytes: 10 }))).code).toBe(
      'TOO_LARGE',
    );
  });
});

describe('decodeRecord with Avro framed for a schema registry', () => {
  const framed = Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]);

  it('decodes through the injected decoder, asynchronously', async () => {
    const avro = { decode: () => Promise.resolve({ ...structured, dataschema: null }) };
    const results = decodeRecord({ value: framed }, { avro });
    expect(results).toBeInstanceOf(Promise);
    const result = only(await results);
    expect(result.ok && result.event.encoding).toBe('avro');
    expect(result.ok && result.event.attributes.dataschema).toBeUndefined();
  });

  it('takes attributes from ce_* headers in binary mode', async () => {
    const avro = { decode: () => Promise.resolve(cdevent) };
    const headers = {
      ce_specversion: '1.0',
      ce_id: 'a',
      ce_source: '/s',
      ce_type: cdevent.context.type,
    };
    const result = only(await decodeRecord({ value: framed, headers }, { avro }));
    expect(result.ok && result.event.data).toEqual(cdevent);
  });

  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { status: 400 }),
      'REGISTRY_UNAVAILABLE',
    ],
    [
      'a 503',
      Object.assign(new Error('Service Unavailable'), { status: 503 }),
      'REGISTRY_UNAVAILABLE',
    ],
    [
      'a network error code',
      Object.assign(new Error('boom'), { code: 'ETIMEDOUT' }),
      'REGISTRY_UNAVAILABLE',
    ],
    [
      'an unknown schema id',
      Object.assign(new Error('Schema 7 not found'), { status: 404 }),
      'DECODE_AVRO',
    ],
    ['malformed bytes', new Error('truncated buffer'), 'DECODE_AVRO'],
  ])('maps %s to %s', async (_name, thrown, code) => {
    const avro = { decode: () => Promise.reject(thrown) };
    const result = only(await decodeRecord({ value: framed }, { avro }));
    expect(errorOf(result).code).toBe(code);
    expect(!result.ok && result.error.retriable).toBe(code === 'REGISTRY_UNAVAILABLE');
  });

  it('refuses framed values when no registry is configured', async () => {
    expect(errorOf(only(await decodeRecord({ value: framed }))).code).toBe('DECODE_AVRO');
  });
});
