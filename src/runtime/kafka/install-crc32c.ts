/**
 * kafkajs' CRC-32C (Castagnoli) of a record batch, replaced.
 *
 * kafkajs checksums every record batch it produces a byte at a time and then
 * makes the result unsigned through a one-element Uint32Array: 4.2% of the
 * pipeline's CPU samples at 50k events (every byte produced, changelogs
 * included, passes through it). The replacement is @node-rs/crc32's, which
 * uses the CPU's CRC-32C instruction (SSE 4.2, ARMv8 CRC): 5-8 times the
 * rate of slicing-by-8 on batches of 4 KB and more (bench:encoder). Where
 * its prebuilt binary does not load (a platform it does not ship), the
 * slicing-by-8 one below takes its place: eight 256-entry tables, one lookup
 * per byte but no dependency between the eight. Installed in Node's module
 * cache before kafkajs loads, like the encoder.
 */
import { createRequire } from 'node:module';
import { kafkajsModule, replaceKafkajsModule } from './kafkajs-module-cache.js';

const CRC32C = 'src/protocol/recordBatch/crc32C/index.js';
/** the Castagnoli polynomial, bits reversed */
const POLYNOMIAL = 0x82f63b78;

/** eight tables of 256 in one array: entry `256 * k + byte` is the CRC of `byte` followed by k zero bytes */
function slicingTables(): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    tables[byte] = crc;
  }
  for (let entry = 256; entry < tables.length; entry++) {
    const previous = tables[entry - 256] as number;
    tables[entry] = (tables[previous & 0xff] as number) ^ (previous >>> 8);
  }
  return tables;
}

const T = slicingTables();

/** CRC-32C of `bytes`, unsigned, as kafkajs' `crc32C/index.js` returns it: eight bytes per step. */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array reads inside the loop bounds and the tables' 2048 entries */
export function slicedCrc32c(bytes: Uint8Array): number {
  let crc = -1;
  let i = 0;
  const whole = bytes.length - (bytes.length & 7);
  for (; i < whole; i += 8) {
    const low =
      crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      T[0x700 + (low & 0xff)]! ^
      T[0x600 + ((low >>> 8) & 0xff)]! ^
      T[0x500 + ((low >>> 16) & 0xff)]! ^
      T[0x400 + (low >>> 24)]! ^
      T[0x300 + bytes[i + 4]!]! ^
      T[0x200 + bytes[i + 5]!]! ^
      T[0x100 + bytes[i + 6]!]! ^
      T[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) crc = T[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
/* eslint-enable @typescript-eslint/no-non-null-assertion */

type Checksum = (bytes: Buffer) => number;

function loadNativeCrc32c(): Checksum | undefined {
  try {
    const native = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: Checksum };
    // the binary loaded: check it once against the standard value (RFC 3720)
    return native.crc32c(Buffer.from('123456789')) === 0xe3069283 ? native.crc32c : undefined;
  } catch {
    return undefined;
  }
}

const native = loadNativeCrc32c();

/** which CRC-32C kafkajs uses: the CPU's instruction through @node-rs/crc32, or slicing-by-8 */
export const crc32cImplementation: 'native' | 'sliced' = native ? 'native' : 'sliced';

/** CRC-32C of `bytes`, unsigned, as kafkajs' `crc32C/index.js` returns it. */
export const crc32c: Checksum = native ?? slicedCrc32c;

/** Marks the replacement so a test can tell it is the one kafkajs uses. */
const CDSTREAM_CRC32C = Symbol.for('cdstream.crc32c');
const installed: Checksum = (bytes) => crc32c(bytes);
Object.defineProperty(installed, CDSTREAM_CRC32C, { value: true });

replaceKafkajsModule(CRC32C, () => installed);

export function crc32cInstalled(): boolean {
  const current = kafkajsModule(CRC32C) as { [CDSTREAM_CRC32C]?: boolean };
  return current[CDSTREAM_CRC32C] === true;
}
