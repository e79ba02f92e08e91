/**
 * Puts dropAbortedRecords into Node's CommonJS module cache under the path
 * of kafkajs' own filter, so that kafkajs' Batch class loads ours. Has an
 * effect only if kafkajs' consumer code is not loaded yet; whether it took
 * is checked by readCommittedFilterInstalled().
 */
import {
  dropAbortedRecords,
  type AbortedTransaction,
  type FetchedRecord,
} from './aborted-transactions.js';
import { kafkajsModule, replaceKafkajsModule } from './kafkajs-module-cache.js';

function kafkajsFilter(input: {
  messages: FetchedRecord[];
  abortedTransactions?: AbortedTransaction[];
}): readonly FetchedRecord[] {
  return dropAbortedRecords(input.messages, input.abortedTransactions);
}

replaceKafkajsModule('src/consumer/filterAbortedMessages.js', () => kafkajsFilter);

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
  const Batch = kafkajsModule('src/consumer/batch.js') as BatchClass;
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
