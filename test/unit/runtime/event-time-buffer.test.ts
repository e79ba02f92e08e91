import { describe, expect, it } from 'vitest';
import {
  EventTimeBuffer,
  heldRecord,
  inEventTimeOrder,
  type HeldRecord,
} from '../../../src/runtime/event-time-buffer.js';
import { KeyValueStore } from '../../../src/runtime/stores/key-value-store.js';
import type { RawRecord } from '../../../src/runtime/task.js';

const record = (offset: number, value: string, topic = 't'): RawRecord => ({
  topic,
  partition: 0,
  offset: String(offset),
  key: Buffer.from('k'),
  value: Buffer.from(value),
  headers: { h: 'x' },
  recordTimestamp: offset,
});

const restoredFrom = (store: KeyValueStore<HeldRecord>): KeyValueStore<HeldRecord> => {
  const restored = new KeyValueStore<HeldRecord>('b');
  for (const entry of store.drainChanges()) restored.restore(entry);
  return restored;
};

describe('EventTimeBuffer', () => {
  it('releases records below the watermark oldest first, and keeps the rest', () => {
    const buffer = new EventTimeBuffer(new KeyValueStore('b'));
    buffer.hold(record(0, 'c'), 300, undefined, 0);
    buffer.hold(record(1, 'a'), 100, undefined, 0);
    buffer.hold(record(2, 'b'), 200, undefined, 0);
    const released = buffer.releaseBelow(300).map(({ raw }) => raw.value?.toString());
    expect(released).toEqual(['a', 'b']);
    expect(buffer.size).toBe(1);
    expect(buffer.oldest).toBe(300);
  });

  it('writes nothing to its store for a record released before it is due to spill', () => {
    const store = new KeyValueStore<HeldRecord>('b');
    const buffer = new EventTimeBuffer(store);
    buffer.hold(record(0, 'a'), 100, undefined, 1_000);
    expect(buffer.spillDue(999)).toBe(false);
    expect(buffer.spill(999, new Map([['t', '1']]), 10)).toBe(0);
    buffer.releaseBelow(101);
    expect(store.drainChanges()).toEqual([]);
  });

  it('names, per input topic, the first offset held in memory only: the commit must not pass it', () => {
    const buffer = new EventTimeBuffer(new KeyValueStore('b'));
    buffer.hold(record(5, 'early'), 100, undefined, 0);
    buffer.hold(record(6, 'late in time'), 900, undefined, 0);
    buffer.hold(record(3, 'other topic', 'u'), 500, undefined, 0);
    expect(buffer.firstUnspilledOffset('t')).toBe('5');
    expect(buffer.firstUnspilledOffset('u')).toBe('3');
    buffer.releaseBelow(600);
    expect(buffer.firstUnspilledOffset('t')).toBe('6');
    expect(buffer.firstUnspilledOffset('u')).toBeUndefined();
  });

  it('spills records held too long, which no longer hold back the commit and survive a restore', () => {
    const store = new KeyValueStore<HeldRecord>('b');
    const buffer = new EventTimeBuffer(store);
    buffer.hold(record(7, 'old'), 50, undefined, 0);
    buffer.hold(record(8, 'young'), 60, undefined, 5_000);
    expect(buffer.spillDue(1_000)).toBe(true);
    expect(buffer.spill(1_000, new Map([['t', '9']]), 10)).toBe(1);
    expect(buffer.spillDue(1_000)).toBe(false);
    expect(buffer.firstUnspilledOffset('t')).toBe('8');
    const restored = new EventTimeBuffer(restoredFrom(store));
    expect(restored.isSpilled(record(7, 'old'))).toBe(true);
    expect(restored.isSpilled(record(8, 'young'))).toBe(false);
    const [only] = restored.releaseBelow(100);
    expect(only?.raw.value?.toString()).toBe('old');
    expect(only?.raw.headers.h?.toString()).toBe('x');
    expect(only?.raw.offset).toBe('7');
  });

  it('spills records too far behind the read position, so a restart re-reads a bounded stretch', () => {
    const store = new KeyValueStore<HeldRecord>('b');
    const buffer = new EventTimeBuffer(store);
    buffer.hold(record(10, 'far'), 50, undefined, 0);
    buffer.hold(record(15, 'near'), 40, undefined, 0);
    buffer.hold(record(2, 'other topic', 'u'), 60, undefined, 0);
    const positions = new Map([
      ['t', '20'],
      ['u', '3'],
    ]);
    expect(buffer.spill(-1, positions, 9)).toBe(1);
    expect(buffer.firstUnspilledOffset('t')).toBe('15');
    expect(buffer.firstUnspilledOffset('u')).toBe('2');
    expect(store.drainChanges().map((change) => change.key)).toEqual(['t/0@10']);
  });

  it('deletes a spilled record from its store when it is released', () => {
    const store = new KeyValueStore<HeldRecord>('b');
    const buffer = new EventTimeBuffer(store);
    buffer.hold(record(1, 'a'), 50, undefined, 0);
    buffer.spill(0, new Map(), 10);
    store.drainChanges();
    buffer.releaseBelow(51);
    expect(store.drainChanges()).toEqual([{ key: 't/0@1', value: null }]);
  });

  it('holds a spilled record once: its store only logs it, and knows it after a restore', () => {
    const store = new KeyValueStore<HeldRecord>('b');
    const buffer = new EventTimeBuffer(store);
    buffer.hold(record(1, 'a'), 50, undefined, 0);
    buffer.hold(record(2, 'b'), 60, undefined, 0);
    expect(buffer.spill(0, new Map(), 10)).toBe(2);
    expect(store.size).toBe(2);
    expect(() => store.get('t/0@1')).toThrow(/forgetValues/);
    // held again after the spill (a re-read): still one record
    buffer.hold(record(1, 'a'), 50, undefined, 0);
    expect(buffer.size).toBe(2);
    const restoredStore = restoredFrom(store);
    const restored = new EventTimeBuffer(restoredStore);
    expect(restoredStore.size).toBe(2);
    expect(restored.isSpilled(record(2, 'b'))).toBe(true);
    restored.hold(record(2, 'b'), 60, undefined, 0);
    expect(restored.size).toBe(2);
    expect(restored.releaseBelow(55).map(({ raw }) => raw.value?.toString())).toEqual(['a']);
    expect(restored.isSpilled(record(1, 'a'))).toBe(false);
    expect(restoredStore.size).toBe(1);
    expect(restoredStore.drainChanges()).toEqual([{ key: 't/0@1', value: null }]);
  });

  it('restores what a version that changelogged every held record left, prepared or whole', () => {
    const store = new KeyValueStore<HeldRecord>('b');
    const big = 'x'.repeat(10_000);
    store.put('t/0@1', heldRecord({ ...record(1, big), prepared: { n: 1 } }, 50, 'b'));
    store.put('t/0@2', heldRecord({ ...record(2, big), prepared: { n: 2 } }, 50, 'a'));
    store.put('t/0@3', heldRecord(record(3, 'whole'), 40));
    const changes = store.drainChanges();
    expect(changes.slice(0, 2).every((entry) => (entry.value?.length ?? 0) < 300)).toBe(true);
    const restoredStore = new KeyValueStore<HeldRecord>('b');
    for (const entry of changes) restoredStore.restore(entry);
    const ordered = inEventTimeOrder(
      new EventTimeBuffer(restoredStore).releaseBelow(51),
      () => 'z',
    );
    expect(ordered.map(({ raw }) => raw.prepared ?? raw.value?.toString())).toEqual([
      'whole',
      { n: 2 },
      { n: 1 },
    ]);
  });
});
