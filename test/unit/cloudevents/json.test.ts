import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JSON_DEPTH, parseJson } from '../../../src/cloudevents/json.js';

const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('parseJson', () => {
  it('parses a document nested exactly to the limit', () => {
    expect(parseJson(nestedArrays(DEFAULT_MAX_JSON_DEPTH))).toBeInstanceOf(Array);
  });

  it('refuses a document nested one level deeper than the limit', () => {
    expect(() => parseJson(nestedArrays(DEFAULT_MAX_JSON_DEPTH + 1))).toThrow(/nested deeper/);
  });

  it('accepts many brackets side by side when none nest deeply', () => {
    const wide = JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ i, list: [i] })));
    expect(parseJson(wide)).toHaveLength(500);
  });

  it('does not count brackets inside strings as nesting', () => {
    const text = JSON.stringify({ text: '{['.repeat(200), escaped: '\\"[[[[' });
    expect(parseJson(text)).toEqual({ text: '{['.repeat(200), escaped: '\\"[[[[' });
  });

  it('refuses deep nesting hidden among many strings full of brackets', () => {
    const noise = JSON.stringify('['.repeat(100));
    const deep =
      `[${noise},`.repeat(DEFAULT_MAX_JSON_DEPTH + 1) +
      '1' +
      ']'.repeat(DEFAULT_MAX_JSON_DEPTH + 1);
    expect(() => parseJson(deep)).toThrow(expect.objectContaining({ code: 'DECODE_JSON' }));
  });

  it('applies a smaller limit given by the caller', () => {
    expect(() => parseJson('{"a":{"b":{"c":1}}}', 2)).toThrow(
      expect.objectContaining({ code: 'DECODE_JSON' }),
    );
    expect(parseJson('{"a":{"b":1}}', 2)).toEqual({ a: { b: 1 } });
  });
});
