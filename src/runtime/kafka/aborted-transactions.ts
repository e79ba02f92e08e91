/**
 * read_committed filtering of fetched records, as the Java consumer does it.
 *
 * A read_committed fetch returns every record below the last stable offset,
 * including those of aborted transactions, plus the list of aborted
 * transactions (producer id, first offset) that overlap the fetched range.
 * A transactional record is dropped while its producer has an aborted
 * transaction that started at or before it and whose ABORT marker has not
 * been passed yet.
 *
 * kafkajs 2.2.4 (src/consumer/filterAbortedMessages.js) opens at most one
 * aborted transaction per record it looks at, so when several aborted
 * transactions start before a fetched record (as after a broker restart,
 * when the coordinator aborts every open transaction at once) records of
 * the second and later ones are delivered as if committed.
 */

export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

export interface FetchedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

/** Control record key of an ABORT marker: version 0, type 0 (COMMIT is type 1). */
const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

function isAbortMarker(record: FetchedRecord): boolean {
  return record.key !== null && Buffer.from(record.key).equals(ABORT_MARKER_KEY);
}

/** The records not in an aborted transaction, in their order; control records are kept. */
export function dropAbortedRecords<T extends FetchedRecord>(
  records: readonly T[],
  aborted: readonly AbortedTransaction[] | undefined,
): readonly T[] {
  if (!aborted || aborted.length === 0) return records;
  const pending = [...aborted].sort((a, b) => {
    const difference = BigInt(a.firstOffset) - BigInt(b.firstOffset);
    return difference < 0n ? -1 : difference > 0n ? 1 : 0;
  });
  const abortedProducers = new Set<string>();
  let next = 0;
  return records.filter((record) => {
    const offset = BigInt(record.offset);
    for (; next < pending.length; next++) {
      const transaction = pending[next];
      if (!transaction || BigInt(transaction.firstOffset) > offset) break;
      abortedProducers.add(transaction.producerId);
    }
    const producerId = record.batchContext.producerId;
    if (record.isControlRecord) {
      if (isAbortMarker(record)) abortedProducers.delete(producerId);
      return true;
    }
    return !(record.batchContext.inTransaction && abortedProducers.has(producerId));
  });
}
