/**
 * HashedKeyTimes against a plain Map doing the same operations: the same
 * answers through growth, tombstones, expiry and rebuilds; and hashes that
 * are fixed, 32 hex characters, and distinct for distinct keys.
 */
import { describe, expect, it } from 'vitest';
import { HashedKeyTimes } from '../../../src/runtime/stores/hashed-key-times.js';
import { random } from '../../truth/history.js';

describe('HashedKeyTimes', () => {
  it('hashes a key to 32 fixed hex characters', () => {
    const hashed = HashedKeyTimes.hashOf('["/ci/builds","42"]');
    expect(hashed).toMatch(/^[0-9a-f]{32}$/);
    expect(HashedKeyTimes.isHash(hashed)).toBe(true);
    expect(HashedKeyTimes.isHash('["/ci/builds","42"]')).toBe(false);
    expect(HashedKeyTimes.hashOf('["/ci/builds","42"]')).toBe(hashed);
    expect(HashedKeyTimes.hashOf('["/ci/builds","43"]')).not.toBe(hashed);
  });

  it('gives 200,000 different keys 200,000 different hashes', () => {
    const hashes = new Set<string>();
    for (let i = 0; i < 200_000; i++) hashes.add(HashedKeyTimes.hashOf(`["/s/${i % 97}","${i}"]`));
    expect(hashes.size).toBe(200_000);
  });

  it('answers as a Map would through growth, deletes, expiry and rebuilds', () => {
    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      const model = new Map<string, number>();
      const set = new HashedKeyTimes();
      const keys = Array.from({ length: 6000 }, (_, i) => HashedKeyTimes.hashOf(`k${seed}-${i}`));
      let clock = 0;
      for (let step = 0; step < 40_000; step++) {
        const key = keys[Math.floor(next() * keys.length)] as string;
        const roll = next();
        clock += 1;
        if (roll < 0.3) {
          set.set(key, clock);
          model.set(key, clock);
        } else if (roll < 0.55) {
          expect(set.add(key, clock)).toBe(!model.has(key));
          if (!model.has(key)) model.set(key, clock);
        } else if (roll < 0.75) {
          expect(set.delete(key)).toBe(model.delete(key));
        } else if (roll < 0.998) {
          expect(set.has(key)).toBe(model.has(key));
          expect(set.timeOf(key)).toBe(model.get(key));
        } else {
          const before = clock - Math.floor(next() * 5000);
          const expected = [...model].filter(([, time]) => time < before).map(([k]) => k);
          for (const k of expected) model.delete(k);
          expect(set.deleteBefore(before).sort()).toEqual(expected.sort());
        }
        expect(set.size).toBe(model.size);
      }
      expect(new Map(set.entries())).toEqual(model);
    }
  });

  // a capacity check, not a timing one: a million SHA-256 hashes take 2-3 s
  // alone, and CI runs the unit files beside the Kafka ones on two cores
  // (5.3 s there once, over vitest's default 5 s)
  it('holds a million keys and forgets them all by time', { timeout: 60_000 }, () => {
    const set = new HashedKeyTimes();
    for (let i = 0; i < 1_000_000; i++) set.set(HashedKeyTimes.hashOf(String(i)), i);
    expect(set.size).toBe(1_000_000);
    expect(set.has(HashedKeyTimes.hashOf('999999'))).toBe(true);
    expect(set.has(HashedKeyTimes.hashOf('1000000'))).toBe(false);
    expect(set.deleteBefore(500_000)).toHaveLength(500_000);
    expect(set.has(HashedKeyTimes.hashOf('499999'))).toBe(false);
    expect(set.timeOf(HashedKeyTimes.hashOf('500000'))).toBe(500_000);
    expect(set.size).toBe(500_000);
  });

  it('refuses what is not a hash', () => {
    expect(() => new HashedKeyTimes().has('["/s","1"]')).toThrow(/not a hashed key/);
  });
});
