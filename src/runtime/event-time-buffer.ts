/**
 * Records held until the watermark passes them, so that a stage sees them in
 * event-time order whatever order Kafka delivered them in.
 *
 * A held record lives in memory, and its input offset is not committed while
 * it is held: after a crash it is read again (the Task re-holds it). Only a
 * record the Task says is due (held too long, too far behind the read
 * position, or its input has stopped) is written to the store (spilled), so
 * that the committed offset can move past it: most records wait a few
 * watermark intervals and never touch the changelog. A store written by a
 * version that changelogged every held record restores as spilled records.
 */
import type { InputRecord } from './record.js';
import type { RawRecord } from './task.js';
import type { KeyValueStore } from './stores/key-value-store.js';
import { MinHeap } from './min-heap.js';

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

const toBase64 = (bytes: Buffer | string | null): string | null =>
  bytes === null ? null : Buffer.from(bytes).toString('base64');
const fromBase64 = (text: string | null): Buffer | null =>
  text === null ? null : Buffer.from(text, 'base64');

/** Where a record came from: what every held form keeps. */
const positionOf = (record: RawRecord) => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset,
  recordTimestamp: record.recordTimestamp,
});

export function heldRecord(record: RawRecord, time: number, orderKey?: string): HeldRecord {
  const where = { time, ...positionOf(record) };
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

/**
 * What a held record keeps in memory: a prepared record only what its stage
 * made of it (as when spilled), others copies of their bytes. The client's
 * buffers are views of a whole fetch response: holding one would keep the
 * response alive.
 */
function kept(record: RawRecord): RawRecord {
  const where = positionOf(record);
  if (record.prepared !== undefined) {
    return { ...where, key: null, value: null, headers: {}, prepared: record.prepared };
  }
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined) headers[name] = Buffer.from(value);
  }
  const copy = (bytes: Buffer | null) => (bytes === null ? null : Buffer.from(bytes));
  return { ...where, key: copy(record.key), value: copy(record.value), headers };
}

/** A record waiting for the watermark. */
export interface Waiting {
  readonly raw: RawRecord;
  readonly time: number;
  readonly orderKey?: string | undefined;
}

interface Entry extends Waiting {
  readonly id: string;
  /** wall clock when it was held, ms */
  readonly heldAt: number;
  spilled: boolean;
}

export const heldRecordId = (record: Pick<RawRecord, 'topic' | 'partition' | 'offset'>): string =>
  `${record.topic}/${record.partition}@${record.offset}`;

export class EventTimeBuffer {
  /** by event time, oldest on top (ties in any order: inEventTimeOrder settles them) */
  private readonly index = new MinHeap<Entry>((a, b) => a.time < b.time);
  /** per input topic, the records not spilled, in the order read (= offset order) */
  private readonly unspilled = new Map<string, Map<string, Entry>>();
  /** the ids of the records the store holds (spilled, not yet released) */
  private readonly spilledIds = new Set<string>();

  constructor(private readonly store: KeyValueStore<HeldRecord>) {
    for (const [id, held] of store.entries()) {
      const raw = rawRecordOf(held);
      this.index.push({
        raw,
        time: held.time,
        orderKey: held.orderKey,
        id,
        heldAt: 0,
        spilled: true,
      });
      this.spilledIds.add(id);
    }
    // a spilled record is held by its entry here: the store only logs, so
    // that a tail spilled when the input stops is not in memory twice
    store.forgetValues(() => this.spilledIds.size);
  }

  get size(): number {
    return this.index.size;
  }

  /** event time of the oldest held record, or undefined */
  get oldest(): number | undefined {
    return this.index.peek()?.time;
  }

  /** Whether the store holds this record: it was spilled before a restart. */
  isSpilled(record: RawRecord): boolean {
    return this.spilledIds.has(heldRecordId(record));
  }

  hold(record: RawRecord, time: number, orderKey: string | undefined, now: number): void {
    const id = heldRecordId(record);
    let waiting = this.unspilled.get(record.topic);
    if (waiting?.has(id) || this.spilledIds.has(id)) return;
    const entry: Entry = { raw: kept(record), time, orderKey, id, heldAt: now, spilled: false };
    if (!waiting) this.unspilled.set(record.topic, (waiting = new Map<string, Entry>()));
    waiting.set(id, entry);
    this.index.push(entry);
  }

  /** Takes out every record with an event time below `watermark`, oldest first. */
  releaseBelow(watermark: number): Waiting[] {
    const released: Entry[] = [];
    while ((this.index.peek()?.time ?? Number.POSITIVE_INFINITY) < watermark) {
      released.push(this.index.pop() as Entry);
    }
    for (const entry of released) {
      if (entry.spilled) {
        this.store.delete(entry.id);
        this.spilledIds.delete(entry.id);
      } else this.unspilled.get(entry.raw.topic)?.delete(entry.id);
    }
    return released;
  }

  /** The offset of the first record of `topic` still held in memory only: the commit must stay at or before it. */
  firstUnspilledOffset(topic: string): string | undefined {
    for (const entry of this.unspilled.get(topic)?.values() ?? []) return entry.raw.offset;
    return undefined;
  }

  /** Whether a record has waited since `heldBefore` without being spilled. */
  spillDue(heldBefore: number): boolean {
    for (const waiting of this.unspilled.values()) {
      for (const entry of waiting.values()) {
        if (entry.heldAt <= heldBefore) return true;
        break;
      }
    }
    return false;
  }

  /**
   * Writes to the store the records held since `heldBefore` and those more
   * than `maxBehind` offsets behind their topic's read position, so the
   * committed offset can pass them: a restart re-reads at most `maxBehind`
   * records of a topic.
   */
  spill(heldBefore: number, positions: ReadonlyMap<string, string>, maxBehind: number): number {
    let spilled = 0;
    for (const [topic, waiting] of this.unspilled) {
      const position = positions.get(topic);
      const floor = position === undefined ? undefined : BigInt(position) - BigInt(maxBehind);
      for (const entry of waiting.values()) {
        const tooOld = entry.heldAt <= heldBefore;
        const tooFar = floor !== undefined && BigInt(entry.raw.offset) < floor;
        if (!tooOld && !tooFar) break;
        this.store.put(entry.id, heldRecord(entry.raw, entry.time, entry.orderKey));
        this.spilledIds.add(entry.id);
        entry.spilled = true;
        waiting.delete(entry.id);
        spilled++;
      }
    }
    return spilled;
  }
}

/**
 * Held records as the processor must see them: by event time, ties by the
 * stage's order key (e.g. source and id), then by position, so every
 * interleaving of the same records gives the same order.
 */
export function inEventTimeOrder(
  held: readonly Waiting[],
  orderKey: ((record: InputRecord) => string) | undefined,
): { raw: RawRecord; time: number }[] {
  // the stage's order key is read only for records that tie on event time
  const keyed = held.map(({ raw, time, orderKey: key }) => ({ raw, time, key }));
  const keyOf = (entry: { raw: RawRecord; time: number; key: string | undefined }): string => {
    if (entry.key === undefined) {
      try {
        entry.key = orderKey ? orderKey({ ...entry.raw, timestamp: entry.time }) : '';
      } catch {
        entry.key = '';
      }
    }
    return entry.key;
  };
  const position = (raw: RawRecord) =>
    `${raw.topic}/${raw.partition}@${raw.offset.padStart(20, '0')}`;
  keyed.sort((a, b) => {
    if (a.time !== b.time) return a.time - b.time;
    const byKey = keyOf(a).localeCompare(keyOf(b));
    return byKey !== 0 ? byKey : position(a.raw).localeCompare(position(b.raw));
  });
  return keyed.map(({ raw, time }) => ({ raw, time }));
}
