/**
 * Puts dropAbortedRecords into Node's CommonJS module cache under the path
 * of kafkajs' own filter, so that kafkajs' Batch class loads ours. Has an
 * effect only if kafkajs' consumer code is not loaded yet; whether it took
 * is checked by readCommittedFilterInstalled().
 */
import Module, { createRequire } from 'node:module';
import {
  dropAbortedRecords,
  type AbortedTransaction,
  type FetchedRecord,
} from './aborted-transactions.js';

const require = createRequire(import.meta.url);
const FILTER_PATH = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const BATCH_PATH = require.resolve('kafkajs/src/consumer/batch.js');

function kafkajsFilter(input: {
  messages: FetchedRecord[];
  abortedTransactions?: AbortedTransaction[];
}): FetchedRecord[] {
  return dropAbortedRecords(input.messages, input.abortedTransactions);
}

if (!(FILTER_PATH in require.cache)) {
  const replacement = new Module(FILTER_PATH);
  replacement.filename = FILTER_PATH;
  replacement.loaded = true;
  replacement.exports = kafkajsFilter;
  require.cache[FILTER_PATH] = replacement;
}

type BatchClass = new (
  topic: string,
  fetchedOffset: string,
  partitionData: unknown,
) => { messages: { offset: string }[] };

/**
 * True when kafkajs' consumer drops the records of every aborted transaction
 * of a fetch: two transactions aborted before the fetched records, the
 * second one's record must not be delivered.
 */
export function readCommittedFilterInstalled(): boolean {
  const Batch = require(BATCH_PATH) as BatchClass;
  const record = (offset: string, producerId: string) => ({
    offset,
    key: Buffer.from('k'),
    isControlRecord: false,
    batchContext: { producerId, inTransaction: true },
  });
  const batch = new Batch('check', '2', {
    partition: 0,
    highWatermark: '4',
    abortedTransactions: [
      { producerId: '1', firstOffset: '0' },
      { producerId: '2', firstOffset: '1' },
    ],
    messages: [record('2', '1'), record('3', '2')],
  });
  return batch.messages.length === 0;
}
