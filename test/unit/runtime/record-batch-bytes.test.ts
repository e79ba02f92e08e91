import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeProduceRequestBody } from '../../../src/runtime/kafka/install-sized-produce-encoding.js';
import { chunksOf } from '../../../src/runtime/kafka/kafkajs-transport.js';
import {
  RECORD_BATCH_HEADER,
  recordBatchBytes,
  recordInBatchBytes,
  type OutputRecord,
} from '../../../src/runtime/record.js';
import { recordBytes, recordHeaders } from './record-arbitraries.js';

const record = fc.record({
  key: recordBytes,
  value: recordBytes,
  headers: recordHeaders,
}) as unknown as fc.Arbitrary<OutputRecord>;

/** The record batch the broker checks against max.message.bytes, holding these records. */
function batchBytes(...records: OutputRecord[]): number {
  const topic = 't';
  const messages = records.map((one) => ({ ...one, timestamp: 1 }));
  const body = encodeProduceRequestBody({
    acks: -1,
    timeout: 30_000,
    transactionalId: null,
    topicData: [{ topic, partitions: [{ partition: 0, messages }] }],
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

describe('recordInBatchBytes: what one more record adds to a batch', () => {
  it('sums with RECORD_BATCH_HEADER to no less than the batch the broker checks', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (records) => {
        const estimate = records.reduce(
          (sum, one) => sum + recordInBatchBytes(one),
          RECORD_BATCH_HEADER,
        );
        expect(estimate).toBeGreaterThanOrEqual(batchBytes(...records));
      }),
      { numRuns: 200 },
    );
  });
});

describe('chunksOf: the sends of one transaction', () => {
  const topics = ['a', 'b', 'c'] as const;
  const produced = fc
    .tuple(fc.constantFrom(...topics), record)
    .map(([topic, one]) => ({ ...one, topic }));
  const limits = fc.record({
    a: fc.integer({ min: 200, max: 100_000 }),
    b: fc.integer({ min: 200, max: 100_000 }),
  });

  it('keeps every record in order and each topic of a chunk within its record batch limit', () => {
    fc.assert(
      fc.property(fc.array(produced, { maxLength: 40 }), limits, (records, limit) => {
        const limitOf = (topic: string) => (topic === 'c' ? undefined : limit[topic as 'a' | 'b']);
        const chunks = chunksOf(records, 512 * 1024, limitOf);
        expect(chunks.flat()).toEqual(records);
        for (const chunk of chunks) {
          for (const topic of ['a', 'b'] as const) {
            const ofTopic = chunk.filter((one) => one.topic === topic);
            // a record too large alone is the task's to refuse (OUTPUT_TOO_LARGE), not the chunking's
            if (ofTopic.length > 1)
              expect(batchBytes(...ofTopic)).toBeLessThanOrEqual(limit[topic]);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
