import { describe, expect, it } from 'vitest';
import { withRecentResults } from '../../src/recent-results.js';

describe('withRecentResults', () => {
  it('parses a repeated input once, undefined results included', () => {
    const calls: string[] = [];
    const parse = withRecentResults(
      (input: string) => {
        calls.push(input);
        return input === 'bad' ? undefined : { input };
      },
      { limit: 8 },
    );
    expect(parse('a')).toBe(parse('a'));
    expect(parse('bad')).toBeUndefined();
    expect(parse('bad')).toBeUndefined();
    expect(calls).toEqual(['a', 'bad']);
  });

  it('keeps at most its limit, and does not keep inputs over the length bound', () => {
    const calls: string[] = [];
    const parse = withRecentResults(
      (input: string) => {
        calls.push(input);
        return input.length;
      },
      { limit: 2, maxInputLength: 3 },
    );
    for (const input of ['a', 'b', 'c', 'a', 'long', 'long']) parse(input);
    // 'c' empties the full memo, so 'a' is parsed again; 'long' is never kept
    expect(calls).toEqual(['a', 'b', 'c', 'a', 'long', 'long']);
    expect(parse('c')).toBe(1);
    expect(calls).toHaveLength(6);
  });
});
