/**
 * A kafkajs file as kafkajs ships it, evaluated afresh: cdstream replaces
 * some of kafkajs' modules in Node's module cache (src/runtime/kafka/), and
 * tests and benchmarks compare against the originals.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compileFunction } from 'node:vm';
import { kafkajsFile } from '../../src/runtime/kafka/kafkajs-module-cache.js';

export function originalKafkajsModule(relativePath: string): unknown {
  const file = kafkajsFile(relativePath);
  const loaded: { exports: unknown } = { exports: undefined };
  const evaluate = compileFunction(readFileSync(file, 'utf8'), ['module', 'require']) as (
    module: { exports: unknown },
    require: NodeJS.Require,
  ) => void;
  evaluate(loaded, createRequire(file));
  return loaded.exports;
}

/** The part of kafkajs' protocol Encoder (src/protocol/encoder.js) tests and benchmarks call. */
export interface ProtocolEncoder {
  writeInt8(value: number): ProtocolEncoder;
  writeInt32(value: number): ProtocolEncoder;
  writeVarInt(value: number): ProtocolEncoder;
  writeString(value: string): ProtocolEncoder;
  writeVarIntString(value: string): ProtocolEncoder;
  writeVarIntBytes(value: Buffer | string | null): ProtocolEncoder;
  writeBytes(value: Buffer): ProtocolEncoder;
  writeEncoder(value: ProtocolEncoder): ProtocolEncoder;
  readonly buffer: Buffer;
}
export type ProtocolEncoderClass = new (initialSize?: number) => ProtocolEncoder;

/** A kafkajs request (src/protocol/requests/*), as tests and benchmarks encode it. */
export interface ProtocolRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ readonly buffer: Buffer }>;
}
/** kafkajs' produce request module (src/protocol/requests/produce/v3/request.js). */
export type ProduceRequestFactory = (args: object) => ProtocolRequest;
/** kafkajs' request frame (src/protocol/request.js). */
export type RequestFrame = (args: {
  correlationId: number;
  clientId: string | null;
  request: ProtocolRequest;
}) => Promise<{ readonly buffer: Buffer }>;
