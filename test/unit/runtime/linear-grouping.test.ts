import { describe, expect, it } from 'vitest';
import { originalKafkajsModule } from '../../../bench/lib/kafkajs-original.js';
import { kafkajsModule } from '../../../src/runtime/kafka/kafkajs-module-cache.js';
import { linearGroupingInstalled } from '../../../src/runtime/kafka/kafkajs.js';

const GROUPING = 'src/producer/groupMessagesPerPartition.js';

type Grouping = (input: {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly { key: string }[];
  partitioner: (args: { message: { key: string } }) => number;
}) => Record<number, unknown[]>;

const input = (partitionMetadata: readonly unknown[]) => ({
  topic: 't',
  partitionMetadata,
  messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${(i * 7) % 13}` })),
  partitioner: ({ message }: { message: { key: string } }) => Number(message.key.slice(1)) % 4,
});

describe("kafkajs' grouping of messages by partition, in linear time", () => {
  it('is the one kafkajs uses', () => {
    expect(linearGroupingInstalled()).toBe(true);
  });

  it('groups exactly as the original does, in order, and nothing without partitions', () => {
    const installed = kafkajsModule(GROUPING) as Grouping;
    const original = originalKafkajsModule(GROUPING) as Grouping;
    const metadata = [{}, {}, {}, {}];
    expect(installed(input(metadata))).toEqual(original(input(metadata)));
    expect(Object.keys(installed(input(metadata)))).toEqual(['0', '1', '2', '3']);
    expect(installed(input([]))).toEqual({});
  });
});
