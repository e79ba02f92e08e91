import { jsonSerde, type ChangelogEntry, type Serde, type StateStore } from './store.js';

/** In-memory key-value store whose writes are logged to a compacted changelog. */
export class KeyValueStore<V> implements StateStore {
  private readonly data = new Map<string, V>();
  private readonly dirty = new Set<string>();
  /**
   * Set once the owner keeps the values itself (`forgetValues`): the changes
   * not yet drained, undefined for a delete. The store then holds no values.
   */
  private changesOnly: Map<string, V | undefined> | undefined;
  private ownerSize: (() => number) | undefined;

  constructor(
    readonly name: string,
    private readonly serde: Serde<V> = jsonSerde<V>(),
  ) {}

  get size(): number {
    return this.ownerSize?.() ?? this.data.size;
  }

  get(key: string): V | undefined {
    this.requireValues('get');
    return this.data.get(key);
  }

  has(key: string): boolean {
    this.requireValues('has');
    return this.data.has(key);
  }

  put(key: string, value: V): void {
    if (this.changesOnly) {
      this.changesOnly.set(key, value);
      return;
    }
    this.data.set(key, value);
    this.dirty.add(key);
  }

  /** After `forgetValues` a delete is always logged: the store no longer knows what it holds. */
  delete(key: string): void {
    if (this.changesOnly) {
      this.changesOnly.set(key, undefined);
      return;
    }
    if (this.data.delete(key)) this.dirty.add(key);
  }

  entries(): IterableIterator<[string, V]> {
    this.requireValues('entries');
    return this.data.entries();
  }

  /**
   * For an owner that has read the restored entries into an index of its
   * own: the store drops its copy of every value and from now on only logs
   * what is put and deleted, so each value is held once. `size` then asks
   * the owner; get, has and entries are refused.
   */
  forgetValues(size: () => number): void {
    this.changesOnly = new Map();
    for (const key of this.dirty) this.changesOnly.set(key, this.data.get(key));
    this.data.clear();
    this.dirty.clear();
    this.ownerSize = size;
  }

  restore(entry: ChangelogEntry): void {
    this.requireValues('restore');
    if (entry.value === null) this.data.delete(entry.key);
    else this.data.set(entry.key, this.serde.deserialize(entry.value));
  }

  drainChanges(): ChangelogEntry[] {
    const changes: ChangelogEntry[] = [];
    if (this.changesOnly) {
      for (const [key, value] of this.changesOnly) {
        changes.push({ key, value: value === undefined ? null : this.serde.serialize(value) });
      }
      this.changesOnly.clear();
      return changes;
    }
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
    this.changesOnly?.clear();
  }

  private requireValues(operation: string): void {
    if (this.changesOnly) {
      throw new Error(
        `store ${this.name}: ${operation}() after forgetValues(); its owner keeps the values`,
      );
    }
  }
}
