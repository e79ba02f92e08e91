import { describe, expect, it } from 'vitest';
import {
  decodeStructured,
  encodeStructured,
  type CloudEventEnvelope,
} from '../../../../src/cloudevents/envelope.js';
import type { InputRecord } from '../../../../src/runtime/record.js';
import {
  deliveryFactRecord,
  prepareDeliveryFact,
} from '../../../../src/stages/aggregate/prepare.js';
import { deployment, type EnrichedRecord } from './enriched-events.js';

const asInput = (
  record: { value: Buffer | string; timestamp: number },
  headers: Record<string, string> = {},
): InputRecord => ({
  topic: 't',
  partition: 0,
  offset: '0',
  key: null,
  value: Buffer.from(record.value),
  headers,
  recordTimestamp: record.timestamp,
  timestamp: record.timestamp,
});

const where = { service: 'checkout', environment: 'prod', time: Date.UTC(2026, 10, 2, 10) };

describe('the delivery fact the join sends to the aggregate', () => {
  it('prepares to the same fact and order key as the enriched event it came from, in a fraction of the bytes', () => {
    const enriched: EnrichedRecord = deployment(where, {
      artifact: 'v1',
      leadTimeStart: where.time - 60_000,
    });
    const counts: string[] = [];
    const fromEvent = prepareDeliveryFact(asInput(enriched), (name) => counts.push(name));
    const compact = deliveryFactRecord(
      decodeStructured(enriched.value),
      enriched.timestamp,
      undefined,
    );
    if (compact === undefined) throw new Error('a deployment must reach the aggregate');
    const fromFact = prepareDeliveryFact(
      asInput({ value: compact.value, timestamp: enriched.timestamp }, compact.headers),
      (name) => counts.push(name),
    );
    expect(fromFact).toEqual(fromEvent);
    expect(fromEvent?.prepared).toMatchObject({ kind: 'deployment', service: 'checkout' });
    expect(Buffer.byteLength(compact.value)).toBeLessThan(enriched.value.length / 2);
    expect(counts).toEqual([]);
  });

  it('is not sent for an event the aggregate ignores, and an ignored event read here is counted', () => {
    const event: CloudEventEnvelope = {
      attributes: {
        specversion: '1.0',
        id: 'b-1',
        source: '/ci',
        type: 'dev.cdevents.pipelinerun.queued.0.2.0',
      },
      extensions: { cdsservice: 'checkout', cdsenvironment: 'prod' },
      data: { context: { id: 'b-1' }, subject: { id: 'run' } },
    };
    expect(deliveryFactRecord(event, where.time, undefined)).toBeUndefined();
    const counts: string[] = [];
    const prepared = prepareDeliveryFact(
      asInput({ value: encodeStructured(event), timestamp: where.time }),
      (name) => counts.push(name),
    );
    expect(prepared).toBeUndefined();
    expect(counts).toEqual(['records.ignored']);
  });
});
