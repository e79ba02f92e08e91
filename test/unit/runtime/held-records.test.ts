/**
 * Records an event-time stage holds: in memory, their input offset not
 * committed, until the watermark passes them; written to the buffer's
 * changelog (spilled) only when the input stops (not while the task waits
 * behind unread input), so the commit reaches the end; after a restart either way, each reaches the processor exactly once.
 */
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/runtime/test-driver.js';
import type { Topology } from '../../../src/runtime/topology.js';

const topology: Topology = {
  applicationId: 'held',
  stages: [
    {
      name: 'route',
      inputs: ['in'],
      outputs: { mid: { topic: 'mid', repartition: true } },
      eventTimeOptions: { graceMs: 0, disorderMs: 0 },
      processor: () => ({
        process(record, context) {
          context.forward('mid', { key: record.key, value: record.value });
        },
      }),
    },
    {
      name: 'sink',
      inputs: ['mid'],
      ordering: 'event-time',
      outputs: { out: { topic: 'out' } },
      processor: () => ({
        process(record, context) {
          context.forward('out', { key: record.key, value: record.value });
        },
      }),
    },
  ],
};

const MID = 'held-mid-repartition';
const seen = (driver: TopologyTestDriver) =>
  driver.readOutput('out').map((record) => String(record.value));

async function started(spillWhenIdleMs: number) {
  const driver = new TopologyTestDriver(topology, {
    wallClockTime: 1_000_000,
    bufferSpillWhenIdleMs: spillWhenIdleMs,
  });
  await driver.pipeInput(
    'in',
    [100, 200, 300].map((time) => ({ key: 'k', value: `at ${time}`, timestamp: time })),
  );
  return driver;
}

describe('held records', () => {
  it('commits the input offset only up to the first record still held, and writes no changelog for it', async () => {
    const driver = await started(60_000);
    expect(seen(driver)).toEqual(['at 100', 'at 200']);
    const committed = driver.committedOffsets('sink')[MID] ?? -1;
    expect(committed).toBeLessThan(driver.logLength(MID));
    expect(driver.allRecords('held-sink-buffer-changelog')).toEqual([]);

    driver.restart();
    await driver.pipeInput('in', [{ key: 'k', value: 'at 400', timestamp: 400 }]);
    expect(seen(driver)).toEqual(['at 300']);
  });

  it('spills what it holds once its input stops, so the commit reaches the end', async () => {
    const driver = await started(3_000);
    expect(driver.committedOffsets('sink')[MID]).toBeLessThan(driver.logLength(MID));
    await driver.advanceWallClockTime(3_000);
    expect(driver.committedOffsets('sink')[MID]).toBe(driver.logLength(MID));
    expect(driver.allRecords('held-sink-buffer-changelog')).toHaveLength(1);

    driver.restart();
    await driver.pipeInput('in', [{ key: 'k', value: 'at 400', timestamp: 400 }]);
    expect(seen(driver)).toEqual(['at 100', 'at 200', 'at 300']);
  });

  it('does not call a task that waits behind unread input idle: it spills nothing', async () => {
    const driver = await started(3_000);
    driver.pauseReading('sink');
    await driver.pipeInput('in', [{ key: 'k', value: 'at 400', timestamp: 400 }]);
    await driver.advanceWallClockTime(10_000);
    expect(driver.allRecords('held-sink-buffer-changelog')).toEqual([]);
    expect(driver.committedOffsets('sink')[MID]).toBeLessThan(driver.logLength(MID));

    await driver.resumeReading('sink');
    expect(seen(driver)).toEqual(['at 100', 'at 200', 'at 300']);
    expect(driver.allRecords('held-sink-buffer-changelog')).toEqual([]);
  });

  it('does not call a task paused for reading ahead in event time idle, and does once it is resumed', async () => {
    const driver = await started(3_000);
    driver.task('sink').setPaused(true);
    await driver.advanceWallClockTime(10_000);
    expect(driver.allRecords('held-sink-buffer-changelog')).toEqual([]);

    driver.task('sink').setPaused(false);
    await driver.advanceWallClockTime(0);
    expect(driver.allRecords('held-sink-buffer-changelog')).toHaveLength(1);
  });
});
