import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../../src/cloudevents/decode.js';
import type { DecodeResult, KafkaHeaders } from '../../../src/cloudevents/types.js';
import { isCdstreamError } from '../../../src/errors.js';
import { ingestRecord } from '../../../src/validation/ingest.js';
import type { IngestResult } from '../../../src/validation/ingest.js';
import { EventValidator } from '../../../src/validation/validate.js';

const validEvent = JSON.parse(
  readFileSync(new URL('../../fixtures/events/service-deployed.json', import.meta.url), 'utf8'),
) as unknown;
const validator = new EventValidator({ unknownTypes: 'pass' });

const headerValue = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 32 }).map((bytes) => Buffer.from(bytes)),
  fc.array(
    fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
    ),
    { maxLength: 3 },
  ),
  fc.constant(undefined),
);
const headerName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'ce_id',
    'ce_source',
    'ce_type',
    'ce_specversion',
    'ce_time',
    'ce_ext',
    'Content-Type',
  ),
  fc.string({ maxLength: 12 }),
);
const contentType = fc.constantFrom(
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'application/json',
  'text/plain',
  'application/cloudevents+xml',
  ';;=',
);
const headers: fc.Arbitrary<KafkaHeaders> = fc.dictionary(headerName, headerValue, { maxKeys: 6 });

/** Mutations of a valid event: any path replaced by any JSON value. */
const mutatedEvent = fc
  .tuple(
    fc.jsonValue({ maxDepth: 3 }),
    fc.array(
      fc.constantFrom('context', 'subject', 'content', 'id', 'type', 'timestamp', 'environment'),
      { maxLength: 4 },
    ),
  )
  .map(([replacement, path]) => {
    const event = structuredClone(validEvent) as Record<string, unknown>;
    let target: Record<string, unknown> = event;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (typeof next !== 'object' || next === null) break;
      target = next as Record<string, unknown>;
    }
    target[path.at(-1) ?? 'context'] = replacement;
    return event;
  });

const value = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
  fc.jsonValue().map((json) => Buffer.from(JSON.stringify(json))),
  mutatedEvent.map((event) => Buffer.from(JSON.stringify(event))),
  fc.array(mutatedEvent, { maxLength: 3 }).map((events) => Buffer.from(JSON.stringify(events))),
  fc
    .integer({ min: 1, max: 5000 })
    .map((depth) => Buffer.from('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
  fc
    .integer({ min: 1, max: 200_000 })
    .map((length) => Buffer.from(JSON.stringify({ context: 'x'.repeat(length) }))),
  fc.constant(null),
);

function assertResults(results: readonly (DecodeResult | IngestResult)[]): void {
  expect(results.length).toBeGreaterThan(0);
  for (const result of results) {
    if (!result.ok) expect(isCdstreamError(result.error)).toBe(true);
  }
}

describe('decoding and validating hostile input', () => {
  it('returns results carrying CdstreamErrors, never throws', async () => {
    await fc.assert(
      fc.asyncProperty(
        value,
        headers,
        fc.option(contentType),
        async (bytes, recordHeaders, type) => {
          const record = {
            value: bytes,
            headers: type === null ? recordHeaders : { ...recordHeaders, 'content-type': type },
          };
          assertResults(await decodeRecord(record));
          assertResults(await ingestRecord(record, validator, { recordTimestamp: 0 }));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('rejects JSON nested far beyond the limit with DECODE_JSON, without overflowing the stack', () => {
    const deep = Buffer.from('{"a":'.repeat(1_000_000) + '1' + '}'.repeat(1_000_000));
    const results = decodeRecord({ value: deep }, { maxBytes: 16 * 1024 * 1024 });
    expect(Array.isArray(results) && results[0]?.ok === false && results[0].error.code).toBe(
      'DECODE_JSON',
    );
  });

  it('decodes a value near the size limit', () => {
    const big = Buffer.from(
      JSON.stringify({ ...(validEvent as object), customData: 'A'.repeat(1_000_000) }),
    );
    const results = decodeRecord({ value: big }, { maxBytes: 2 * 1024 * 1024 });
    expect(Array.isArray(results) && results[0]?.ok).toBe(true);
  });
});
