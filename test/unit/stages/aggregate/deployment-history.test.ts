import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newest, withNewest } from '../../../../src/stages/aggregate/deployment-history.js';

/** The rule, written plainly: newest times first, among equal times the smaller keys; 64 kept. */
function newestBySorting(entries: Record<string, number>): Record<string, number> {
  const sorted = Object.entries(entries).sort(
    ([keyA, a], [keyB, b]) => b - a || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0),
  );
  return Object.fromEntries(sorted.slice(0, 64));
}

const records = (min: number, max: number) =>
  fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 20 }), {
    minKeys: min,
    maxKeys: max,
  });

describe('newest', () => {
  it('keeps the 64 newest entries, ties to the smaller keys, whatever the size', () => {
    fc.assert(
      fc.property(records(0, 90), (entries) => {
        expect(newest(entries, (time) => time)).toEqual(newestBySorting(entries));
      }),
      { numRuns: 300 },
    );
  });

  it('drops exactly the entry that sorts last when one is added to a full record', () => {
    fc.assert(
      fc.property(records(65, 65), (entries) => {
        const kept = newest(entries, (time) => time);
        expect(Object.keys(kept)).toHaveLength(64);
        expect(kept).toEqual(newestBySorting(entries));
      }),
      { numRuns: 300 },
    );
  });

  it('returns the record itself while it is within the bound', () => {
    const entries = { a: 1, b: 2 };
    expect(newest(entries, (time) => time)).toBe(entries);
  });
});

describe('withNewest', () => {
  const entryNames = fc.string({ minLength: 1, maxLength: 6 });
  const times = fc.integer({ min: 0, max: 20 });

  it('is newest of the record with the entry set, as a record without a prototype', () => {
    fc.assert(
      fc.property(records(0, 90), entryNames, times, (entries, entry, time) => {
        const next = withNewest(entries, entry, time, (t) => t);
        expect(Object.getPrototypeOf(next)).toBe(null);
        expect({ ...next }).toEqual(newestBySorting({ ...entries, [entry]: time }));
      }),
      { numRuns: 500 },
    );
  });

  it('replaces an entry held, drops the one that sorts last from a full record, never changes its input', () => {
    fc.assert(
      fc.property(records(64, 64), entryNames, times, (entries, entry, time) => {
        const before = { ...entries };
        const next = withNewest(entries, entry, time, (t) => t);
        expect(Object.keys(next)).toHaveLength(64);
        expect(entries).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('takes entries named like Object members as entries', () => {
    const next = withNewest<number>(undefined, '__proto__', 3, (t) => t);
    expect(Object.keys(withNewest<number>(next, 'toString', 4, (t) => t)).sort()).toEqual([
      '__proto__',
      'toString',
    ]);
    expect(next.__proto__).toBe(3);
  });
});
