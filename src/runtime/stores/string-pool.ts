/**
 * One copy of each string held by many entries (an artifact key named by a
 * thousand deployments), counted so that it is forgotten with its last
 * holder.
 */
export class StringPool {
  private readonly canonical = new Map<string, string>();
  private readonly holders = new Map<string, number>();

  /** the pool's copy of `value`, counted as held once more */
  hold(value: string): string;
  hold(value: string | undefined): string | undefined;
  hold(value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    const held = this.canonical.get(value);
    if (held !== undefined) {
      this.holders.set(held, (this.holders.get(held) ?? 0) + 1);
      return held;
    }
    this.canonical.set(value, value);
    this.holders.set(value, 1);
    return value;
  }

  /** one holder fewer; the last one forgets the string */
  release(value: string | undefined): void {
    if (value === undefined) return;
    const holders = this.holders.get(value);
    if (holders === undefined) return;
    if (holders > 1) {
      this.holders.set(value, holders - 1);
      return;
    }
    this.holders.delete(value);
    this.canonical.delete(value);
  }

  get size(): number {
    return this.canonical.size;
  }
}
