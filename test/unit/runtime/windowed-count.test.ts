import { describe, expect, it } from 'vitest';
import {
  windowedCountTopology,
  type WindowCount,
} from '../../../src/runtime/reference/windowed-count.js';
import { TopologyTestDriver, type DriverRecord } from '../../../src/runtime/test-driver.js';

const MINUTE = 60_000;
const topology = (options: { graceMs?: number; idleMs?: number } = {}) =>
  windowedCountTopology({
    applicationId: 'test',
    inputTopic: 'in',
    outputTopic: 'counts',
    lateTopic: 'late',
    deadLetterTopic: 'dlq',
    windowSizeMs: MINUTE,
    graceMs: options.graceMs ?? 0,
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
  });

const counts = (records: DriverRecord[]): WindowCount[] =>
  records.map((r) => JSON.parse(String(r.value)) as WindowCount);

const at = (key: string, timestamp: number) => ({ key, value: 'x', timestamp });
const values = (records: DriverRecord[]) => records.map((record) => String(record.value));

describe('windowed count on the in-memory driver', () => {
  it('emits each window once, when the watermark passes its end', async () => {
    const driver = new TopologyTestDriver(topology());
    await driver.pipeInput('in', [at('a', 0), at('b', 30_000), at('a', 59_999)]);
    expect(driver.readOutput('counts')).toEqual([]);

    await driver.pipeInput('in', [at('a', MINUTE)]); // stream time reaches the end of [0, 60s)
    expect(counts(driver.readOutput('counts'))).toEqual([
      { key: 'a', start: 0, end: MINUTE, count: 2 },
      { key: 'b', start: 0, end: MINUTE, count: 1 },
    ]);
    await driver.pipeInput('in', [at('c', 2 * MINUTE + 1)]);
    expect(counts(driver.readOutput('counts'))).toEqual([
      { key: 'a', start: MINUTE, end: 2 * MINUTE, count: 1 },
    ]);
  });

  it('accepts out-of-order records within the grace period and sends later ones to the late topic', async () => {
    const driver = new TopologyTestDriver(topology({ graceMs: 10_000 }));
    await driver.pipeInput('in', [at('a', 50_000), at('a', MINUTE + 5_000)]);
    await driver.pipeInput('in', [at('a', 55_000)]); // window [0,60s) still open: watermark 55s
    expect(driver.readOutput('late')).toEqual([]);

    await driver.pipeInput('in', [at('a', MINUTE + 10_000)]); // watermark 60s closes [0,60s)
    expect(counts(driver.readOutput('counts'))).toEqual([
      { key: 'a', start: 0, end: MINUTE, count: 2 },
    ]);
    await driver.pipeInput('in', [at('a', 59_000)]);
    const late = driver.readOutput('late');
    expect(late).toHaveLength(1);
    expect(late[0]?.headers['cdstream-late-window-end']).toBe(String(MINUTE));
    expect(driver.readOutput('counts')).toEqual([]);
  });

  it('closes windows of a caught-up, quiet input by the wall clock, moving on from its last event time', async () => {
    // the partition was empty for less than the idle time: it waited for its first record
    const driver = new TopologyTestDriver(topology({ idleMs: 5 * MINUTE }), {
      wallClockTime: 10 * MINUTE,
      followWallClock: true,
    });
    await driver.pipeInput('in', [at('a', 10_000)]);
    await driver.advanceWallClockTime(40_000); // watermark 10 s + 40 s
    expect(driver.readOutput('counts')).toEqual([]);
    await driver.advanceWallClockTime(10_000); // 60 s: [0, 60 s) closes, though the clock says 10 min
    expect(counts(driver.readOutput('counts'))).toEqual([
      { key: 'a', start: 0, end: MINUTE, count: 1 },
    ]);
  });

  it('restores open windows and stream time after a restart, so results do not change', async () => {
    const driver = new TopologyTestDriver(topology(), { partitions: 3 });
    await driver.pipeInput('in', [at('a', 1_000), at('b', 2_000), at('a', 3_000)]);
    driver.restart();
    await driver.pipeInput('in', [
      at('a', 4_000),
      at('b', MINUTE),
      at('a', MINUTE),
      at('c', MINUTE),
    ]);
    const emitted = counts(driver.readOutput('counts')).sort((x, y) => x.key.localeCompare(y.key));
    expect(emitted).toEqual([
      { key: 'a', start: 0, end: MINUTE, count: 3 },
      { key: 'b', start: 0, end: MINUTE, count: 1 },
    ]);

    // a record for a window closed before the restart is still late afterwards
    driver.restart();
    await driver.pipeInput('in', [at('a', 5_000)]);
    expect(driver.readOutput('late')).toHaveLength(1);
  });

  it('deletes emitted windows from the store and its changelog', async () => {
    const driver = new TopologyTestDriver(topology());
    await driver.pipeInput('in', [at('a', 0), at('a', MINUTE)]);
    expect(driver.task('count').storeSizes()['windowed-counts']).toBe(1);
    const changelog = driver.allRecords('test-windowed-counts-changelog');
    expect(changelog.at(-1)?.value).toBeNull(); // tombstone for the emitted window [0,60s)
    expect(changelog.at(-1)?.key?.toString()).toBe(JSON.stringify([0, 'a']));
  });
});

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
