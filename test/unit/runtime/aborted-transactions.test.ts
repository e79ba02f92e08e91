import { describe, expect, it } from 'vitest';
import { originalKafkajsModule } from '../../../bench/lib/kafkajs-original.js';
import {
  dropAbortedRecords,
  type FetchedRecord,
} from '../../../src/runtime/kafka/aborted-transactions.js';
import { readCommittedFilterInstalled } from '../../../src/runtime/kafka/kafkajs.js';

const data = (offset: number, producerId: string): FetchedRecord => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  isControlRecord: false,
  batchContext: { producerId, inTransaction: true },
});
const marker = (offset: number, producerId: string, type: 'ABORT' | 'COMMIT'): FetchedRecord => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, type === 'ABORT' ? 0 : 1]),
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});
const offsets = (records: readonly FetchedRecord[]) =>
  records.filter((r) => !r.isControlRecord).map((r) => Number(r.offset));

// The log after a broker restart: producers 7 and 8 each had a transaction
// open; the coordinator aborted both. Producer 9 committed in between.
const afterRestart = [
  data(10, '7'),
  data(11, '8'),
  data(12, '9'),
  data(13, '7'),
  data(14, '8'),
  marker(15, '9', 'COMMIT'),
  marker(16, '7', 'ABORT'),
  marker(17, '8', 'ABORT'),
  data(18, '7'),
  marker(19, '7', 'COMMIT'),
];
const aborted = [
  { producerId: '7', firstOffset: '10' },
  { producerId: '8', firstOffset: '11' },
];

describe('read_committed filtering', () => {
  it('drops every record of every aborted transaction, keeps committed ones', () => {
    expect(offsets(dropAbortedRecords(afterRestart, aborted))).toEqual([12, 18]);
  });

  it('also when the fetch starts after the aborted transactions began', () => {
    expect(offsets(dropAbortedRecords(afterRestart.slice(3), aborted))).toEqual([18]);
    // the first fetched record is of the second aborted transaction
    expect(offsets(dropAbortedRecords(afterRestart.slice(4), aborted))).toEqual([18]);
  });

  it('whatever order the broker lists the aborted transactions in', () => {
    expect(offsets(dropAbortedRecords(afterRestart, [...aborted].reverse()))).toEqual([12, 18]);
  });

  it('keeps everything when nothing was aborted, and non-transactional records always', () => {
    expect(offsets(dropAbortedRecords(afterRestart, []))).toEqual([10, 11, 12, 13, 14, 18]);
    const plain = { ...data(20, '7'), batchContext: { producerId: '7', inTransaction: false } };
    expect(offsets(dropAbortedRecords([plain], [{ producerId: '7', firstOffset: '0' }]))).toEqual([
      20,
    ]);
  });

  it("kafkajs' own filter lets the second aborted transaction through (why it is replaced)", () => {
    const original = originalKafkajsModule('src/consumer/filterAbortedMessages.js') as (input: {
      messages: FetchedRecord[];
      abortedTransactions: typeof aborted;
    }) => FetchedRecord[];
    const delivered = offsets(
      original({ messages: afterRestart.slice(4), abortedTransactions: aborted }),
    );
    expect(delivered).toContain(14);
  });

  it('is the filter kafkajs consumers use', () => {
    expect(readCommittedFilterInstalled()).toBe(true);
  });
});
