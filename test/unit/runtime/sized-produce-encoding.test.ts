import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  originalKafkajsModule,
  type ProduceRequestFactory,
  type RequestFrame,
} from '../../../bench/lib/kafkajs-original.js';
import { kafkajsModule } from '../../../src/runtime/kafka/kafkajs-module-cache.js';
import { sizedProduceEncodingInstalled } from '../../../src/runtime/kafka/kafkajs.js';
import { recordBytes, recordHeaders } from './record-arbitraries.js';

const PRODUCE_V3 = 'src/protocol/requests/produce/v3/request.js';
const REQUEST_FRAME = 'src/protocol/request.js';
const GZIP = 1;

const NOW = 1_764_000_000_000;

const message = fc.record(
  {
    key: recordBytes,
    value: recordBytes,
    headers: recordHeaders,
    // thirteen digits, so kafkajs' sort (as strings) agrees with the numeric one
    timestamp: fc.integer({ min: NOW - 1e9, max: NOW + 1e9 }).map(String),
  },
  { requiredKeys: ['value'] },
);
const produceArgs = fc.record({
  acks: fc.constantFrom(-1, 0, 1),
  timeout: fc.integer({ min: 0, max: 60_000 }),
  transactionalId: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
  producerId: fc.oneof(fc.constant(undefined), fc.bigInt({ min: 0n, max: 2n ** 62n }).map(String)),
  producerEpoch: fc.integer({ min: 0, max: 32_767 }),
  topicData: fc.array(
    fc.record({
      topic: fc.string({ minLength: 1, maxLength: 40 }),
      partitions: fc.array(
        fc.record({
          partition: fc.integer({ min: 0, max: 200 }),
          firstSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          messages: fc.array(message, { minLength: 1, maxLength: 6 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('produce requests encoded in one buffer of their size', () => {
  const sized = kafkajsModule(PRODUCE_V3) as ProduceRequestFactory;
  const original = originalKafkajsModule(PRODUCE_V3) as ProduceRequestFactory;
  const sizedFrame = kafkajsModule(REQUEST_FRAME) as RequestFrame;
  const originalFrame = originalKafkajsModule(REQUEST_FRAME) as RequestFrame;

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('are the ones kafkajs uses', () => {
    expect(sizedProduceEncodingInstalled()).toBe(true);
  });

  it("encode exactly kafkajs' bytes, frame included", async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    await fc.assert(
      fc.asyncProperty(produceArgs, fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (args, id) => {
        const mine = sized(args);
        const theirs = original(args);
        const body = (await mine.encode()).buffer;
        expect(body.equals((await theirs.encode()).buffer)).toBe(true);
        const framed = await sizedFrame({ correlationId: id, clientId: 'cdstream', request: mine });
        const expected = await originalFrame({
          correlationId: id,
          clientId: 'cdstream',
          request: theirs,
        });
        expect(framed.buffer.equals(expected.buffer)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('stamp records without a timestamp with the time of the send, as kafkajs does', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    const args = {
      acks: -1,
      timeout: 30_000,
      topicData: [
        {
          topic: 't',
          partitions: [
            {
              partition: 0,
              messages: [{ value: 'a' }, { value: 'b', timestamp: String(NOW - 5_000) }],
            },
            { partition: 1, messages: [{ key: 'k', value: Buffer.from('c') }] },
          ],
        },
      ],
    };
    const body = (await sized(args).encode()).buffer;
    expect(body.equals((await original(args).encode()).buffer)).toBe(true);
  });

  it('leave compressed batches to kafkajs', async () => {
    const args = {
      acks: 1,
      timeout: 1_000,
      compression: GZIP,
      topicData: [
        {
          topic: 't',
          partitions: [
            { partition: 0, messages: [{ value: 'x'.repeat(500), timestamp: String(NOW) }] },
          ],
        },
      ],
    };
    const body = (await sized(args).encode()).buffer;
    expect(body.equals((await original(args).encode()).buffer)).toBe(true);
    // gzip of 500 equal bytes is far smaller than they are
    expect(body.length).toBeLessThan(200);
  });

  it('frame any request, with or without a client id', async () => {
    const Encoder = kafkajsModule('src/protocol/encoder.js') as new () => {
      writeString(value: string): { readonly buffer: Buffer };
    };
    const request = {
      apiKey: 18,
      apiVersion: 2,
      encode: () => Promise.resolve(new Encoder().writeString('ünïcode body')),
    };
    for (const clientId of ['cdstream-worker-1', null]) {
      const framed = await sizedFrame({ correlationId: 7, clientId, request });
      const expected = await originalFrame({ correlationId: 7, clientId, request });
      expect(framed.buffer.equals(expected.buffer)).toBe(true);
    }
  });
});
