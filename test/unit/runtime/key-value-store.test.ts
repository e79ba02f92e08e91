import { describe, expect, it } from 'vitest';
import { KeyValueStore } from '../../../src/runtime/stores/key-value-store.js';

const text = (value: Buffer | null): string | null => (value === null ? null : value.toString());

describe('KeyValueStore', () => {
  it('logs one change per key since the last drain, the last write winning', () => {
    const store = new KeyValueStore<number>('s');
    store.put('a', 1);
    store.put('a', 2);
    store.put('b', 3);
    store.delete('b');
    store.delete('never-there');
    expect(store.drainChanges().map(({ key, value }) => [key, text(value)])).toEqual([
      ['a', '2'],
      ['b', null],
    ]);
    expect(store.drainChanges()).toEqual([]);
  });

  it('after forgetValues, holds no values, still logs every put and delete, and asks its owner for the size', () => {
    const store = new KeyValueStore<number>('s');
    store.restore({ key: 'restored', value: Buffer.from('7') });
    store.put('undrained', 1);
    const owned = new Map([...store.entries()]);
    store.forgetValues(() => owned.size);

    expect(store.size).toBe(2);
    expect(() => store.get('restored')).toThrow(/forgetValues/);
    expect(() => store.entries()).toThrow(/forgetValues/);
    store.put('new', 5);
    store.delete('restored');
    expect(store.drainChanges().map(({ key, value }) => [key, text(value)])).toEqual([
      ['undrained', '1'],
      ['new', '5'],
      ['restored', null],
    ]);
    expect(store.drainChanges()).toEqual([]);
  });
});
