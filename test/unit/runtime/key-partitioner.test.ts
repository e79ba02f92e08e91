import { describe, expect, it } from 'vitest';
import { keyPartitioner } from '../../../src/runtime/kafka/key-partitioner.js';
import { Partitioners, type PartitionMetadata } from '../../../src/runtime/kafka/kafkajs.js';

const metadata = (count: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

const keys = [
  '',
  'a',
  'ab',
  'abc',
  'abcd',
  'billing-svc-101/eu-prod',
  'sha256:d33ccc61964bbaf11c4f6f19bca46793e76a9d9f7c2bba48dc88e31974d23bac',
  'zürich/prod-🚀',
  ...Array.from({ length: 200 }, (_, i) => `service-${i * 7919}/env-${i % 5}`),
];

describe("the producers' partitioner", () => {
  it("places every key where kafkajs' DefaultPartitioner (the Java client's) does", () => {
    const ours = keyPartitioner();
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 12, 50]) {
      const partitionMetadata = metadata(partitions);
      for (const key of keys) {
        for (const asBytes of [false, true]) {
          const message = { key: asBytes ? Buffer.from(key) : key, value: null };
          expect(ours({ topic: 't', partitionMetadata, message }), `${key} of ${partitions}`).toBe(
            kafkajs({ topic: 't', partitionMetadata, message }),
          );
        }
      }
    }
  });

  it('keeps an explicit partition, also 0 and with a key', () => {
    const ours = keyPartitioner();
    const partitionMetadata = metadata(12);
    expect(
      ours({ topic: 't', partitionMetadata, message: { key: 'a', value: null, partition: 0 } }),
    ).toBe(0);
    expect(
      ours({ topic: 't', partitionMetadata, message: { key: 'a', value: null, partition: 7 } }),
    ).toBe(7);
  });

  it('spreads records without a key over the partitions that have a leader, in turn', () => {
    const ours = keyPartitioner();
    const partitionMetadata = metadata(4, [1]);
    const chosen = Array.from({ length: 6 }, () =>
      ours({ topic: 't', partitionMetadata, message: { value: null } }),
    );
    expect(new Set(chosen)).toEqual(new Set([0, 2, 3]));
    expect(chosen.slice(3)).toEqual(chosen.slice(0, 3));
  });
});
