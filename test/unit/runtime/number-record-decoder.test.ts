/**
 * kafkajs' record decoder with number arithmetic against kafkajs' own: the
 * same record for every offset, timestamp and header shape a batch can
 * hold, kafkajs' own path for values numbers cannot hold exactly, and
 * headers that kafkajs' fold gets wrong (a name of an Object method).
 */
import { describe, expect, it } from 'vitest';
import { originalKafkajsModule } from '../../../bench/lib/kafkajs-original.js';
import { kafkajsModule } from '../../../src/runtime/kafka/kafkajs-module-cache.js';
import { numberRecordDecoderInstalled } from '../../../src/runtime/kafka/kafkajs.js';

const RECORD_DECODER = 'src/protocol/recordBatch/record/v0/decoder.js';
interface Decoder {
  readVarIntBytes(): Buffer;
  offset: number;
}
type DecoderClass = new (buffer: Buffer) => Decoder;
type RecordDecoder = (decoder: Decoder, context: object) => Record<string, unknown>;
type RecordEncoder = (record: object) => { buffer: Buffer };

const DecoderClass = kafkajsModule('src/protocol/decoder.js') as DecoderClass;
const encodeRecord = originalKafkajsModule(
  'src/protocol/recordBatch/record/v0/index.js',
) as RecordEncoder;
const installed = kafkajsModule(RECORD_DECODER) as RecordDecoder;
const original = originalKafkajsModule(RECORD_DECODER) as RecordDecoder;

/** decodes one length-prefixed record with `decode`; also returns where the decoder stopped */
function decodeWith(decode: RecordDecoder, bytes: Buffer, context: object) {
  const record = new DecoderClass(bytes).readVarIntBytes();
  const decoder = new DecoderClass(record);
  const decoded = decode(decoder, context);
  return { decoded, end: decoder.offset, length: record.length };
}

const context = (firstOffset: string, firstTimestamp: string, extra: object = {}) => ({
  firstOffset,
  firstTimestamp,
  magicByte: 2,
  isControlBatch: false,
  timestampType: 0,
  maxTimestamp: '1796342400000',
  ...extra,
});

describe("kafkajs' record decoder with number arithmetic", () => {
  it('is the one kafkajs uses', () => {
    expect(numberRecordDecoderInstalled()).toBe(true);
  });

  it('decodes what kafkajs decodes, for offsets, timestamps, keys, values and headers', () => {
    const records = [
      { offsetDelta: 0, timestampDelta: 0, key: null, value: null },
      { offsetDelta: 1, timestampDelta: 1, key: Buffer.from('k'), value: Buffer.from('v') },
      { offsetDelta: 999, timestampDelta: -5, key: Buffer.from(''), value: Buffer.alloc(300, 7) },
      { offsetDelta: 2 ** 20, timestampDelta: 86_400_000, key: 'svc/prod', value: '{"a":1}' },
      {
        offsetDelta: 3,
        timestampDelta: 2 ** 40,
        key: 'x',
        value: 'y',
        headers: { 'content-type': 'application/cloudevents+json', ce_id: Buffer.from('1') },
      },
      {
        offsetDelta: 4,
        timestampDelta: -(2 ** 45),
        key: 'x',
        value: 'y',
        headers: { a: ['1', '2', '3'] },
      },
    ];
    const contexts = [
      context('0', '0'),
      context('41', '1796342400000'),
      context('9007199254000000', '-1'),
      context('5', '1796342400000', { timestampType: 1 }),
      context('5', '1796342400000', { isControlBatch: true }),
    ];
    for (const record of records) {
      const bytes = encodeRecord(record).buffer;
      for (const batch of contexts) {
        const ours = decodeWith(installed, bytes, batch);
        const theirs = decodeWith(original, bytes, batch);
        expect(ours.decoded).toEqual(theirs.decoded);
        expect(ours.end).toBe(theirs.end);
        expect(ours.end).toBe(ours.length);
      }
    }
  });

  it("leaves to kafkajs' Long arithmetic what a number cannot hold exactly", () => {
    const bytes = encodeRecord({
      offsetDelta: 7,
      timestampDelta: 2 ** 52,
      key: 'k',
      value: 'v',
    }).buffer;
    for (const batch of [
      context('9223372036854775000', '0'),
      context('1', '9007199254740000'),
      context('1', '1796342400000'),
    ]) {
      const ours = decodeWith(installed, bytes, batch);
      expect(ours.decoded).toEqual(decodeWith(original, bytes, batch).decoded);
      expect(ours.end).toBe(ours.length);
    }
  });

  it('folds repeated headers into arrays by what the record holds, whatever their names', () => {
    const bytes = encodeRecord({
      key: 'k',
      value: 'v',
      // JSON.parse makes __proto__ an own property, as a header name can be
      headers: JSON.parse('{"toString":"a","__proto__":"b","x":["1","2"]}') as object,
    }).buffer;
    const { decoded } = decodeWith(installed, bytes, context('0', '0'));
    const headers = decoded.headers as Record<string, unknown>;
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.keys(headers)).toEqual(['toString', '__proto__', 'x']);
    expect(headers['toString' as string]).toEqual(Buffer.from('a'));
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toEqual(Buffer.from('b'));
    expect(headers.x).toEqual([Buffer.from('1'), Buffer.from('2')]);
  });
});
