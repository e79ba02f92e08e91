import { describe, expect, it } from 'vitest';
import { originalKafkajsModule } from '../../../bench/lib/kafkajs-original.js';
import { kafkajsModule } from '../../../src/runtime/kafka/kafkajs-module-cache.js';
import { crc32cInstalled } from '../../../src/runtime/kafka/kafkajs.js';
import { crc32cImplementation, slicedCrc32c } from '../../../src/runtime/kafka/install-crc32c.js';

const CRC32C = 'src/protocol/recordBatch/crc32C/index.js';
type Checksum = (bytes: Buffer) => number;

/** deterministic bytes of every value, so lengths and contents vary without a seed in the test */
function bytesOf(length: number, salt: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let state = (salt * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

const original = originalKafkajsModule(CRC32C) as Checksum;
const implementations: [string, Checksum][] = [
  ['installed', kafkajsModule(CRC32C) as Checksum],
  ['sliced', slicedCrc32c],
];

describe("kafkajs' record-batch CRC-32C, replaced", () => {
  it('is the one kafkajs uses', () => {
    expect(crc32cInstalled()).toBe(true);
  });

  it("is the CPU's instruction on this machine (the prebuilt binary loads)", () => {
    expect(crc32cImplementation).toBe('native');
  });
});

describe.each(implementations)("kafkajs' record-batch CRC-32C, %s", (_name, checksum) => {
  it('gives the standard check value (RFC 3720: CRC-32C of "123456789" is e3069283)', () => {
    expect(checksum(Buffer.from('123456789')).toString(16)).toBe('e3069283');
    expect(checksum(Buffer.alloc(32)).toString(16)).toBe('8a9136aa');
    expect(checksum(Buffer.alloc(0))).toBe(0);
  });

  it('equals the original for every length around the 8-byte steps and for large batches', () => {
    for (const length of [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1293, 100_003]) {
      for (const salt of [1, 2, 3]) {
        const bytes = bytesOf(length, salt + length);
        expect(checksum(bytes), `length ${length}`).toBe(original(bytes));
      }
    }
  });

  it('reads only its view of a larger buffer', () => {
    const whole = bytesOf(4096, 9);
    const view = whole.subarray(13, 13 + 1001);
    expect(checksum(view)).toBe(original(Buffer.from(view)));
  });
});
