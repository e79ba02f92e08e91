import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compileFunction } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { unzeroedEncoderInstalled } from '../../../src/runtime/kafka/kafkajs.js';

interface Encoder {
  writeInt32(value: number): Encoder;
  writeString(value: string): Encoder;
  writeVarIntBytes(value: Buffer | string | null): Encoder;
  writeEncoder(value: Encoder): Encoder;
  writeBytes(value: Buffer): Encoder;
  readonly buffer: Buffer;
}
type EncoderClass = new (initialSize?: number) => Encoder;

const file = createRequire(import.meta.url).resolve('kafkajs/src/protocol/encoder.js');

/** kafkajs' own Encoder, evaluated afresh (the module cache holds the replacement). */
function originalEncoder(): EncoderClass {
  const loaded: { exports: unknown } = { exports: undefined };
  const evaluate = compileFunction(readFileSync(file, 'utf8'), ['module', 'require']) as (
    module: { exports: unknown },
    require: NodeJS.Require,
  ) => void;
  evaluate(loaded, createRequire(file));
  return loaded.exports as EncoderClass;
}

function encodeSample(Encoder: EncoderClass): Buffer {
  const inner = new Encoder(8).writeString('inner').writeVarIntBytes(Buffer.alloc(3000, 7));
  return new Encoder()
    .writeInt32(42)
    .writeString('x'.repeat(700)) // grows past the initial 512 bytes
    .writeVarIntBytes('value')
    .writeVarIntBytes(null)
    .writeEncoder(inner)
    .writeBytes(Buffer.from('tail')).buffer;
}

describe("kafkajs' protocol encoder without zero-filled buffers", () => {
  it('is the one kafkajs uses', () => {
    expect(unzeroedEncoderInstalled()).toBe(true);
  });

  it('encodes exactly the bytes of the original', () => {
    const Replacement = createRequire(import.meta.url)(file) as EncoderClass;
    expect(Replacement).not.toBe(originalEncoder());
    expect(encodeSample(Replacement).equals(encodeSample(originalEncoder()))).toBe(true);
  });
});
