import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_HEADERS,
  deadLetterRecord,
  deadLetterRecordWithin,
  MAX_DEAD_LETTER_VALUE_BYTES,
} from '../../../src/runtime/dead-letter.js';
import { recordBatchBytes } from '../../../src/runtime/record.js';

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

describe('deadLetterRecordWithin: a dead-letter topic that takes less than the default', () => {
  const reason = { code: 'SCHEMA_INVALID', message: 'm'.repeat(300) };

  it('cuts the value until the record fits the topic, keeping its start and saying its size', () => {
    const value = Buffer.from('{"a":"' + 'x'.repeat(20_000) + '"}');
    for (const limit of [1_000, 4_000, 19_000]) {
      const dead = deadLetterRecordWithin(record(value), reason, 0, limit);
      expect(recordBatchBytes(dead)).toBeLessThanOrEqual(limit);
      expect(value.subarray(0, (dead.value as Buffer).length)).toEqual(dead.value);
      expect((dead.value as Buffer).length).toBeGreaterThan(limit - 1_000);
      expect(dead.headers?.[DEAD_LETTER_HEADERS.valueBytes]).toBe(String(value.length));
    }
  });

  it('leaves a record that fits, or a topic whose limit is unknown, as deadLetterRecord makes it', () => {
    const value = Buffer.alloc(3_000, 0x61);
    expect(deadLetterRecordWithin(record(value), reason, 0, 10_000)).toEqual(
      deadLetterRecord(record(value), reason, 0),
    );
    expect(deadLetterRecordWithin(record(value), reason, 0, undefined)).toEqual(
      deadLetterRecord(record(value), reason, 0),
    );
  });

  it('cuts a value already cut to the default further', () => {
    const value = Buffer.alloc(2 * MAX_DEAD_LETTER_VALUE_BYTES, 0x61);
    const dead = deadLetterRecordWithin(record(value), reason, 0, 100_000);
    expect(recordBatchBytes(dead)).toBeLessThanOrEqual(100_000);
    expect(dead.headers?.[DEAD_LETTER_HEADERS.valueBytes]).toBe(String(value.length));
  });
});
