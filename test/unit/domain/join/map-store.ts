import type { TableStore } from '../../../../src/domain/join/index.js';

/** A join table store on a Map, for the join's tests without the runtime. */
export function mapStore<V>(): TableStore<V> {
  const map = new Map<string, V>();
  return {
    get: (key) => map.get(key),
    put: (key, value) => void map.set(key, value),
    delete: (key) => void map.delete(key),
    entries: () => map.entries(),
    get size() {
      return map.size;
    },
  };
}
