import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { originalKafkajsModule } from '../../../bench/lib/kafkajs-original.js';
import { kafkajsModule } from '../../../src/runtime/kafka/kafkajs-module-cache.js';
import { numericRecordDecoderInstalled } from '../../../src/runtime/kafka/kafkajs.js';

const RECORD_DECODER = 'src/protocol/recordBatch/record/v0/decoder.js';
const RECORD_ENCODER = 'src/protocol/recordBatch/record/v0/index.js';

interface Decoder {
  readVarIntBytes(): Buffer;
}
type DecoderClass = new (buffer: Buffer) => Decoder;
type RecordDecoder = (decoder: Decoder, context: object) => unknown;
type RecordEncoder = (record: object) => { buffer: Buffer };

const Decoder = kafkajsModule('src/protocol/decoder.js') as DecoderClass;
const encodeRecord = originalKafkajsModule(RECORD_ENCODER) as RecordEncoder;
const original = originalKafkajsModule(RECORD_DECODER) as RecordDecoder;
const numeric = kafkajsModule(RECORD_DECODER) as RecordDecoder;

const int64 = (min: bigint, max: bigint) => fc.bigInt({ min, max }).map(String);
const bytes = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array)),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 12 }).map((array) => Buffer.from(array)),
);
const record = fc.record({
  offsetDelta: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  // small deltas, and ones past 2^49 that take kafkajs' own reading
  timestampDelta: fc.oneof(int64(-1000n, 100_000n), int64(-(2n ** 60n), 2n ** 60n)),
  key: bytes,
  value: bytes,
  headers: fc.dictionary(
    // a header named like an Object.prototype member is read differently on purpose
    fc.string({ minLength: 1, maxLength: 10 }).filter((name) => !(name in Object.prototype)),
    fc.oneof(headerValue, fc.array(headerValue, { minLength: 1, maxLength: 3 })),
    { maxKeys: 6 },
  ),
});
const batchContext = fc.record({
  firstOffset: fc.oneof(int64(0n, 1_000_000n), int64(0n, 2n ** 62n)),
  firstTimestamp: fc.oneof(fc.constant('-1'), int64(1_600_000_000_000n, 1_900_000_000_000n)),
  maxTimestamp: int64(1_600_000_000_000n, 1_900_000_000_000n),
  magicByte: fc.constant(2),
  isControlBatch: fc.boolean(),
  timestampType: fc.constantFrom(0, 1),
});

/** The record's body, as the batch decoder hands it to the record decoder. */
const bodyOf = (fields: object): Buffer =>
  new Decoder(encodeRecord(fields).buffer).readVarIntBytes();

describe("kafkajs' record decoder, with numbers where it used Longs", () => {
  it('is the one kafkajs uses', () => {
    expect(numericRecordDecoderInstalled()).toBe(true);
  });

  it("decodes every record as kafkajs' own decoder does", () => {
    fc.assert(
      fc.property(record, batchContext, (fields, context) => {
        const body = bodyOf(fields);
        expect(numeric(new Decoder(body), context)).toEqual(original(new Decoder(body), context));
      }),
      { numRuns: 500 },
    );
  });

  it('reads a header named like an Object.prototype member as sent', () => {
    const body = bodyOf({ value: 'v', headers: { constructor: 'c' } });
    const context = {
      firstOffset: '7',
      firstTimestamp: '1000',
      maxTimestamp: '1000',
      magicByte: 2,
      timestampType: 0,
    };
    const decoded = numeric(new Decoder(body), context) as { headers: object; offset: string };
    expect(decoded.offset).toBe('7');
    expect(Object.entries(decoded.headers)).toEqual([['constructor', Buffer.from('c')]]);
  });
});
