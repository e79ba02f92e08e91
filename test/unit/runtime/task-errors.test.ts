import { describe, expect, it } from 'vitest';
import { CdstreamError } from '../../../src/errors.js';
import { DEAD_LETTER_HEADERS } from '../../../src/runtime/dead-letter.js';
import { partitionForKey, murmur2 } from '../../../src/runtime/partitioner.js';
import { nextOffsetOf } from '../../../src/runtime/record.js';
import { TopologyTestDriver } from '../../../src/runtime/test-driver.js';
import type { Processor } from '../../../src/runtime/processor.js';
import type { Topology } from '../../../src/runtime/topology.js';

/** One stage reading `in`, forwarding to `out` as `ok`, dead-lettering to `dlq`. */
function oneStage(process: Processor['process']): Topology {
  return {
    applicationId: 'errors',
    stages: [
      {
        name: 'parse',
        inputs: ['in'],
        outputs: { ok: { topic: 'out' } },
        deadLetterTopic: 'dlq',
        processor: () => ({ process }),
      },
    ],
  };
}

function failingTopology(fail: (value: string) => Error | undefined): Topology {
  return oneStage((record, context) => {
    context.forward('ok', { key: record.key, value: 'partial output' });
    const error = fail(String(record.value));
    if (error) throw error;
  });
}

describe('processing failures', () => {
  it('reports the dead letters of committed transactions only, by code, however often tasks abort', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const counted = new Map<string, number>();
    // every third record fails; every sixth after dead-lettering itself, which the failure takes back
    const topology = oneStage((record, context) => {
      const n = Number(record.value?.toString());
      if (n % 6 === 0) context.deadLetter({ code: 'SCHEMA_VIOLATION', message: 'taken back' });
      if (n % 3 === 0) throw new Error(`bad ${n}`);
      context.forward('ok', { key: record.key, value: 'output' });
    });
    const driver = new TopologyTestDriver(topology, {
      partitions: 2,
      interleaving: { random, commitProbability: 0.3, abortProbability: 0.4 },
      listener: {
        committed: ({ deadLetters }) => {
          for (const [code, n] of deadLetters) counted.set(code, (counted.get(code) ?? 0) + n);
        },
      },
    });
    const values = Array.from({ length: 60 }, (_, n) => ({ key: `k${n}`, value: String(n) }));
    await driver.pipeInput('in', values);
    const dead = driver.readOutput('dlq');
    expect(dead).toHaveLength(20);
    expect(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.code]?.toString())).toEqual(
      Array.from({ length: 20 }, () => 'PROCESSING_FAILED'),
    );
    expect(counted).toEqual(new Map([['PROCESSING_FAILED', 20]]));
  });

  it('dead-letters a record whose processor throws, with its original bytes and where it came from', async () => {
    const driver = new TopologyTestDriver(
      failingTopology((v) =>
        v === 'bad'
          ? new CdstreamError('SCHEMA_VIOLATION', 'id missing', { path: '/context/id' })
          : undefined,
      ),
      { wallClockTime: Date.UTC(2026, 0, 1) },
    );
    await driver.pipeInput('in', [
      { key: 'k', value: 'bad', headers: { ce_type: 'x' }, timestamp: 7 },
      { key: 'k', value: 'good' },
    ]);
    const [dead] = driver.readOutput('dlq');
    expect(dead?.value?.toString()).toBe('bad');
    expect(dead?.key?.toString()).toBe('k');
    expect(dead?.headers).toMatchObject({
      ce_type: 'x',
      [DEAD_LETTER_HEADERS.code]: 'SCHEMA_VIOLATION',
      [DEAD_LETTER_HEADERS.message]: 'id missing',
      [DEAD_LETTER_HEADERS.path]: '/context/id',
      [DEAD_LETTER_HEADERS.sourceTopic]: 'in',
      [DEAD_LETTER_HEADERS.sourcePartition]: '0',
      [DEAD_LETTER_HEADERS.sourceOffset]: '0',
      [DEAD_LETTER_HEADERS.failedAt]: '2026-01-01T00:00:00.000Z',
    });
    // the failed record's partial output is discarded; the good record's is kept
    expect(driver.readOutput('out')).toHaveLength(1);
  });

  it('lets a stage dead-letter several events of one record and cuts long messages', async () => {
    const driver = new TopologyTestDriver(
      oneStage((_record, context) => {
        context.deadLetter({ code: 'DECODE_JSON', message: 'x'.repeat(5000), path: '/0' });
        context.deadLetter({ code: 'SCHEMA_VIOLATION', message: 'bad', path: '/2/data' });
      }),
    );
    await driver.pipeInput('in', [{ value: '[batch]' }]);
    const dead = driver.readOutput('dlq');
    expect(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.path])).toEqual(['/0', '/2/data']);
    expect(dead.map((r) => r.value?.toString())).toEqual(['[batch]', '[batch]']);
    expect(String(dead[0]?.headers[DEAD_LETTER_HEADERS.message])).toHaveLength(1024);
  });

  it('labels unexpected exceptions PROCESSING_FAILED', async () => {
    const driver = new TopologyTestDriver(failingTopology(() => new TypeError('boom')));
    await driver.pipeInput('in', [{ value: 'anything' }]);
    expect(driver.readOutput('dlq')[0]?.headers[DEAD_LETTER_HEADERS.code]).toBe(
      'PROCESSING_FAILED',
    );
  });

  it('never dead-letters a retriable failure: the caller must retry the record', async () => {
    const driver = new TopologyTestDriver(
      failingTopology(() => new CdstreamError('REGISTRY_UNAVAILABLE', 'registry down')),
    );
    await expect(driver.pipeInput('in', [{ value: 'avro' }])).rejects.toThrow('registry down');
    expect(driver.readOutput('dlq')).toEqual([]);
  });

  it('treats an async processor as a synchronous one: its rejection dead-letters, its late dead letter names its record', async () => {
    const driver = new TopologyTestDriver(
      oneStage(async (record, context) => {
        context.forward('ok', { key: record.key, value: 'before the wait' });
        await new Promise((resolve) => setImmediate(resolve));
        const value = String(record.value);
        if (value === 'reject') throw new CdstreamError('SCHEMA_VIOLATION', 'rejected');
        if (value === 'letter') context.deadLetter({ code: 'DECODE_JSON', message: 'late' });
      }),
    );
    await driver.pipeInput('in', [
      { key: 'a', value: 'reject' },
      { key: 'b', value: 'letter' },
      { key: 'c', value: 'fine' },
    ]);
    const dead = driver.readOutput('dlq');
    expect(dead.map((r) => [r.value?.toString(), r.headers[DEAD_LETTER_HEADERS.code]])).toEqual([
      ['reject', 'SCHEMA_VIOLATION'],
      ['letter', 'DECODE_JSON'],
    ]);
    expect(dead[1]?.headers[DEAD_LETTER_HEADERS.sourceOffset]).toBe('1');
    // the rejected record's output is discarded; the other two keep theirs
    expect(driver.readOutput('out').map((r) => r.key?.toString())).toEqual(['b', 'c']);
  });
});

describe('nextOffsetOf', () => {
  it('adds one exactly, with numbers while they are exact and BigInt beyond', () => {
    expect(nextOffsetOf('0')).toBe('1');
    expect(nextOffsetOf('41')).toBe('42');
    expect(nextOffsetOf('9007199254740990')).toBe('9007199254740991');
    expect(nextOffsetOf('9007199254740991')).toBe('9007199254740992');
    expect(nextOffsetOf('9007199254740993')).toBe('9007199254740994');
    expect(nextOffsetOf('9223372036854775806')).toBe('9223372036854775807');
  });
});

describe('partitioner', () => {
  it('matches the Java client and kafkajs default partitioner', async () => {
    // kafkajs' own murmur2 is the oracle
    const oracle = (await import(
      // @ts-expect-error internal module without types
      'kafkajs/src/producer/partitioners/default/murmur2.js'
    )) as { default: (key: Buffer) => number };
    for (const key of [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'service-42',
      'pkg:oci/app@sha256:ABC',
      'é漢字',
    ]) {
      expect(murmur2(Buffer.from(key))).toBe(oracle.default(Buffer.from(key)));
    }
    expect(partitionForKey('checkout', 12)).toBeGreaterThanOrEqual(0);
    expect(partitionForKey('checkout', 12)).toBeLessThan(12);
  });
});

describe('transaction chunks', () => {
  it('splits a large commit into sends under the broker limit, keeping order', async () => {
    const { chunksOf } = await import('../../../src/runtime/kafka/kafkajs-transport.js');
    const records = Array.from({ length: 30 }, (_, i) => ({
      topic: 't',
      key: `k${i}`,
      value: 'x'.repeat(100_000),
    }));
    const chunks = chunksOf(records, 512 * 1024);
    expect(chunks.flat()).toEqual(records);
    expect(chunks.length).toBe(6);
    expect(chunksOf([{ topic: 't', key: null, value: 'y'.repeat(2_000_000) }], 1024)).toHaveLength(
      1,
    );
    expect(chunksOf([], 1024)).toEqual([]);
  });
});
