import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_HEADERS,
  deadLetterRecord,
  MAX_DEAD_LETTER_VALUE_BYTES,
} from '../../../src/runtime/dead-letter.js';

const record = (value: Buffer) => ({
  topic: 'in',
  partition: 2,
  offset: '7',
  key: Buffer.from('k'),
  value,
  headers: {},
  recordTimestamp: 1,
});

describe('deadLetterRecord', () => {
  it('keeps the original value whole when it fits the broker', () => {
    const value = Buffer.alloc(1000, 1);
    const dead = deadLetterRecord(record(value), { code: 'X', message: 'm' }, 0);
    expect(dead.value).toEqual(value);
    expect(dead.headers?.[DEAD_LETTER_HEADERS.valueBytes]).toBeUndefined();
  });

  it('cuts a value too large for the broker, and says how large it was and where the whole one is', () => {
    const value = Buffer.alloc(10 * 1024 * 1024, 0x7b);
    const dead = deadLetterRecord(record(value), { code: 'TOO_LARGE', message: 'm' }, 0);
    expect((dead.value as Buffer).length).toBe(MAX_DEAD_LETTER_VALUE_BYTES);
    expect(dead.headers?.[DEAD_LETTER_HEADERS.valueBytes]).toBe(String(value.length));
    expect(dead.headers?.[DEAD_LETTER_HEADERS.sourceOffset]).toBe('7');
  });
});
