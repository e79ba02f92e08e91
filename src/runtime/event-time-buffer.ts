/**
 * Records held until the watermark passes them, so that a stage sees them in
 * event-time order whatever order Kafka delivered them in. Backed by a
 * key-value store, so what is held survives a crash with the offsets that
 * were committed past it.
 */
import type { InputRecord } from './record.js';
import type { RawRecord } from './task.js';
import type { KeyValueStore } from './stores/key-value-store.js';

/** A held record as its store keeps it (bytes as base64). */
export interface HeldRecord {
  readonly time: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly recordTimestamp: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** what the stage's `prepare` made of the record; then key, value and headers are not kept */
  readonly prepared?: unknown;
  readonly orderKey?: string;
}

interface IndexEntry {
  readonly time: number;
  readonly id: string;
}

const toBase64 = (bytes: Buffer | string | null): string | null =>
  bytes === null ? null : Buffer.from(bytes).toString('base64');
const fromBase64 = (text: string | null): Buffer | null =>
  text === null ? null : Buffer.from(text, 'base64');

export function heldRecord(record: RawRecord, time: number, orderKey?: string): HeldRecord {
  const where = {
    time,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    recordTimestamp: record.recordTimestamp,
  };
  if (record.prepared !== undefined) {
    return { ...where, key: null, value: null, headers: {}, prepared: record.prepared, orderKey };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined) headers[name] = Buffer.from(value).toString('base64');
  }
  return { ...where, key: toBase64(record.key), value: toBase64(record.value), headers };
}

export function rawRecordOf(held: HeldRecord): RawRecord {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(held.headers))
    headers[name] = Buffer.from(value, 'base64');
  return {
    topic: held.topic,
    partition: held.partition,
    offset: held.offset,
    recordTimestamp: held.recordTimestamp,
    key: fromBase64(held.key),
    value: fromBase64(held.value),
    headers,
    ...(held.prepared === undefined ? {} : { prepared: held.prepared }),
  };
}

export class EventTimeBuffer {
  /** ids by event time, oldest first */
  private index: IndexEntry[] = [];

  constructor(private readonly store: KeyValueStore<HeldRecord>) {
    for (const [id, held] of store.entries()) this.index.push({ time: held.time, id });
    this.index.sort((a, b) => a.time - b.time);
  }

  get size(): number {
    return this.index.length;
  }

  /** event time of the oldest held record, or undefined */
  get oldest(): number | undefined {
    return this.index[0]?.time;
  }

  hold(record: RawRecord, time: number, orderKey?: string): void {
    const id = `${record.topic}/${record.partition}@${record.offset}`;
    if (this.store.has(id)) return;
    this.store.put(id, heldRecord(record, time, orderKey));
    // new records are mostly the newest: search from the end
    let at = this.index.length;
    while (at > 0 && (this.index[at - 1] as IndexEntry).time > time) at--;
    this.index.splice(at, 0, { time, id });
  }

  /** Takes out every record with an event time below `watermark`, oldest first. */
  releaseBelow(watermark: number): HeldRecord[] {
    let count = 0;
    while (count < this.index.length && (this.index[count] as IndexEntry).time < watermark) count++;
    if (count === 0) return [];
    const released = this.index.splice(0, count);
    const records: HeldRecord[] = [];
    for (const { id } of released) {
      const held = this.store.get(id);
      this.store.delete(id);
      if (held) records.push(held);
    }
    return records;
  }
}

/**
 * Held records as the processor must see them: by event time, ties by the
 * stage's order key (e.g. source and id), then by position, so every
 * interleaving of the same records gives the same order.
 */
export function inEventTimeOrder(
  held: readonly HeldRecord[],
  orderKey: ((record: InputRecord) => string) | undefined,
): { raw: RawRecord; time: number }[] {
  const records = held.map((entry) => ({ raw: rawRecordOf(entry), time: entry.time }));
  const keys = new Map<RawRecord, string>();
  held.forEach((entry, at) => {
    if (entry.orderKey !== undefined)
      keys.set((records[at] as { raw: RawRecord }).raw, entry.orderKey);
  });
  const keyOf = (raw: RawRecord, time: number): string => {
    let key = keys.get(raw);
    if (key === undefined) {
      try {
        key = orderKey ? orderKey({ ...raw, timestamp: time }) : '';
      } catch {
        key = '';
      }
      keys.set(raw, key);
    }
    return key;
  };
  const position = (raw: RawRecord) =>
    `${raw.topic}/${raw.partition}@${raw.offset.padStart(20, '0')}`;
  return records.sort((a, b) => {
    if (a.time !== b.time) return a.time - b.time;
    const byKey = keyOf(a.raw, a.time).localeCompare(keyOf(b.raw, b.time));
    return byKey !== 0 ? byKey : position(a.raw).localeCompare(position(b.raw));
  });
}
