/**
 * TimeOrderedRows against a plain array kept sorted the same way (stable:
 * a row goes after every row at the same or an earlier time), through
 * inserts in and out of order, pruning and shrinking; and StringPool's
 * counting.
 */
import { describe, expect, it } from 'vitest';
import { StringPool } from '../../../src/runtime/stores/string-pool.js';
import {
  RowSchema,
  TimeOrderedRows,
  type RowLayout,
} from '../../../src/runtime/stores/time-ordered-rows.js';
import { random } from '../../truth/history.js';

interface Row {
  readonly id: string;
  readonly time: number;
  readonly note?: string | undefined;
  readonly start?: number | undefined;
}

const layout: RowLayout<Row> = {
  numbers: 2,
  strings: 2,
  write(row, numbers, strings) {
    numbers[0] = row.time;
    numbers[1] = row.start ?? Number.NaN;
    strings[0] = row.id;
    strings[1] = row.note;
  },
  read: (cursor) => ({
    id: cursor.string(0) as string,
    time: cursor.number(0),
    note: cursor.string(1),
    start: cursor.optionalNumber(1),
  }),
};

const schema = new RowSchema(layout);

function insertSorted(model: Row[], row: Row): void {
  let index = model.length;
  while (index > 0 && (model[index - 1] as Row).time > row.time) index--;
  model.splice(index, 0, row);
}

describe('TimeOrderedRows', () => {
  it('keeps rows in time order, later arrivals after earlier ones at the same time', () => {
    const rows = new TimeOrderedRows(schema);
    rows.insert({ id: 'b', time: 20 });
    rows.insert({ id: 'a', time: 10, note: 'first', start: 5 });
    rows.insert({ id: 'c', time: 20, start: -1.5 });
    rows.insert({ id: 'd', time: 15 });
    expect(rows.toArray()).toEqual([
      { id: 'a', time: 10, note: 'first', start: 5 },
      { id: 'd', time: 15, note: undefined, start: undefined },
      { id: 'b', time: 20, note: undefined, start: undefined },
      { id: 'c', time: 20, note: undefined, start: -1.5 },
    ]);
    expect(rows.size).toBe(4);
    expect(rows.at(1).id).toBe('d');
    expect(() => rows.at(4)).toThrow(RangeError);
  });

  it('refuses a row without a time', () => {
    const rows = new TimeOrderedRows(schema);
    expect(() => {
      rows.insert({ id: 'x', time: Number.NaN });
    }).toThrow(RangeError);
    expect(rows.size).toBe(0);
  });

  it('answers as a sorted array would through inserts, pruning and shrinking', () => {
    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      // two instances of one schema, used in turn: they share scratch space and cursor only
      const instances = [new TimeOrderedRows(schema), new TimeOrderedRows(schema)];
      const models: Row[][] = [[], []];
      let horizon = 0;
      for (let step = 0; step < 20_000; step++) {
        const which = next() < 0.5 ? 0 : 1;
        const rows = instances[which] as TimeOrderedRows<Row>;
        const model = models[which] as Row[];
        const roll = next();
        if (roll < 0.97) {
          // mostly the newest, sometimes out of order, sometimes ties
          const time = horizon + Math.floor(next() * 500) + (roll < 0.9 ? step : 0);
          const row: Row = {
            id: `r${step}`,
            time,
            note: next() < 0.5 ? `n${step % 7}` : undefined,
            start: next() < 0.5 ? time - Math.floor(next() * 1000) : undefined,
          };
          rows.insert(row);
          insertSorted(model, row);
        } else {
          horizon += Math.floor(next() * 2000);
          const dropped = rows.dropBefore(horizon);
          const cut = model.findIndex((row) => row.time >= horizon);
          const expected = model.splice(0, cut < 0 ? model.length : cut);
          expect(dropped).toEqual(expected);
        }
        if (step % 997 === 0) expect(rows.toArray()).toEqual(model);
      }
      instances.forEach((rows, which) => {
        expect(rows.toArray()).toEqual(models[which]);
      });
      const [rows] = instances as [TimeOrderedRows<Row>];
      const all = rows.dropBefore(Number.POSITIVE_INFINITY);
      expect(all).toHaveLength(models[0]?.length ?? -1);
      expect(rows.size).toBe(0);
      rows.insert({ id: 'again', time: 1 });
      expect(rows.toArray()).toEqual([{ id: 'again', time: 1, note: undefined, start: undefined }]);
    }
  });
});

describe('StringPool', () => {
  it('hands out one copy per value and forgets it with its last holder', () => {
    const pool = new StringPool();
    const first = pool.hold(['sha256', 'abc'].join(':'));
    const second = pool.hold(['sha256', 'abc'].join(':'));
    expect(second).toBe('sha256:abc');
    expect(pool.hold(undefined)).toBeUndefined();
    expect(pool.size).toBe(1);
    pool.release(first);
    expect(pool.size).toBe(1);
    pool.release(second);
    expect(pool.size).toBe(0);
    pool.release('never held');
    pool.release(undefined);
    expect(pool.size).toBe(0);
  });
});
