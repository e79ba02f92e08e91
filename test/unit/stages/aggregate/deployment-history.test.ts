import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newest } from '../../../../src/stages/aggregate/deployment-history.js';

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
