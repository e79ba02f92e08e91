import { describe, expect, it } from 'vitest';
import type { WorkerStatus } from '../../../src/runtime/worker.js';
import type { StageConsumerHandlers, StreamTransport } from '../../../src/runtime/transport.js';
import { workerReadiness } from '../../../src/observability/readiness.js';
import { TrackedTransport } from '../../../src/observability/tracked-transport.js';

function fakeTransport() {
  const handlers = new Map<string, StageConsumerHandlers>();
  const lagCalls: { groupId: string; topics: readonly string[] }[] = [];
  let closed = 0;
  const inner: StreamTransport = {
    ensureTopics: () => Promise.resolve(),
    partitionCounts: () => Promise.resolve(new Map()),
    recordBatchLimits: () => Promise.resolve(new Map()),
    committedOffsets: () => Promise.resolve(new Map()),
    consumerLag: (groupId, topics) => {
      lagCalls.push({ groupId, topics });
      return Promise.resolve(topics.map((topic) => ({ topic, partition: 0, lag: 7 })));
    },
    createTaskProducer: () => Promise.reject(new Error('not used')),
    restore: () => Promise.resolve({ records: 0 }),
    runStageConsumer: (groupId, _topics, h) => {
      handlers.set(groupId, h);
      return Promise.resolve({
        seek: () => undefined,
        pause: () => undefined,
        resume: () => undefined,
        stop: () => Promise.resolve(),
      });
    },
    close: () => {
      closed++;
      return Promise.resolve();
    },
    isTransient: () => false,
  };
  return { inner, handlers, lagCalls, closedCount: () => closed };
}

const handlersFor = (assigned: number[][]): StageConsumerHandlers => ({
  onAssigned: (partitions) => assigned.push([...partitions]),
  onRebalancing: () => undefined,
  onBatch: () => Promise.resolve(),
  onNoData: () => Promise.resolve(),
  onCrash: () => undefined,
});

const options = { partitionsConsumedConcurrently: 1 };

describe('TrackedTransport', () => {
  it('knows the running groups, their lag, and when they rebalance', async () => {
    const fake = fakeTransport();
    const transport = new TrackedTransport(fake.inner);
    const assigned: number[][] = [];
    const consumer = await transport.runStageConsumer(
      'app-ingest',
      ['in'],
      handlersFor(assigned),
      options,
    );
    await transport.runStageConsumer(
      'app-join',
      ['app-repartition'],
      handlersFor(assigned),
      options,
    );

    expect(transport.consumerGroups).toEqual([
      { groupId: 'app-ingest', topics: ['in'] },
      { groupId: 'app-join', topics: ['app-repartition'] },
    ]);
    expect(await transport.allConsumerLag()).toEqual([
      { group: 'app-ingest', topic: 'in', partition: 0, lag: 7 },
      { group: 'app-join', topic: 'app-repartition', partition: 0, lag: 7 },
    ]);

    fake.handlers.get('app-ingest')?.onRebalancing();
    expect(transport.rebalancingGroups).toEqual(['app-ingest']);
    fake.handlers.get('app-ingest')?.onAssigned([0, 2]);
    expect(transport.rebalancingGroups).toEqual([]);
    expect(assigned).toEqual([[0, 2]]); // the engine's handler still runs

    await consumer.stop();
    expect(transport.consumerGroups.map((group) => group.groupId)).toEqual(['app-join']);
  });

  it('reads no lag once closed', async () => {
    const fake = fakeTransport();
    const transport = new TrackedTransport(fake.inner);
    await transport.runStageConsumer('g', ['t'], handlersFor([]), options);
    await transport.close();
    expect(await transport.allConsumerLag()).toEqual([]);
    expect(fake.lagCalls).toEqual([]);
    expect(fake.closedCount()).toBe(1);
  });
});

describe('workerReadiness', () => {
  const status = (ready: boolean): WorkerStatus => ({
    started: true,
    ready,
    stages: { count: { assigned: [0], running: ready ? [0] : [] } },
  });

  it('is ready when the worker is and no group rebalances', () => {
    let rebalancing: string[] = [];
    let ready = true;
    const check = workerReadiness(
      { status: () => status(ready) },
      {
        get rebalancingGroups() {
          return rebalancing;
        },
      },
    );
    expect(check()).toEqual({ ready: true, detail: { ...status(true), rebalancing: [] } });
    rebalancing = ['app-count'];
    expect(check().ready).toBe(false);
    expect(check().detail).toMatchObject({ rebalancing: ['app-count'] });
    rebalancing = [];
    ready = false;
    expect(check()).toMatchObject({ ready: false, detail: { stages: { count: { running: [] } } } });
  });
});
