import { describe, expect, it } from 'vitest';
import {
  EventTimeBuffer,
  inEventTimeOrder,
  rawRecordOf,
} from '../../../src/runtime/event-time-buffer.js';
import { KeyValueStore } from '../../../src/runtime/stores/key-value-store.js';
import type { RawRecord } from '../../../src/runtime/task.js';

const record = (offset: number, value: string): RawRecord => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
  key: Buffer.from('k'),
  value: Buffer.from(value),
  headers: { h: 'x' },
  recordTimestamp: offset,
});

describe('EventTimeBuffer', () => {
  it('releases records below the watermark oldest first, and keeps the rest', () => {
    const buffer = new EventTimeBuffer(new KeyValueStore('b'));
    buffer.hold(record(0, 'c'), 300);
    buffer.hold(record(1, 'a'), 100);
    buffer.hold(record(2, 'b'), 200);
    const released = buffer.releaseBelow(300).map((held) => rawRecordOf(held).value?.toString());
    expect(released).toEqual(['a', 'b']);
    expect(buffer.size).toBe(1);
    expect(buffer.oldest).toBe(300);
  });

  it('keeps the bytes and headers of a held record, and survives a restore from its changelog', () => {
    const store = new KeyValueStore<never>('b');
    const buffer = new EventTimeBuffer(store);
    buffer.hold(record(7, 'v'), 50);
    const restoredStore = new KeyValueStore<never>('b');
    for (const entry of store.drainChanges()) restoredStore.restore(entry);
    const released = new EventTimeBuffer(restoredStore).releaseBelow(51);
    expect(released).toHaveLength(1);
    const raw = rawRecordOf(released[0] as (typeof released)[number]);
    expect(raw.value?.toString()).toBe('v');
    expect(raw.headers.h?.toString()).toBe('x');
    expect(raw.offset).toBe('7');
  });

  it('holds only what prepare made of a record, with its order key, and changelogs that alone', () => {
    const store = new KeyValueStore<never>('b');
    const buffer = new EventTimeBuffer(store);
    const big = 'x'.repeat(10_000);
    buffer.hold({ ...record(1, big), prepared: { kind: 'deployment', n: 1 } }, 50, 'b');
    buffer.hold({ ...record(2, big), prepared: { kind: 'deployment', n: 2 } }, 50, 'a');
    const changes = store.drainChanges();
    expect(changes.every((entry) => (entry.value?.length ?? 0) < 300)).toBe(true);
    const restoredStore = new KeyValueStore<never>('b');
    for (const entry of changes) restoredStore.restore(entry);
    const released = new EventTimeBuffer(restoredStore).releaseBelow(51);
    const ordered = inEventTimeOrder(released, () => 'z');
    expect(ordered.map(({ raw }) => raw.prepared)).toEqual([
      { kind: 'deployment', n: 2 },
      { kind: 'deployment', n: 1 },
    ]);
    expect(ordered.every(({ raw }) => raw.value === null)).toBe(true);
  });
});
