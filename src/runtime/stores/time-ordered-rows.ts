/**
 * Rows kept in time order and held row-major in two flat arrays: numbers in
 * one Float64Array, strings in one plain array. A row costs no object of its
 * own and its numbers no heap number each (V8 boxes every double-valued
 * field of an object), so a store of a million rows gives the garbage
 * collector its strings to mark and little else. Rows come back as objects
 * only when read, briefly.
 *
 * A schema, shared by every instance of one layout, maps a row to its
 * columns and back; number column 0 is the time the rows are ordered by.
 * `undefined` numbers are held as NaN. An instance is four small objects
 * whatever it holds, so one per key of a store with many small keys is fine.
 */
export interface RowLayout<Row> {
  /** number columns; column 0 is the time rows are ordered by */
  readonly numbers: number;
  readonly strings: number;
  /** writes the row's columns into the scratch arrays */
  write(row: Row, numbers: number[], strings: (string | undefined)[]): void;
  /** the row at `cursor` */
  read(cursor: RowCursor): Row;
}

export interface RowCursor {
  number(column: number): number;
  /** undefined for a NaN column */
  optionalNumber(column: number): number | undefined;
  string(column: number): string | undefined;
}

class SharedCursor implements RowCursor {
  numbers: Float64Array = new Float64Array(0);
  strings: readonly (string | undefined)[] = [];
  numberBase = 0;
  stringBase = 0;

  number(column: number): number {
    return this.numbers[this.numberBase + column] as number;
  }

  optionalNumber(column: number): number | undefined {
    const value = this.numbers[this.numberBase + column] as number;
    return Number.isNaN(value) ? undefined : value;
  }

  string(column: number): string | undefined {
    return this.strings[this.stringBase + column];
  }
}

/** A layout with the scratch space and cursor all its instances share (one thread, no reentry). */
export class RowSchema<Row> {
  readonly scratchNumbers: number[];
  readonly scratchStrings: (string | undefined)[];
  readonly cursor = new SharedCursor();

  constructor(readonly layout: RowLayout<Row>) {
    this.scratchNumbers = new Array<number>(layout.numbers).fill(Number.NaN);
    this.scratchStrings = new Array<string | undefined>(layout.strings).fill(undefined);
  }
}

const MIN_CAPACITY = 4;
const EMPTY = new Float64Array(0);

export class TimeOrderedRows<Row> {
  private count = 0;
  private numbers: Float64Array = EMPTY;
  private readonly strings: (string | undefined)[] = [];

  constructor(private readonly schema: RowSchema<Row>) {}

  get size(): number {
    return this.count;
  }

  at(index: number): Row {
    if (index < 0 || index >= this.count) throw new RangeError(`no row ${index} of ${this.count}`);
    const { layout, cursor } = this.schema;
    cursor.numbers = this.numbers;
    cursor.strings = this.strings;
    cursor.numberBase = index * layout.numbers;
    cursor.stringBase = index * layout.strings;
    return layout.read(cursor);
  }

  /** Inserts after every row at the same or an earlier time (new rows are mostly the newest). */
  insert(row: Row): void {
    const { layout, scratchNumbers, scratchStrings } = this.schema;
    scratchNumbers.fill(Number.NaN);
    scratchStrings.fill(undefined);
    layout.write(row, scratchNumbers, scratchStrings);
    const time = scratchNumbers[0] as number;
    if (Number.isNaN(time)) throw new RangeError('a row needs a time');
    if (this.count === this.capacity) this.resize(Math.max(MIN_CAPACITY, this.capacity * 2));
    let index = this.count;
    while (index > 0 && this.timeAt(index - 1) > time) index--;
    const width = layout.numbers;
    this.numbers.copyWithin((index + 1) * width, index * width, this.count * width);
    this.numbers.set(scratchNumbers, index * width);
    if (index === this.count) this.strings.push(...scratchStrings);
    else this.strings.splice(index * layout.strings, 0, ...scratchStrings);
    this.count++;
  }

  /** Removes the rows before `horizon` and returns them, oldest first. */
  dropBefore(horizon: number): Row[] {
    let dropped = 0;
    while (dropped < this.count && this.timeAt(dropped) < horizon) dropped++;
    if (dropped === 0) return [];
    const rows = Array.from({ length: dropped }, (_, index) => this.at(index));
    const { numbers: width, strings } = this.schema.layout;
    this.numbers.copyWithin(0, dropped * width, this.count * width);
    this.strings.splice(0, dropped * strings);
    this.count -= dropped;
    if (this.count * 4 < this.capacity && this.capacity > MIN_CAPACITY) this.resize(this.count);
    return rows;
  }

  toArray(): Row[] {
    return Array.from({ length: this.count }, (_, index) => this.at(index));
  }

  /** rows the arrays have room for */
  private get capacity(): number {
    return this.numbers.length / this.schema.layout.numbers;
  }

  /** the time (number column 0) of row `index` */
  private timeAt(index: number): number {
    return this.numbers[index * this.schema.layout.numbers] as number;
  }

  private resize(capacity: number): void {
    const size = Math.max(MIN_CAPACITY, capacity);
    const width = this.schema.layout.numbers;
    const resized = new Float64Array(size * width);
    resized.set(this.numbers.subarray(0, this.count * width));
    this.numbers = resized;
  }
}
