/**
 * A set of keys with one time each, held as 128-bit hashes in typed arrays:
 * no object per key, so a set of millions costs the garbage collector
 * nothing to mark and 50 to 100 bytes a key. Made for "have I seen this
 * before, and since when" (the ingest dedupe), where the keys themselves
 * are never needed again.
 *
 * A key is known by `hashOf(key)`, 32 hex characters of its SHA-256: two
 * different keys share it with a probability of about n² / 2¹²⁹ (below
 * 10⁻²⁶ for a billion keys). Open addressing with linear probing; deleted
 * slots are tombstones until the table is rebuilt.
 */
import { hash } from 'node:crypto';

const EMPTY = 0;
const FULL = 1;
const DELETED = 2;
const WORDS = 4;
const MIN_CAPACITY = 1024;
const HASH = /^[0-9a-f]{32}$/;

export class HashedKeyTimes {
  private capacity = MIN_CAPACITY;
  private words = new Uint32Array(MIN_CAPACITY * WORDS);
  private times = new Float64Array(MIN_CAPACITY);
  private states = new Uint8Array(MIN_CAPACITY);
  private count = 0;
  private tombstones = 0;

  /** The key's hash as this set and its changelog know it. */
  static hashOf(key: string): string {
    return hash('sha256', key, 'hex').slice(0, 32);
  }

  /** true for what `hashOf` returns */
  static isHash(value: string): boolean {
    return HASH.test(value);
  }

  get size(): number {
    return this.count;
  }

  has(hashed: string): boolean {
    return this.find(hashed) >= 0;
  }

  timeOf(hashed: string): number | undefined {
    const slot = this.find(hashed);
    return slot < 0 ? undefined : this.times[slot];
  }

  set(hashed: string, time: number): void {
    const slot = this.find(hashed);
    if (slot >= 0) this.times[slot] = time;
    else this.add(hashed, time);
  }

  /** Adds the key with `time` unless it is held: false (and the time kept) when it was. */
  add(hashed: string, time: number): boolean {
    if (this.find(hashed) >= 0) return false;
    if ((this.count + this.tombstones + 1) * 4 > this.capacity * 3) this.rebuild();
    this.insert(wordsOf(hashed), time);
    return true;
  }

  delete(hashed: string): boolean {
    const slot = this.find(hashed);
    if (slot < 0) return false;
    this.states[slot] = DELETED;
    this.count--;
    this.tombstones++;
    return true;
  }

  /** Removes every key whose time is before `time`; returns their hashes. */
  deleteBefore(time: number): string[] {
    const removed: string[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.states[slot] !== FULL || (this.times[slot] as number) >= time) continue;
      removed.push(this.hashAt(slot));
      this.states[slot] = DELETED;
      this.count--;
      this.tombstones++;
    }
    if (this.tombstones * 4 > this.capacity) this.rebuild();
    return removed;
  }

  *entries(): IterableIterator<[string, number]> {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.states[slot] === FULL) yield [this.hashAt(slot), this.times[slot] as number];
    }
  }

  private find(hashed: string): number {
    const key = wordsOf(hashed);
    const mask = this.capacity - 1;
    for (let slot = (key[0] as number) & mask; ; slot = (slot + 1) & mask) {
      const state = this.states[slot];
      if (state === EMPTY) return -1;
      if (state === FULL && this.matches(slot, key)) return slot;
    }
  }

  private matches(slot: number, key: Uint32Array): boolean {
    const at = slot * WORDS;
    return (
      this.words[at] === key[0] &&
      this.words[at + 1] === key[1] &&
      this.words[at + 2] === key[2] &&
      this.words[at + 3] === key[3]
    );
  }

  /** into a slot known not to hold the key, with room guaranteed */
  private insert(key: Uint32Array, time: number): void {
    const mask = this.capacity - 1;
    let slot = (key[0] as number) & mask;
    while (this.states[slot] === FULL) slot = (slot + 1) & mask;
    if (this.states[slot] === DELETED) this.tombstones--;
    this.words.set(key, slot * WORDS);
    this.times[slot] = time;
    this.states[slot] = FULL;
    this.count++;
  }

  /** A table at most half full, without tombstones (linear probing slows past three quarters). */
  private rebuild(): void {
    const { capacity, words, times, states } = this;
    let next = MIN_CAPACITY;
    while (next < (this.count + 1) * 2) next *= 2;
    this.capacity = next;
    this.words = new Uint32Array(next * WORDS);
    this.times = new Float64Array(next);
    this.states = new Uint8Array(next);
    this.count = 0;
    this.tombstones = 0;
    for (let slot = 0; slot < capacity; slot++) {
      if (states[slot] !== FULL) continue;
      this.insert(words.subarray(slot * WORDS, slot * WORDS + WORDS), times[slot] as number);
    }
  }

  private hashAt(slot: number): string {
    let hex = '';
    for (let word = 0; word < WORDS; word++) {
      hex += (this.words[slot * WORDS + word] as number).toString(16).padStart(8, '0');
    }
    return hex;
  }
}

const scratch = new Uint32Array(WORDS);

/** the four 32-bit words of a 32-hex-character hash (a shared scratch array: use before the next call) */
function wordsOf(hashed: string): Uint32Array {
  if (!HASH.test(hashed)) throw new Error(`not a hashed key: ${hashed}`);
  for (let word = 0; word < WORDS; word++) {
    scratch[word] = Number.parseInt(hashed.slice(word * 8, word * 8 + 8), 16);
  }
  return scratch;
}
