import { describe, expect, it } from 'vitest';
import { windowedCountTopology } from '../../../src/runtime/reference/windowed-count.js';
import { TopologyTestDriver, type DriverRecord } from '../../../src/runtime/test-driver.js';

const MINUTE = 60_000;
const topology = () =>
  windowedCountTopology({
    applicationId: 'test',
    inputTopic: 'in',
    outputTopic: 'counts',
    lateTopic: 'late',
    deadLetterTopic: 'dlq',
    windowSizeMs: MINUTE,
    graceMs: 0,
  });
const at = (key: string, timestamp: number) => ({ key, value: 'x', timestamp });
const values = (records: DriverRecord[]) => records.map((record) => String(record.value));

describe('a driver that keeps only what a broker would need', () => {
  it('drops read input once committed and output once returned, with the same results', async () => {
    const inputs = [at('a', 0), at('b', 1_000), at('a', MINUTE), at('c', 2 * MINUTE + 1)];
    const keeping = new TopologyTestDriver(topology(), { partitions: 2 });
    const discarding = new TopologyTestDriver(topology(), { partitions: 2, discardConsumed: true });
    await keeping.pipeInput('in', inputs);
    await discarding.pipeInput('in', inputs);

    expect(keeping.allRecords('in')).toHaveLength(4);
    expect(discarding.allRecords('in')).toEqual([]);
    expect(discarding.logLength('in', 0) + discarding.logLength('in', 1)).toBe(4); // offsets go on
    const counts = values(discarding.readOutput('counts'));
    expect(counts.length).toBeGreaterThan(0);
    expect(counts).toEqual(values(keeping.readOutput('counts')));
    expect(discarding.allRecords('counts')).toEqual([]);
  });

  it('keeps the latest changelog record per key and no tombstones, and restores from them', async () => {
    const changelog = 'test-windowed-counts-changelog';
    const keeping = new TopologyTestDriver(topology());
    const discarding = new TopologyTestDriver(topology(), { discardConsumed: true });
    // [0, 60 s) of a: counted twice, then emitted and deleted; [60 s, 120 s) of a and b stay open
    const inputs = [at('a', 0), at('a', 1_000), at('a', MINUTE), at('b', MINUTE + 1)];
    await keeping.pipeInput('in', inputs);
    await discarding.pipeInput('in', inputs);

    expect(keeping.allRecords(changelog)).toHaveLength(5);
    const kept = discarding.allRecords(changelog).map((record) => record.key?.toString());
    expect(kept).toEqual([JSON.stringify([MINUTE, 'a']), JSON.stringify([MINUTE, 'b'])]);

    keeping.restart();
    discarding.restart();
    const later = [at('a', MINUTE + 2), at('c', 2 * MINUTE)];
    await keeping.pipeInput('in', later);
    await discarding.pipeInput('in', later);
    expect(values(discarding.readOutput('counts'))).toEqual(values(keeping.readOutput('counts')));
  });
});
