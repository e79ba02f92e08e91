/**
 * kafkajs' protocol Encoder as kafkajs ships it (zero-filled buffers) against
 * the one cdstream installs (src/runtime/kafka/install-unzeroed-encoder.ts),
 * in one process, rounds interleaved: encode records the way kafkajs'
 * Record v0 does (one Encoder per record, key, ~1.3 KB value, headers),
 * then a batch of them into one encoder. Prints records/s and the ratio.
 * Then the same for the CRC-32C of each batch: kafkajs' byte-at-a-time one
 * against the slicing-by-8 one, and that against the one installed (the
 * CPU's CRC-32C instruction where @node-rs/crc32 loads; see
 * src/runtime/kafka/install-crc32c.ts). Then whole produce
 * requests, framed, as kafkajs encodes them (with the two above installed)
 * against src/runtime/kafka/install-sized-produce-encoding.ts.
 *
 *   npm run bench:encoder [-- --records 200000 --rounds 5]
 */
import { parseArgs } from 'node:util';
import { kafkajsModule } from '../src/runtime/kafka/kafkajs-module-cache.js';
import {
  crc32cInstalled,
  sizedProduceEncodingInstalled,
  unzeroedEncoderInstalled,
} from '../src/runtime/kafka/kafkajs.js';
import { crc32cImplementation, slicedCrc32c } from '../src/runtime/kafka/install-crc32c.js';
import {
  originalKafkajsModule,
  type ProduceRequestFactory,
  type ProtocolEncoderClass,
  type RequestFrame,
} from './lib/kafkajs-original.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
  },
});
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);

const installed = kafkajsModule('src/protocol/encoder.js') as ProtocolEncoderClass;
const original = originalKafkajsModule('src/protocol/encoder.js') as ProtocolEncoderClass;
if (!unzeroedEncoderInstalled()) throw new Error('the unzeroed encoder is not installed');

const value = Buffer.from(JSON.stringify({ data: 'x'.repeat(1200) }));
const key = Buffer.from('service/checkout');
const headers = { 'ce-type': 'dev.cdevents.service.deployed.0.2.0', 'bench-seq': '123456' };

function encodeRecords(Encoder: ProtocolEncoderClass, batches: Buffer[] = []): number {
  let bytes = 0;
  for (let start = 0; start < RECORDS; start += 500) {
    const batch = new Encoder();
    for (let i = start; i < Math.min(RECORDS, start + 500); i++) {
      const record = new Encoder()
        .writeInt8(0)
        .writeVarInt(i - start)
        .writeVarIntBytes(key)
        .writeVarIntBytes(value)
        .writeVarInt(Object.keys(headers).length);
      for (const [name, text] of Object.entries(headers))
        record.writeVarIntString(name).writeVarIntBytes(text);
      batch.writeEncoder(record);
    }
    bytes += batch.buffer.length;
    batches.push(batch.buffer);
  }
  return bytes;
}

/**
 * Runs `original` and `installed` alternately for ROUNDS rounds; the median
 * of each, as `amount` per second of its run time.
 */
async function interleavedMedians(
  amount: number,
  original: () => unknown,
  installed: () => unknown,
): Promise<{ before: number; after: number }> {
  const rates = { before: [] as number[], after: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of [
      ['before', original],
      ['after', installed],
    ] as const) {
      const started = performance.now();
      await run();
      rates[name].push(amount / ((performance.now() - started) / 1000));
    }
  }
  const median = (list: number[]) =>
    [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
  return { before: median(rates.before), after: median(rates.after) };
}

const { before, after } = await interleavedMedians(
  RECORDS,
  () => encodeRecords(original),
  () => encodeRecords(installed),
);
console.log(`${RECORDS} records of ${value.length} B, ${ROUNDS} interleaved rounds, medians:`);
console.log(`  kafkajs Encoder (zero-filled): ${Math.round(before)} records/s`);
console.log(`  unzeroed Encoder:              ${Math.round(after)} records/s`);
console.log(`  ratio unzeroed / original:     ${(after / before).toFixed(2)}×`);

type Checksum = (bytes: Buffer) => number;
const CRC32C = 'src/protocol/recordBatch/crc32C/index.js';
const installedCrc = kafkajsModule(CRC32C) as Checksum;
const originalCrc = originalKafkajsModule(CRC32C) as Checksum;
if (!crc32cInstalled()) throw new Error("cdstream's CRC-32C is not installed");
const batches: Buffer[] = [];
const batchBytes = encodeRecords(installed, batches);
const checksumAll = (checksum: Checksum) => () => {
  for (const batch of batches) checksum(batch);
};
const crc = await interleavedMedians(
  batchBytes / 1e6,
  checksumAll(originalCrc),
  checksumAll(slicedCrc32c),
);
const installedRate = await interleavedMedians(
  batchBytes / 1e6,
  checksumAll(slicedCrc32c),
  checksumAll(installedCrc),
);
console.log(
  `CRC-32C of the same ${batches.length} batches (${(batchBytes / 1e6).toFixed(0)} MB), medians:`,
);
console.log(`  kafkajs, a byte per step:      ${crc.before.toFixed(0)} MB/s`);
console.log(`  sliced, eight bytes per step:  ${crc.after.toFixed(0)} MB/s`);
console.log(
  `  installed (${crc32cImplementation}):            ${installedRate.after.toFixed(0)} MB/s`,
);
console.log(`  ratio sliced / original:       ${(crc.after / crc.before).toFixed(2)}×`);
console.log(
  `  ratio installed / sliced:      ${(installedRate.after / installedRate.before).toFixed(2)}×`,
);

const PRODUCE_V3 = 'src/protocol/requests/produce/v3/request.js';
const REQUEST_FRAME = 'src/protocol/request.js';
if (!sizedProduceEncodingInstalled())
  throw new Error('the sized produce encoding is not installed');
const produce = {
  before: {
    request: originalKafkajsModule(PRODUCE_V3) as ProduceRequestFactory,
    frame: originalKafkajsModule(REQUEST_FRAME) as RequestFrame,
  },
  after: {
    request: kafkajsModule(PRODUCE_V3) as ProduceRequestFactory,
    frame: kafkajsModule(REQUEST_FRAME) as RequestFrame,
  },
};
// what the stages put on their records: structured CloudEvents, and the kind of fact between join and aggregate
const stageHeaders = {
  'content-type': 'application/cloudevents+json; charset=utf-8',
  'cdstream-fact': 'delivery',
};
const PER_REQUEST = 500;
const PARTITIONS = 12;
const requestArgs = {
  acks: -1,
  timeout: 30_000,
  transactionalId: 'cdstream-aggregate-3',
  producerId: '4711',
  producerEpoch: 2,
  topicData: [
    {
      topic: 'cdstream.by-service',
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({
        partition,
        firstSequence: 1000,
        messages: Array.from({ length: PER_REQUEST / PARTITIONS }, (_, i) => ({
          key,
          value,
          headers: stageHeaders,
          timestamp: String(1_764_583_200_000 + i),
        })),
      })),
    },
  ],
};
const REQUESTS = Math.max(1, Math.round(RECORDS / PER_REQUEST));
async function encodeRequests(encoding: (typeof produce)['before']): Promise<void> {
  for (let correlationId = 0; correlationId < REQUESTS; correlationId++) {
    const request = encoding.request(requestArgs);
    await encoding.frame({ correlationId, clientId: 'cdstream', request });
  }
}
const requests = await interleavedMedians(
  REQUESTS * PER_REQUEST,
  () => encodeRequests(produce.before),
  () => encodeRequests(produce.after),
);
console.log(
  `${REQUESTS} produce requests of ${PER_REQUEST} records (${PARTITIONS} partitions, ${Object.keys(stageHeaders).length} headers each), framed, medians:`,
);
console.log(`  kafkajs' layered encoders:     ${Math.round(requests.before)} records/s`);
console.log(`  sized, one buffer:             ${Math.round(requests.after)} records/s`);
console.log(`  ratio sized / layered:         ${(requests.after / requests.before).toFixed(2)}×`);
