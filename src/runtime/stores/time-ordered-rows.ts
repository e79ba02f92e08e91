/**
 * Rows kept in time order and held column-wise: numbers in Float64Arrays,
 * strings in plain arrays. A row costs no object of its own and its numbers
 * no heap number each (V8 boxes every double-valued field of an object), so
 * a store of a million rows gives the garbage collector its strings to mark
 * and nothing else. Rows come back as objects only when read, briefly.
 *
 * A layout maps a row to columns and back; column 0 of the numbers is the
 * time the rows are ordered by. `undefined` numbers are held as NaN.
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

const MIN_CAPACITY = 4;

export class TimeOrderedRows<Row> {
  private count = 0;
  private capacity = 0;
  private numberColumns: Float64Array[];
  private readonly stringColumns: (string | undefined)[][];
  private readonly scratchNumbers: number[];
  private readonly scratchStrings: (string | undefined)[];
  private readonly cursor: RowCursor & { index: number };

  constructor(private readonly layout: RowLayout<Row>) {
    this.numberColumns = Array.from({ length: layout.numbers }, () => new Float64Array(0));
    this.stringColumns = Array.from({ length: layout.strings }, () => []);
    this.scratchNumbers = new Array<number>(layout.numbers).fill(Number.NaN);
    this.scratchStrings = new Array<string | undefined>(layout.strings).fill(undefined);
    const numberColumns = () => this.numberColumns;
    const stringColumns = this.stringColumns;
    this.cursor = {
      index: 0,
      number(column) {
        return (numberColumns()[column] as Float64Array)[this.index] as number;
      },
      optionalNumber(column) {
        const value = (numberColumns()[column] as Float64Array)[this.index] as number;
        return Number.isNaN(value) ? undefined : value;
      },
      string(column) {
        return (stringColumns[column] as (string | undefined)[])[this.index];
      },
    };
  }

  get size(): number {
    return this.count;
  }

  /** the time (number column 0) of row `index` */
  timeAt(index: number): number {
    return (this.numberColumns[0] as Float64Array)[index] as number;
  }

  at(index: number): Row {
    if (index < 0 || index >= this.count) throw new RangeError(`no row ${index} of ${this.count}`);
    this.cursor.index = index;
    return this.layout.read(this.cursor);
  }

  /** Inserts after every row at the same or an earlier time (new rows are mostly the newest). */
  insert(row: Row): void {
    const numbers = this.scratchNumbers;
    const strings = this.scratchStrings;
    numbers.fill(Number.NaN);
    strings.fill(undefined);
    this.layout.write(row, numbers, strings);
    const time = numbers[0] as number;
    if (Number.isNaN(time)) throw new RangeError('a row needs a time');
    if (this.count === this.capacity) this.grow();
    let index = this.count;
    while (index > 0 && this.timeAt(index - 1) > time) index--;
    this.numberColumns.forEach((column, c) => {
      column.copyWithin(index + 1, index, this.count);
      column[index] = numbers[c] as number;
    });
    this.stringColumns.forEach((column, c) => {
      if (index === this.count) column.push(strings[c]);
      else column.splice(index, 0, strings[c]);
    });
    this.count++;
  }

  /** Removes the rows before `horizon` and returns them, oldest first. */
  dropBefore(horizon: number): Row[] {
    let dropped = 0;
    while (dropped < this.count && this.timeAt(dropped) < horizon) dropped++;
    if (dropped === 0) return [];
    const rows = Array.from({ length: dropped }, (_, index) => this.at(index));
    for (const column of this.numberColumns) column.copyWithin(0, dropped, this.count);
    for (const column of this.stringColumns) column.splice(0, dropped);
    this.count -= dropped;
    if (this.count * 4 < this.capacity && this.capacity > MIN_CAPACITY) this.resize(this.count);
    return rows;
  }

  toArray(): Row[] {
    return Array.from({ length: this.count }, (_, index) => this.at(index));
  }

  private grow(): void {
    this.resize(Math.max(MIN_CAPACITY, this.capacity * 2));
  }

  private resize(capacity: number): void {
    const size = Math.max(MIN_CAPACITY, capacity);
    this.numberColumns = this.numberColumns.map((column) => {
      const resized = new Float64Array(size);
      resized.set(column.subarray(0, this.count));
      return resized;
    });
    this.capacity = size;
  }
}
