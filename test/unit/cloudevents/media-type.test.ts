import { describe, expect, it } from 'vitest';
import { isJsonMediaType, parseMediaType } from '../../../src/cloudevents/media-type.js';

describe('parseMediaType', () => {
  it('reads the essence in lower case and the parameters without quotes', () => {
    expect(parseMediaType('Application/CloudEvents+JSON; Charset="utf-8"')).toEqual({
      essence: 'application/cloudevents+json',
      parameters: { charset: 'utf-8' },
    });
  });

  it('refuses what is not a media type, every time it is asked', () => {
    for (let i = 0; i < 3; i++) {
      expect(parseMediaType('json')).toBeUndefined();
      expect(parseMediaType('application/json; charset')).toBeUndefined();
    }
  });

  it('gives a repeated header the same frozen result, which a caller cannot change', () => {
    const first = parseMediaType('application/json; charset=utf-8');
    const again = parseMediaType('application/json; charset=utf-8');
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.parameters)).toBe(true);
  });

  it('parses each of many different headers correctly past the bound of what it keeps', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 300; i++) {
        const parsed = parseMediaType(`application/vnd.test-${i}+json; version=${i}`);
        expect(parsed?.essence).toBe(`application/vnd.test-${i}+json`);
        expect(parsed?.parameters).toEqual({ version: String(i) });
        expect(isJsonMediaType(parsed?.essence ?? '')).toBe(true);
      }
    }
  });

  it('parses a long header without keeping it', () => {
    const long = `text/plain; note=${'x'.repeat(10_000)}`;
    expect(parseMediaType(long)?.parameters.note).toHaveLength(10_000);
    expect(parseMediaType(long)).not.toBe(parseMediaType(long));
  });
});
