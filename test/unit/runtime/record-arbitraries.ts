/**
 * Keys, values and headers of records as kafkajs is handed them, for the
 * property tests of what a record costs on the wire: text and bytes, empty,
 * and long enough for two- and three-byte length varints; a repeated header
 * is an array.
 */
import fc from 'fast-check';

export const recordBytes = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array)),
  fc.integer({ min: 100, max: 40_000 }).map((length) => Buffer.alloc(length, 'x')),
);

const headerValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }).map((array) => Buffer.from(array)),
);

export const recordHeaders = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
  { maxKeys: 8 },
);
