/** A change a store made since the last commit, as written to its changelog. */
export interface ChangelogEntry {
  readonly key: string;
  /** null deletes the key (a tombstone in the compacted changelog) */
  readonly value: Buffer | null;
}

/** What the runtime needs of every store: restore from and flush to a changelog. */
export interface StateStore {
  readonly name: string;
  /** applies one changelog record during restore, without marking it dirty */
  restore(entry: ChangelogEntry): void;
  /** the changes since the last drain, one entry per key (last write wins) */
  drainChanges(): ChangelogEntry[];
  /** forgets uncommitted changes' bookkeeping and all data (task closed or rolled back) */
  clear(): void;
  readonly size: number;
}

export interface Serde<V> {
  serialize(value: V): Buffer;
  deserialize(bytes: Buffer): V;
}

export function jsonSerde<V>(): Serde<V> {
  return {
    serialize: (value) => Buffer.from(JSON.stringify(value)),
    deserialize: (bytes) => JSON.parse(bytes.toString('utf8')) as V,
  };
}
