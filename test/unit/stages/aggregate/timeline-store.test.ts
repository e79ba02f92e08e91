import { describe, expect, it } from 'vitest';
import { KeyValueStore } from '../../../../src/runtime/stores/key-value-store.js';
import type { ProcessorContext } from '../../../../src/runtime/processor.js';
import { migrateEmbeddedTimelines } from '../../../../src/stages/aggregate/timeline-migration.js';
import {
  TimelineStore,
  type StoredTimelineEntry,
} from '../../../../src/stages/aggregate/timeline-store.js';

const service = JSON.stringify(['shop', 'prod']);
const deployment = (id: string, time: number): StoredTimelineEntry => ({
  service,
  kind: 'deployments',
  entry: { eventId: id, time, artifact: `a-${id}` },
});

function restored(store: KeyValueStore<StoredTimelineEntry>): TimelineStore {
  const copy = new KeyValueStore<StoredTimelineEntry>(store.name);
  for (const entry of store.drainChanges()) copy.restore(entry);
  return new TimelineStore(copy);
}

describe('TimelineStore', () => {
  it('writes one changelog entry per added event, however long the timeline already is', () => {
    const store = new KeyValueStore<StoredTimelineEntry>('t');
    const timelines = new TimelineStore(store);
    for (let i = 0; i < 500; i++) timelines.add(deployment(`d${i}`, i * 1000));
    store.drainChanges();
    timelines.add(deployment('late', 1500));
    const changes = store.drainChanges();
    expect(changes).toHaveLength(1);
    expect(changes[0]?.value?.length).toBeLessThan(200);
    const times = timelines.timeline(service).deployments.map((entry) => entry.time);
    expect(times.slice(0, 4)).toEqual([0, 1000, 1500, 2000]);
  });

  it('restores the same sorted timeline and dedupe ids from its changelog', () => {
    const store = new KeyValueStore<StoredTimelineEntry>('t');
    const timelines = new TimelineStore(store);
    timelines.add(deployment('b', 200));
    timelines.add(deployment('a', 100));
    timelines.add({ service, kind: 'rollbacks', entry: { eventId: 'r', time: 250 } });
    timelines.add({
      service,
      kind: 'restorations',
      entry: { incidentId: 'i', resolvedAt: 300, detectedAt: 50 },
    });
    const again = restored(store);
    expect(again.timeline(service)).toEqual(timelines.timeline(service));
    expect(again.hasDeployment(service, 'a')).toBe(true);
    expect(again.hasRollback(service, 'r')).toBe(true);
    expect(again.hasDeployment(service, 'r')).toBe(false);
  });

  it('prunes what is older than the horizon, with tombstones, and forgets a deleted service', () => {
    const store = new KeyValueStore<StoredTimelineEntry>('t');
    const timelines = new TimelineStore(store);
    timelines.add(deployment('old', 100));
    timelines.add(deployment('new', 900));
    timelines.add({
      service,
      kind: 'restorations',
      entry: { incidentId: 'i', resolvedAt: 950, detectedAt: 10 },
    });
    store.drainChanges();
    timelines.prune(service, 500);
    const tombstones = store.drainChanges();
    expect(tombstones).toHaveLength(1);
    expect(tombstones[0]?.value).toBeNull();
    expect(timelines.hasDeployment(service, 'old')).toBe(false);
    expect(timelines.timeline(service).restorations).toHaveLength(1);
    timelines.delete(service);
    expect(store.size).toBe(0);
    expect(timelines.timeline(service).deployments).toEqual([]);
  });

  it('moves a timeline restored from the old, embedded format into its own entries', () => {
    const services = new KeyValueStore<Record<string, unknown>>('aggregate-services');
    services.put(service, {
      service: 'shop',
      environment: 'prod',
      nextWindowStart: { P1D: 0 },
      timeline: {
        deployments: [{ eventId: 'd', time: 10 }],
        rollbacks: [],
        detections: [{ incidentId: 'i', time: 20 }],
        restorations: [],
      },
    });
    const context = { keyValueStore: () => services } as unknown as ProcessorContext;
    const timelines = new TimelineStore(new KeyValueStore('aggregate-timelines'));
    migrateEmbeddedTimelines(context, timelines);
    expect(timelines.hasDeployment(service, 'd')).toBe(true);
    expect(timelines.timeline(service).detections).toEqual([{ incidentId: 'i', time: 20 }]);
    expect(services.get(service)).not.toHaveProperty('timeline');
  });

  it('holds every field of every kind as it was added, and shares nothing between services', () => {
    const other = JSON.stringify(['cart', 'prod']);
    const timelines = new TimelineStore(new KeyValueStore<StoredTimelineEntry>('t'));
    const entries: StoredTimelineEntry[] = [
      {
        service,
        kind: 'deployments',
        entry: {
          eventId: 'd1',
          time: 100,
          artifact: 'sha256:aa',
          leadTimeStart: 40,
          changeLeadTimeStart: 20,
          openIncidents: 2,
        },
      },
      {
        service: other,
        kind: 'deployments',
        entry: { eventId: 'd2', time: 90, artifact: 'sha256:aa' },
      },
      {
        service,
        kind: 'rollbacks',
        entry: { eventId: 'r1', time: 150, recovers: { eventId: 'd1', time: 100 } },
      },
      {
        service,
        kind: 'detections',
        entry: { incidentId: 'i1', time: 120, artifact: 'sha256:aa' },
      },
      {
        service,
        kind: 'restorations',
        entry: { incidentId: 'i1', resolvedAt: 160, recovers: { eventId: 'd1', time: 100 } },
      },
    ];
    for (const entry of entries) timelines.add(entry);
    expect(timelines.timeline(service)).toEqual({
      deployments: [entries[0]?.entry],
      rollbacks: [entries[2]?.entry],
      detections: [entries[3]?.entry],
      restorations: [entries[4]?.entry],
    });
    expect(timelines.timeline(other)).toEqual({
      deployments: [entries[1]?.entry],
      rollbacks: [],
      detections: [],
      restorations: [],
    });
  });

  it('refuses an entry without a time and changes nothing', () => {
    const store = new KeyValueStore<StoredTimelineEntry>('t');
    const timelines = new TimelineStore(store);
    const timeless = { ...deployment('x', 0), entry: { eventId: 'x', time: Number.NaN } };
    expect(() => {
      timelines.add(timeless as StoredTimelineEntry);
    }).toThrow(RangeError);
    expect(timelines.size).toBe(0);
    expect(timelines.hasDeployment(service, 'x')).toBe(false);
    expect(store.drainChanges()).toEqual([]);
  });

  it('forgets a restored entry that has no time, with a tombstone', () => {
    const store = new KeyValueStore<StoredTimelineEntry>('t');
    store.restore({
      key: 'broken',
      value: Buffer.from(JSON.stringify({ service, kind: 'deployments', entry: { eventId: 'x' } })),
    });
    store.restore({ key: 'fine', value: Buffer.from(JSON.stringify(deployment('ok', 5))) });
    const timelines = new TimelineStore(store);
    expect(timelines.size).toBe(1);
    expect(timelines.hasDeployment(service, 'x')).toBe(false);
    expect(store.drainChanges()).toEqual([{ key: 'broken', value: null }]);
  });
});
