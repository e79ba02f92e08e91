import { jsonSerde, type ChangelogEntry, type Serde, type StateStore } from './store.js';

/** In-memory key-value store whose writes are logged to a compacted changelog. */
export class KeyValueStore<V> implements StateStore {
  private readonly data = new Map<string, V>();
  private readonly dirty = new Set<string>();

  constructor(
    readonly name: string,
    private readonly serde: Serde<V> = jsonSerde<V>(),
  ) {}

  get size(): number {
    return this.data.size;
  }

  get(key: string): V | undefined {
    return this.data.get(key);
  }

  has(key: string): boolean {
    return this.data.has(key);
  }

  put(key: string, value: V): void {
    this.data.set(key, value);
    this.dirty.add(key);
  }

  delete(key: string): void {
    if (this.data.delete(key)) this.dirty.add(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.data.entries();
  }

  restore(entry: ChangelogEntry): void {
    if (entry.value === null) this.data.delete(entry.key);
    else this.data.set(entry.key, this.serde.deserialize(entry.value));
  }

  drainChanges(): ChangelogEntry[] {
    const changes: ChangelogEntry[] = [];
    for (const key of this.dirty) {
      const value = this.data.get(key);
      changes.push({ key, value: value === undefined ? null : this.serde.serialize(value) });
    }
    this.dirty.clear();
    return changes;
  }

  clear(): void {
    this.data.clear();
    this.dirty.clear();
  }
}
