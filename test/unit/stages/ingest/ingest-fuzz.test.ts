/**
 * No input of any shape crashes the ingest stage: arbitrary bytes and headers,
 * and mutations of valid events, each end up forwarded or dead-lettered with
 * a code from the closed set — never thrown, never lost.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../../src/errors.js';
import { DEAD_LETTER_HEADERS } from '../../../../src/runtime/dead-letter.js';
import { TopologyTestDriver } from '../../../../src/runtime/test-driver.js';
import { ingestStage } from '../../../../src/stages/ingest/ingest-stage.js';

const deployed = JSON.parse(
  readFileSync(new URL('../../../fixtures/events/service-deployed.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function driver() {
  let outcomes = 0;
  const instance = new TopologyTestDriver(
    {
      applicationId: 'fuzz',
      stages: [
        ingestStage({
          inputTopics: ['in'],
          toJoin: 'join',
          deadLetterTopic: 'dlq',
          unknownTypes: 'dead-letter',
          dedupeHorizonMs: 1,
          maxRecordBytes: 65_536,
          onOutcome: () => {
            outcomes++;
          },
        }),
      ],
    },
    { wallClockTime: Date.now() },
  );
  return { instance, outcomes: () => outcomes };
}

/** Every record read is accounted for, and every dead letter has a known code. */
async function assertAccounted(
  values: { value: Buffer | string | null; headers: Record<string, string> }[],
) {
  const { instance, outcomes } = driver();
  await instance.pipeInput('in', values);
  const forwarded = instance.readOutput('fuzz-join-repartition');
  const dead = instance.readOutput('dlq');
  for (const record of dead) {
    expect(Object.keys(ERROR_CODES)).toContain(String(record.headers[DEAD_LETTER_HEADERS.code]));
  }
  // a record yields at least one outcome (a batch one per event)
  expect(outcomes()).toBeGreaterThanOrEqual(values.length);
  expect(forwarded.length + dead.length).toBeLessThanOrEqual(outcomes());
}

const headers = fc.dictionary(
  fc.constantFrom(
    'content-type',
    'ce_id',
    'ce_type',
    'ce_source',
    'ce_specversion',
    'ce_time',
    'x',
  ),
  fc.oneof(
    fc.string(),
    fc.constantFrom(
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
      'application/json',
      'application/avro',
      '1.0',
    ),
  ),
);

describe('ingest under arbitrary input', () => {
  it('accounts for random bytes with random headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            value: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
            headers,
          }),
          { maxLength: 8 },
        ),
        (records) => assertAccounted(records),
      ),
      { numRuns: 80 },
    );
  }, 60_000);

  it('accounts for mutated valid events', async () => {
    const mutant = fc
      .anything({ maxDepth: 3 })
      .chain((replacement) =>
        fc
          .constantFrom(
            'context',
            'subject',
            'id',
            'timestamp',
            'type',
            'content',
            'environment',
            'artifactId',
          )
          .map((key) => ({ key, replacement })),
      )
      .map(({ key, replacement }) =>
        JSON.stringify(deployed, (k, v: unknown) => (k === key ? replacement : v)),
      );
    await fc.assert(
      fc.asyncProperty(fc.array(mutant, { minLength: 1, maxLength: 5 }), (texts) =>
        assertAccounted(texts.map((value) => ({ value, headers: {} }))),
      ),
      { numRuns: 80 },
    );
  }, 60_000);
});
