import { describe, expect, it } from 'vitest';
import {
  originalKafkajsModule,
  type ProtocolEncoderClass,
} from '../../../bench/lib/kafkajs-original.js';
import { kafkajsModule } from '../../../src/runtime/kafka/kafkajs-module-cache.js';
import { unzeroedEncoderInstalled } from '../../../src/runtime/kafka/kafkajs.js';

const ENCODER = 'src/protocol/encoder.js';

function encodeSample(Encoder: ProtocolEncoderClass): Buffer {
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
    const installed = kafkajsModule(ENCODER) as ProtocolEncoderClass;
    const original = originalKafkajsModule(ENCODER) as ProtocolEncoderClass;
    expect(encodeSample(installed).equals(encodeSample(original))).toBe(true);
  });
});
