/**
 * Produce requests encoded into one buffer of their exact size.
 *
 * kafkajs encodes a produce request in layers: an Encoder per record (from
 * 512 bytes, grown by doubling) and per header, a `Buffer.from([...])` for
 * every varint and a Long for every varlong, then copies each layer into
 * the next (records → batch body → batch → partition → topic → request →
 * size-prefixed frame), each growing its own buffer by doubling. The
 * pipeline's profile at 1M events spent 45% of its samples there and most
 * of its garbage collection on what it left behind. Here the request body is
 * sized first and written once (uncompressed batches only; compressed ones
 * keep kafkajs' path), and the frame (`protocol/request.js`) is one buffer
 * of its exact size around it. The bytes on the wire are kafkajs' (the unit
 * test holds them against kafkajs' own encoding), except that a batch's base
 * timestamp is its numerically smallest, where kafkajs sorts the timestamps
 * as strings. Installed in Node's module cache before kafkajs loads.
 */
import { crc32c } from './install-crc32c.js';
import { kafkajsModule, replaceKafkajsModule } from './kafkajs-module-cache.js';

const PRODUCE_V3 = 'src/protocol/requests/produce/v3/request.js';
const REQUEST_FRAME = 'src/protocol/request.js';
const NO_COMPRESSION = 0;
const TRANSACTIONAL_ATTRIBUTE = 16;
const MAGIC_BYTE = 2;

type Bytes = Buffer | string | null | undefined;

export interface ProduceMessage {
  readonly key?: Bytes;
  readonly value?: Bytes;
  readonly headers?: Readonly<Record<string, Bytes | readonly Bytes[]>>;
  readonly timestamp?: string | number | null;
}

interface Int64Like {
  getHighBits(): number;
  getLowBits(): number;
}

export interface ProduceRequestBody {
  readonly transactionalId?: string | null;
  readonly acks: number;
  readonly timeout: number;
  /** a kafkajs Long, or -1 when the producer is not idempotent */
  readonly producerId?: Int64Like | number | string;
  readonly producerEpoch?: number;
  readonly topicData: readonly {
    readonly topic: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly firstSequence?: number;
      readonly messages: readonly ProduceMessage[];
    }[];
  }[];
}

const zigZag = (value: number): number => ((value << 1) ^ (value >> 31)) >>> 0;

function sizeOfUVarInt(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    bytes++;
  }
  return bytes;
}

const sizeOfVarInt = (value: number): number => sizeOfUVarInt(zigZag(value));
/** zig-zag of a safe integer, as a (non-negative) number */
const zigZagLong = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);

const byteLength = (bytes: Bytes): number =>
  bytes == null ? -1 : Buffer.isBuffer(bytes) ? bytes.length : Buffer.byteLength(bytes);
const sizeOfVarIntBytes = (length: number): number => sizeOfVarInt(length) + Math.max(length, 0);

/** Every header as one key and value; an array value is one header per element, as kafkajs sends it. */
function forEachHeader(
  headers: ProduceMessage['headers'],
  visit: (key: string, value: Bytes) => void,
): void {
  if (!headers) return;
  // for-in, not Object.keys: no array per record (this runs twice for each one)
  for (const key in headers) {
    if (!Object.hasOwn(headers, key)) continue;
    const value = headers[key];
    if (Array.isArray(value)) for (const element of value as readonly Bytes[]) visit(key, element);
    else visit(key, value as Bytes);
  }
}

class SizedWriter {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  int8(value: number): void {
    this.buf.writeInt8(value, this.offset);
    this.offset += 1;
  }
  int16(value: number): void {
    this.buf.writeInt16BE(value, this.offset);
    this.offset += 2;
  }
  int32(value: number): void {
    this.buf.writeInt32BE(value, this.offset);
    this.offset += 4;
  }
  int64(value: number | string | Int64Like): void {
    if (typeof value === 'object') {
      this.buf.writeInt32BE(value.getHighBits(), this.offset);
      this.buf.writeInt32BE(value.getLowBits(), this.offset + 4);
    } else {
      this.buf.writeBigInt64BE(
        BigInt(typeof value === 'number' ? Math.trunc(value) : value),
        this.offset,
      );
    }
    this.offset += 8;
  }
  uVarInt(value: number): void {
    while (value >= 0x80) {
      this.buf[this.offset++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buf[this.offset++] = value;
  }
  varInt(value: number): void {
    this.uVarInt(zigZag(value));
  }
  string(value: string | null | undefined): void {
    if (value == null) {
      this.int16(-1);
      return;
    }
    this.int16(Buffer.byteLength(value));
    this.offset += this.buf.write(value, this.offset);
  }
  varIntBytes(bytes: Bytes): void {
    const length = byteLength(bytes);
    this.varInt(length);
    if (bytes == null) return;
    if (Buffer.isBuffer(bytes)) this.offset += bytes.copy(this.buf, this.offset);
    else this.offset += this.buf.write(bytes, this.offset);
  }
}

interface PlannedRecord {
  readonly message: ProduceMessage;
  readonly timestampDelta: number;
  readonly headerCount: number;
  readonly bodySize: number;
}

interface PlannedBatch {
  readonly partition: number;
  readonly firstSequence: number;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
  readonly records: readonly PlannedRecord[];
  /** bytes from the partition leader epoch to the batch's end */
  readonly batchLength: number;
}

const BATCH_HEADER_BEFORE_CRC = 4 + 1 + 4; // partition leader epoch, magic, crc
const BATCH_BODY_HEADER = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4; // attributes … first sequence, record count

function planBatch(
  partition: number,
  firstSequence: number | undefined,
  messages: readonly ProduceMessage[],
  now: number,
): PlannedBatch {
  let firstTimestamp = Number.POSITIVE_INFINITY;
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  for (const message of messages) {
    if (message.timestamp == null) continue;
    const timestamp = Number(message.timestamp);
    if (timestamp < firstTimestamp) firstTimestamp = timestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
  }
  if (firstTimestamp === Number.POSITIVE_INFINITY) firstTimestamp = maxTimestamp = now;
  let recordsSize = 0;
  const records = messages.map((message, offsetDelta): PlannedRecord => {
    const timestampDelta =
      (message.timestamp == null ? now : Number(message.timestamp)) - firstTimestamp;
    let headerCount = 0;
    let headersSize = 0;
    forEachHeader(message.headers, (key, value) => {
      headerCount++;
      headersSize +=
        sizeOfVarIntBytes(Buffer.byteLength(key)) + sizeOfVarIntBytes(byteLength(value));
    });
    const bodySize =
      1 + // attributes
      sizeOfUVarInt(zigZagLong(timestampDelta)) +
      sizeOfVarInt(offsetDelta) +
      sizeOfVarIntBytes(byteLength(message.key)) +
      sizeOfVarIntBytes(byteLength(message.value)) +
      sizeOfVarInt(headerCount) +
      headersSize;
    recordsSize += sizeOfVarInt(bodySize) + bodySize;
    return { message, timestampDelta, headerCount, bodySize };
  });
  return {
    partition,
    firstSequence: firstSequence ?? 0,
    firstTimestamp,
    maxTimestamp,
    records,
    batchLength: BATCH_HEADER_BEFORE_CRC + BATCH_BODY_HEADER + recordsSize,
  };
}

function writeRecord(writer: SizedWriter, record: PlannedRecord, offsetDelta: number): void {
  const { message } = record;
  writer.varInt(record.bodySize);
  writer.int8(0); // no record attributes
  writer.uVarInt(zigZagLong(record.timestampDelta));
  writer.varInt(offsetDelta);
  writer.varIntBytes(message.key);
  writer.varIntBytes(message.value);
  writer.varInt(record.headerCount);
  forEachHeader(message.headers, (key, value) => {
    writer.varIntBytes(key);
    writer.varIntBytes(value);
  });
}

function writeBatch(writer: SizedWriter, batch: PlannedBatch, request: ProduceRequestBody): void {
  writer.int64(0); // first offset
  writer.int32(batch.batchLength);
  writer.int32(0); // partition leader epoch
  writer.int8(MAGIC_BYTE);
  const crcAt = writer.offset;
  writer.offset += 4;
  const bodyStart = writer.offset;
  writer.int16(request.transactionalId ? TRANSACTIONAL_ATTRIBUTE : 0);
  writer.int32(batch.records.length - 1);
  writer.int64(batch.firstTimestamp);
  writer.int64(batch.maxTimestamp);
  writer.int64(request.producerId ?? -1);
  writer.int16(request.producerEpoch ?? 0);
  writer.int32(batch.firstSequence);
  writer.int32(batch.records.length);
  batch.records.forEach((record, offsetDelta) => {
    writeRecord(writer, record, offsetDelta);
  });
  writer.buf.writeUInt32BE(crc32c(writer.buf.subarray(bodyStart, writer.offset)), crcAt);
}

const sizeOfString = (value: string | null | undefined): number =>
  2 + (value == null ? 0 : Buffer.byteLength(value));

/** The body of a Produce request (v3 to v7, uncompressed), in one buffer of its size. */
export function encodeProduceRequestBody(request: ProduceRequestBody, now = Date.now()): Buffer {
  const topics = request.topicData.map(({ topic, partitions }) => ({
    topic,
    batches: partitions.map((data) =>
      planBatch(data.partition, data.firstSequence, data.messages, now),
    ),
  }));
  let size = sizeOfString(request.transactionalId) + 2 + 4 + 4;
  for (const { topic, batches } of topics) {
    size += sizeOfString(topic) + 4;
    for (const batch of batches) size += 4 + 4 + 8 + 4 + batch.batchLength;
  }
  const writer = new SizedWriter(Buffer.allocUnsafe(size));
  writer.string(request.transactionalId);
  writer.int16(request.acks);
  writer.int32(request.timeout);
  writer.int32(topics.length);
  for (const { topic, batches } of topics) {
    writer.string(topic);
    writer.int32(batches.length);
    for (const batch of batches) {
      writer.int32(batch.partition);
      writer.int32(8 + 4 + batch.batchLength); // the record set's size
      writeBatch(writer, batch, request);
    }
  }
  if (writer.offset !== size) {
    throw new Error(`produce request encoded ${writer.offset} bytes, sized ${size}`);
  }
  return writer.buf;
}

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  size(): number;
}
type EncoderClass = new (initialSize?: number) => KafkajsEncoder;

/** kafkajs' Encoder class, looked up once (after its own replacement is installed) */
let Encoder: EncoderClass | undefined;

function encoderOver(bytes: Buffer): KafkajsEncoder {
  Encoder ??= kafkajsModule('src/protocol/encoder.js') as EncoderClass;
  const encoder = new Encoder(1);
  encoder.buf = bytes;
  encoder.offset = bytes.length;
  return encoder;
}

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<KafkajsEncoder>;
}
type ProduceRequestFactory = (
  args: ProduceRequestBody & { compression?: number },
) => KafkajsRequest;

/** Marks the replacements so a test can tell they are the ones kafkajs uses. */
export const SIZED_PRODUCE = Symbol.for('cdstream.sizedProduceEncoding');

function sizedProduce(original: ProduceRequestFactory): ProduceRequestFactory {
  const factory: ProduceRequestFactory = (args) => {
    const request = original(args);
    if ((args.compression ?? NO_COMPRESSION) !== NO_COMPRESSION) return request;
    request.encode = () => Promise.resolve(encoderOver(encodeProduceRequestBody(args)));
    return request;
  };
  return Object.assign(factory, { [SIZED_PRODUCE]: true });
}

interface FrameArgs {
  correlationId: number;
  clientId: string | null;
  request: KafkajsRequest;
}

/** kafkajs' request frame (size, api key and version, correlation id, client id, body) in one buffer. */
async function frame({ correlationId, clientId, request }: FrameArgs): Promise<KafkajsEncoder> {
  const body = (await request.encode()).buffer;
  const size = 2 + 2 + 4 + sizeOfString(clientId) + body.length;
  const writer = new SizedWriter(Buffer.allocUnsafe(4 + size));
  writer.int32(size);
  writer.int16(request.apiKey);
  writer.int16(request.apiVersion);
  writer.int32(correlationId);
  writer.string(clientId);
  body.copy(writer.buf, writer.offset);
  return encoderOver(writer.buf);
}

replaceKafkajsModule(PRODUCE_V3, (original) => sizedProduce(original() as ProduceRequestFactory));
replaceKafkajsModule(REQUEST_FRAME, () => Object.assign(frame, { [SIZED_PRODUCE]: true }));

/** True when kafkajs encodes produce requests and request frames here. */
export function sizedProduceEncodingInstalled(): boolean {
  const produce = kafkajsModule(PRODUCE_V3) as Record<symbol, unknown>;
  const request = kafkajsModule(REQUEST_FRAME) as Record<symbol, unknown>;
  return produce[SIZED_PRODUCE] === true && request[SIZED_PRODUCE] === true;
}
