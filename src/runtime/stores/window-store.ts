import { jsonSerde, type ChangelogEntry, type Serde, type StateStore } from './store.js';

export interface WindowedEntry<V> {
  readonly key: string;
  readonly windowStart: number;
  readonly value: V;
}

/**
 * In-memory store of values per (key, window start), grouped by window so
 * that closing the oldest windows does not scan every key. Changelog keys are
 * the JSON array [windowStart, key].
 */
export class WindowStore<V> implements StateStore {
  private readonly windows = new Map<number, Map<string, V>>();
  private readonly dirty = new Map<number, Set<string>>();
  private count = 0;

  constructor(
    readonly name: string,
    private readonly serde: Serde<V> = jsonSerde<V>(),
  ) {}

  get size(): number {
    return this.count;
  }

  get(key: string, windowStart: number): V | undefined {
    return this.windows.get(windowStart)?.get(key);
  }

  put(key: string, windowStart: number, value: V): void {
    this.write(key, windowStart, value);
    this.markDirty(key, windowStart);
  }

  delete(key: string, windowStart: number): void {
    if (this.remove(key, windowStart)) this.markDirty(key, windowStart);
  }

  /** Window starts that hold data, oldest first. */
  windowStarts(): number[] {
    return [...this.windows.keys()].sort((a, b) => a - b);
  }

  /** Entries of one window, in insertion order. */
  entriesOf(windowStart: number): WindowedEntry<V>[] {
    const window = this.windows.get(windowStart);
    if (!window) return [];
    return [...window].map(([key, value]) => ({ key, windowStart, value }));
  }

  restore(entry: ChangelogEntry): void {
    const [windowStart, key] = JSON.parse(entry.key) as [number, string];
    if (entry.value === null) this.remove(key, windowStart);
    else this.write(key, windowStart, this.serde.deserialize(entry.value));
  }

  drainChanges(): ChangelogEntry[] {
    const changes: ChangelogEntry[] = [];
    for (const [windowStart, keys] of this.dirty) {
      for (const key of keys) {
        const value = this.get(key, windowStart);
        changes.push({
          key: JSON.stringify([windowStart, key]),
          value: value === undefined ? null : this.serde.serialize(value),
        });
      }
    }
    this.dirty.clear();
    return changes;
  }

  clear(): void {
    this.windows.clear();
    this.dirty.clear();
    this.count = 0;
  }

  private write(key: string, windowStart: number, value: V): void {
    let window = this.windows.get(windowStart);
    if (!window) {
      window = new Map();
      this.windows.set(windowStart, window);
    }
    if (!window.has(key)) this.count++;
    window.set(key, value);
  }

  private remove(key: string, windowStart: number): boolean {
    const window = this.windows.get(windowStart);
    if (!window?.delete(key)) return false;
    this.count--;
    if (window.size === 0) this.windows.delete(windowStart);
    return true;
  }

  private markDirty(key: string, windowStart: number): void {
    let keys = this.dirty.get(windowStart);
    if (!keys) {
      keys = new Set();
      this.dirty.set(windowStart, keys);
    }
    keys.add(key);
  }
}
