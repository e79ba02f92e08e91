/**
 * kafkajs' protocol Encoder with buffers that are not zero-filled.
 *
 * The pipeline's CPU profile at 200k events spent 16.6% of its samples in
 * Buffer allocation, almost all of it kafkajs' Encoder: every encoded record
 * starts with `Buffer.alloc(512)` and every growth allocates again, each
 * zero-filled. The encoder writes every byte below its offset and exposes
 * only `buf.slice(0, offset)`, so the zeroes are never read:
 * `Buffer.allocUnsafe` (pooled below 4 KB) gives the same bytes on the wire.
 * Installed, like the read_committed filter, in Node's module cache before
 * kafkajs loads.
 */
import { kafkajsModule, replaceKafkajsModule } from './kafkajs-module-cache.js';

const ENCODER = 'src/protocol/encoder.js';

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
}
type EncoderClass = new (initialSize?: number) => KafkajsEncoder;

const nextPowerOfTwo = (value: number): number => 1 << (31 - Math.clz32(value) + 1);

/** Marks the replacement so a test can tell it is the one kafkajs uses. */
export const UNZEROED = Symbol.for('cdstream.unzeroedEncoder');

function unzeroed(Encoder: EncoderClass): EncoderClass {
  class UnzeroedEncoder extends Encoder {
    static readonly [UNZEROED] = true;

    constructor(initialSize = 511) {
      super(0); // a 1-byte zeroed buffer, replaced at once
      this.buf = Buffer.allocUnsafe(nextPowerOfTwo(initialSize));
    }

    ensureAvailable(length: number): void {
      if (this.offset + length <= this.buf.length) return;
      const grown = Buffer.allocUnsafe(nextPowerOfTwo(this.offset + length));
      this.buf.copy(grown, 0, 0, this.offset);
      this.buf = grown;
    }
  }
  return UnzeroedEncoder;
}

// kafkajs' Encoder requires nothing of kafkajs' consumer or producer code:
// loading it to subclass it leaves the rest of kafkajs unloaded
replaceKafkajsModule(ENCODER, (original) => unzeroed(original() as EncoderClass));

/** True when kafkajs encodes requests with the unzeroed encoder. */
export function unzeroedEncoderInstalled(): boolean {
  const Encoder = kafkajsModule(ENCODER) as Record<symbol, unknown>;
  return Encoder[UNZEROED] === true;
}
