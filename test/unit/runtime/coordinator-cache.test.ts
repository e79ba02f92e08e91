/**
 * kafkajs' coordinator lookups, remembered: one FindCoordinator per client
 * and key until a coordinator-bound request fails in a way that may mean the
 * coordinator moved. The fakes stand in for kafkajs' Cluster only to count
 * lookups; what a real broker sees is in
 * test/integration/runtime/coordinator-lookups.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  CoordinatorMemory,
  coordinatorCacheInstalled,
  forgettingOnFailure,
  invalidatesCoordinator,
  rememberingCoordinators,
} from '../../../src/runtime/kafka/install-coordinator-cache.js';

const protocolError = (type: string) => Object.assign(new Error(type), { type });
const namedError = (name: string) => Object.assign(new Error(name), { name });

/** A stand-in for kafkajs' Cluster: node 1 coordinates everything, lookups counted. */
function fakeCluster(memory: CoordinatorMemory, known: Set<number> = new Set([1])) {
  const lookups: string[] = [];
  const find = rememberingCoordinators(function (query) {
    lookups.push(`${query.coordinatorType ?? 0}:${query.groupId}`);
    return Promise.resolve({ nodeId: 1 });
  }, memory);
  const cluster = {
    findBroker: ({ nodeId }: { nodeId: number }) =>
      known.has(nodeId)
        ? Promise.resolve({ nodeId })
        : Promise.reject(namedError('KafkaJSBrokerNotFound')),
    findGroupCoordinator: find,
  };
  return { cluster, lookups, known };
}

describe("kafkajs' coordinator lookups, remembered", () => {
  it('is the one kafkajs uses', () => {
    expect(coordinatorCacheInstalled()).toBe(true);
  });

  it('looks a coordinator up once per key, a group and a transactional id apart', async () => {
    const { cluster, lookups } = fakeCluster(new CoordinatorMemory());
    for (let i = 0; i < 5; i++) {
      expect(await cluster.findGroupCoordinator({ groupId: 'g' })).toEqual({ nodeId: 1 });
      await cluster.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 });
    }
    expect(lookups).toEqual(['0:g', '1:txn-1']);
  });

  it('keeps each client apart', async () => {
    const memory = new CoordinatorMemory();
    const first = fakeCluster(memory);
    const second = fakeCluster(memory);
    await first.cluster.findGroupCoordinator({ groupId: 'g' });
    await second.cluster.findGroupCoordinator({ groupId: 'g' });
    expect([first.lookups, second.lookups]).toEqual([['0:g'], ['0:g']]);
  });

  it('looks up again after a coordinator-bound request failed because the coordinator moved', async () => {
    const memory = new CoordinatorMemory();
    const { cluster, lookups } = fakeCluster(memory);
    const endTxn = forgettingOnFailure(
      () => Promise.reject(protocolError('NOT_COORDINATOR_FOR_GROUP')),
      memory,
    );
    await cluster.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 });
    await expect(endTxn.call({})).rejects.toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    await cluster.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 });
    expect(lookups).toEqual(['1:txn-1', '1:txn-1']);
  });

  it('remembers across failures that say nothing about the coordinator', async () => {
    const memory = new CoordinatorMemory();
    const { cluster, lookups } = fakeCluster(memory);
    const commit = forgettingOnFailure(
      () => Promise.reject(protocolError('INVALID_PRODUCER_EPOCH')),
      memory,
    );
    await cluster.findGroupCoordinator({ groupId: 'g' });
    await expect(commit.call({})).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
    await cluster.findGroupCoordinator({ groupId: 'g' });
    expect(lookups).toEqual(['0:g']);
  });

  it('looks up again when the remembered broker left the metadata', async () => {
    const memory = new CoordinatorMemory();
    const { cluster, lookups, known } = fakeCluster(memory);
    await cluster.findGroupCoordinator({ groupId: 'g' });
    known.delete(1);
    await cluster.findGroupCoordinator({ groupId: 'g' });
    expect(lookups).toEqual(['0:g', '0:g']);
  });

  it('passes a request and its answer through untouched', async () => {
    const request = forgettingOnFailure(function (this: object, ...args: unknown[]) {
      return Promise.resolve({ self: this, args });
    });
    const self = {};
    expect(await request.call(self, 1, 'two')).toEqual({ self, args: [1, 'two'] });
  });

  it('counts moved, unavailable and unreachable coordinators as reasons to look again', () => {
    for (const error of [
      protocolError('NOT_COORDINATOR_FOR_GROUP'),
      protocolError('GROUP_COORDINATOR_NOT_AVAILABLE'),
      namedError('KafkaJSConnectionError'),
      namedError('KafkaJSConnectionClosedError'),
      namedError('KafkaJSRequestTimeoutError'),
      Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    ]) {
      expect(invalidatesCoordinator(error), String(error)).toBe(true);
    }
    for (const error of [
      protocolError('REBALANCE_IN_PROGRESS'),
      protocolError('GROUP_LOAD_IN_PROGRESS'),
      protocolError('INVALID_PRODUCER_EPOCH'),
      new Error('anything'),
      undefined,
      'text',
    ]) {
      expect(invalidatesCoordinator(error), String(error)).toBe(false);
    }
  });
});
