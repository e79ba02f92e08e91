/**
 * Per service, a record of entries (artifact → where its lead time starts,
 * artifact → its latest deployment, …) kept whole in memory and stored
 * entry by entry: writing a changed record writes the entries that changed
 * and deletes those it dropped. Stored whole, a record of 64 entries went
 * to the changelog again on every change (about 10 KB per deployment once
 * full); at 300k events the deployment-history and artifact-origin
 * changelogs were 47% of all changelog bytes, and they grew with history.
 *
 * Entry keys are JSON `[owner, family, entry]`, so one store can hold
 * several families (and, under its plain keys, a small record per owner).
 */
import type { KeyValueStore } from '../../runtime/stores/key-value-store.js';

export type Entries<V> = Readonly<Record<string, V>>;

/** One entry of a record, own properties only (an artifact key may be any string, `__proto__` too). */
export const entryOf = <V>(entries: Entries<V> | undefined, entry: string): V | undefined =>
  entries !== undefined && Object.hasOwn(entries, entry) ? entries[entry] : undefined;

/**
 * The record as an object without a prototype, which V8 keeps in dictionary
 * mode. A record's keys (artifact keys, event ids) are its own, so as an
 * ordinary object each record held a chain of hidden classes no other
 * object shared: at 300k events, 40,750 records had 6.6 MB of hidden
 * classes and descriptors of their own, besides the chains behind them.
 */
function dictionaryOf<V>(entries: Iterable<readonly [string, V]>): Entries<V> {
  const record = Object.create(null) as Record<string, V>;
  for (const [entry, value] of entries) record[entry] = value;
  return record;
}

function* ownEntries<V>(record: Entries<V>): Generator<readonly [string, V]> {
  for (const entry in record) {
    if (Object.hasOwn(record, entry)) yield [entry, record[entry] as V];
  }
}

const entryKey = (owner: string, family: string, entry: string): string =>
  JSON.stringify([owner, family, entry]);

/** [owner, family, entry] of an entry key; undefined for any other key (an owner's own). */
export function parseEntryKey(key: string): readonly [string, string, string] | undefined {
  if (!key.startsWith('["')) return undefined;
  try {
    const parsed = JSON.parse(key) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed.every((part) => typeof part === 'string')
    ) {
      return parsed as [string, string, string];
    }
  } catch {
    // an owner key that happens to start with [" (a service named so)
  }
  return undefined;
}

export class EntrywiseRecords<V> {
  private readonly records = new Map<string, Entries<V>>();
  private entries = 0;

  constructor(
    private readonly store: KeyValueStore<unknown>,
    private readonly family: string,
  ) {
    const restored = new Map<string, [string, V][]>();
    for (const [key, value] of store.entries()) {
      const parsed = parseEntryKey(key);
      if (parsed?.[1] !== family) continue;
      const [owner, , entry] = parsed;
      const entries = restored.get(owner) ?? [];
      entries.push([entry, value as V]);
      restored.set(owner, entries);
    }
    for (const [owner, entries] of restored) {
      this.records.set(owner, dictionaryOf(entries));
      this.entries += entries.length;
    }
  }

  /** entries held, over all owners (what the store would hold) */
  get size(): number {
    return this.entries;
  }

  /** The owner's record; treat it as immutable (put a new one to change it). */
  get(owner: string): Entries<V> | undefined {
    return this.records.get(owner);
  }

  put(owner: string, next: Entries<V>): void {
    const previous = this.records.get(owner) ?? {};
    if (previous === next) return;
    let empty = true;
    for (const entry in next) {
      if (!Object.hasOwn(next, entry)) continue;
      empty = false;
      const value = next[entry] as V;
      const added = !Object.hasOwn(previous, entry);
      if (added) this.entries++;
      if (added || previous[entry] !== value) {
        this.store.put(entryKey(owner, this.family, entry), value);
      }
    }
    for (const entry in previous) {
      if (Object.hasOwn(previous, entry) && !Object.hasOwn(next, entry)) {
        this.entries--;
        this.store.delete(entryKey(owner, this.family, entry));
      }
    }
    if (empty) this.records.delete(owner);
    else
      this.records.set(
        owner,
        Object.getPrototypeOf(next) === null ? next : dictionaryOf(ownEntries(next)),
      );
  }

  /** Takes in entries of a record that was stored whole (before entry by entry); they win over held ones. */
  adopt(owner: string, whole: Entries<V>): void {
    this.put(owner, { ...this.records.get(owner), ...whole });
  }
}
