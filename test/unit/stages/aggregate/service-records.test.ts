import { describe, expect, it } from 'vitest';
import type { ProcessorContext } from '../../../../src/runtime/processor.js';
import { KeyValueStore } from '../../../../src/runtime/stores/key-value-store.js';
import { recordDeployment, recover } from '../../../../src/stages/aggregate/deployment-history.js';
import { ServiceRecords } from '../../../../src/stages/aggregate/service-records.js';
import { STORES } from '../../../../src/stages/aggregate/stores.js';

const SERVICE = 'shop/prod';

function storesWith(
  seed: Partial<Record<string, Record<string, unknown>>> = {},
): Map<string, KeyValueStore<unknown>> {
  const stores = new Map<string, KeyValueStore<unknown>>();
  for (const name of [STORES.deploymentHistory, STORES.artifactOrigins, STORES.changeOrigins]) {
    const store = new KeyValueStore<unknown>(name);
    for (const [key, value] of Object.entries(seed[name] ?? {})) {
      store.restore({ key, value: Buffer.from(JSON.stringify(value)) });
    }
    stores.set(name, store);
  }
  return stores;
}

const contextOf = (stores: Map<string, KeyValueStore<unknown>>) =>
  ({ keyValueStore: (name: string) => stores.get(name) }) as unknown as ProcessorContext;

/** A fresh set of stores restored from everything `stores` wrote, as after a restart. */
function restarted(stores: Map<string, KeyValueStore<unknown>>) {
  const copies = storesWith();
  for (const [name, store] of stores) {
    for (const change of store.drainChanges()) copies.get(name)?.restore(change);
  }
  return copies;
}

/** 100 artifacts deployed one after the other, each with its origin; the history after them. */
function deployHundredArtifacts(records: ServiceRecords) {
  let history = records.history(SERVICE);
  for (let i = 0; i < 100; i++) {
    records.recordOrigin(STORES.artifactOrigins, SERVICE, `artifact-${i}`, 1_000 + i);
    history = recordDeployment(history, { eventId: `d${i}`, time: 2_000 + i }, `artifact-${i}`);
    records.putHistory(SERVICE, history);
  }
  return history;
}

describe('ServiceRecords', () => {
  it('writes the entries a change touched, however many the service keeps', () => {
    const stores = storesWith();
    const records = new ServiceRecords(contextOf(stores));
    let history = deployHundredArtifacts(records);
    for (const store of stores.values()) store.drainChanges();

    records.recordOrigin(STORES.artifactOrigins, SERVICE, 'artifact-new', 5_000);
    history = recordDeployment(history, { eventId: 'dn', time: 6_000 }, 'artifact-new');
    records.putHistory(SERVICE, history);

    const origins = stores.get(STORES.artifactOrigins)?.drainChanges() ?? [];
    // the new origin, and the oldest of the 64 kept dropped
    expect(
      origins.map((change) => [JSON.parse(change.key) as unknown, change.value === null]),
    ).toEqual([
      [[SERVICE, 'origin', 'artifact-new'], false],
      [[SERVICE, 'origin', 'artifact-36'], true],
    ]);
    const deployments = stores.get(STORES.deploymentHistory)?.drainChanges() ?? [];
    // latest and previous under the service's key, one deployment in, one out
    expect(deployments).toHaveLength(3);
    expect(deployments.every((change) => (change.value?.length ?? 0) < 200)).toBe(true);
  });

  it('gives the same records after a restart from its changelogs', () => {
    const stores = storesWith();
    const records = new ServiceRecords(contextOf(stores));
    let history = records.history(SERVICE);
    for (let i = 0; i < 80; i++) {
      // equal times: which are kept must not depend on the order they come back in
      records.recordOrigin(STORES.changeOrigins, SERVICE, `artifact-${79 - i}`, 1_000);
      history = recordDeployment(history, { eventId: `d${i}`, time: 2_000 }, `artifact-${i}`);
    }
    history = recover(history, { eventId: 'd3', time: 2_000 }).history;
    records.putHistory(SERVICE, history);
    const before = {
      history: records.history(SERVICE),
      origins: Array.from({ length: 80 }, (_, i) =>
        records.origin(STORES.changeOrigins, SERVICE, `artifact-${i}`),
      ),
    };

    const again = new ServiceRecords(contextOf(restarted(stores)));
    expect(again.history(SERVICE)).toEqual(before.history);
    expect(
      Array.from({ length: 80 }, (_, i) =>
        again.origin(STORES.changeOrigins, SERVICE, `artifact-${i}`),
      ),
    ).toEqual(before.origins);
    expect(before.origins.filter((origin) => origin !== undefined)).toHaveLength(64);
  });

  it('holds each entry once: its stores keep no values, and their sizes count the entries', () => {
    const stores = storesWith();
    const records = new ServiceRecords(contextOf(stores));
    const history = recover(deployHundredArtifacts(records), {
      eventId: 'd99',
      time: 3_000,
    }).history;
    records.putHistory(SERVICE, history);
    const kept = Object.keys(history.byArtifact).length + Object.keys(history.recovered).length;

    for (const restart of [stores, restarted(stores)]) {
      const held = restart === stores ? records : new ServiceRecords(contextOf(restart));
      expect(held.history(SERVICE)).toEqual(history);
      for (const store of restart.values()) expect(() => store.get(SERVICE)).toThrow();
      expect(restart.get(STORES.artifactOrigins)?.size).toBe(64);
      expect(restart.get(STORES.changeOrigins)?.size).toBe(0);
      // the service's latest deployments, and one entry per artifact and recovery
      expect(restart.get(STORES.deploymentHistory)?.size).toBe(1 + kept);
    }
  });

  it('keeps artifacts named like Object members as entries of their own, through a restart', () => {
    const stores = storesWith();
    const records = new ServiceRecords(contextOf(stores));
    expect(records.origin(STORES.artifactOrigins, SERVICE, 'toString')).toBeUndefined();
    for (const [i, artifact] of ['__proto__', 'toString', 'constructor'].entries()) {
      records.recordOrigin(STORES.artifactOrigins, SERVICE, artifact, 10 + i);
    }
    for (const held of [records, new ServiceRecords(contextOf(restarted(stores)))]) {
      expect(held.origin(STORES.artifactOrigins, SERVICE, '__proto__')).toBe(10);
      expect(held.origin(STORES.artifactOrigins, SERVICE, 'toString')).toBe(11);
      expect(held.origin(STORES.artifactOrigins, SERVICE, 'constructor')).toBe(12);
      expect(held.origin(STORES.artifactOrigins, SERVICE, 'hasOwnProperty')).toBeUndefined();
    }
  });

  it('moves records stored whole (state written before) into entries', () => {
    const latest = { eventId: 'd2', time: 20 };
    const previous = { eventId: 'd1', time: 10 };
    const stores = storesWith({
      [STORES.deploymentHistory]: {
        [SERVICE]: {
          latest,
          previous,
          byArtifact: { a1: previous, a2: latest },
          recovered: { d0: 5 },
        },
      },
      [STORES.artifactOrigins]: { [SERVICE]: { a1: 3, a2: 4 } },
    });
    const records = new ServiceRecords(contextOf(stores));
    const expected = {
      latest,
      previous,
      byArtifact: { a1: previous, a2: latest },
      recovered: { d0: 5 },
    };
    expect(records.history(SERVICE)).toEqual(expected);
    expect(records.origin(STORES.artifactOrigins, SERVICE, 'a2')).toBe(4);

    const again = new ServiceRecords(contextOf(restarted(stores)));
    expect(again.history(SERVICE)).toEqual(expected);
    expect(again.origin(STORES.artifactOrigins, SERVICE, 'a1')).toBe(3);
  });
});
