import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeProduceRequestBody } from '../../../src/runtime/kafka/install-sized-produce-encoding.js';
import { recordBatchBytes, type OutputRecord } from '../../../src/runtime/record.js';

const bytes = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 0, max: 40_000 }).map((length) => Buffer.alloc(length, 'x')),
);
const headerValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }).map((array) => Buffer.from(array)),
);
// header values as kafkajs hands them over: a repeated header is an array
const record = fc.record({
  key: bytes,
  value: bytes,
  headers: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
    { maxKeys: 8 },
  ),
}) as unknown as fc.Arbitrary<OutputRecord>;

/** The record batch the broker checks against max.message.bytes, holding just this record. */
function batchBytes(one: OutputRecord): number {
  const topic = 't';
  const body = encodeProduceRequestBody({
    acks: -1,
    timeout: 30_000,
    transactionalId: null,
    topicData: [{ topic, partitions: [{ partition: 0, messages: [{ ...one, timestamp: 1 }] }] }],
  });
  // transactional id, acks, timeout, topic count, topic, partition count, partition, record set size
  const around = 2 + 2 + 4 + 4 + (2 + topic.length) + 4 + 4 + 4;
  return body.length - around;
}

describe('recordBatchBytes: what a batch of one record costs against max.message.bytes', () => {
  it('is never below the batch the broker checks, and close to it', () => {
    fc.assert(
      fc.property(record, (one) => {
        const actual = batchBytes(one);
        const estimate = recordBatchBytes(one);
        expect(estimate).toBeGreaterThanOrEqual(actual);
        expect(estimate - actual).toBeLessThan(64 + 10 * 24);
      }),
      { numRuns: 300 },
    );
  });
});
