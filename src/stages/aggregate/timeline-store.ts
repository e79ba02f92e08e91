/**
 * The timelines of a task's services, stored one changelog entry per
 * deployment, rollback, detection or restoration: a commit writes only what
 * it added, and pruning deletes what no open window needs, so the changelog
 * grows with the events and not with the history a window spans. In memory,
 * each service's entries are held column-wise, sorted by time (no object
 * per entry for the collector to mark), rebuilt from the store when the task
 * starts; the store then keeps no copy of them (it only logs changes), so a
 * fact is held once. A timeline is read out as objects when windows close.
 */
import type {
  ServiceTimeline,
  TimelineDeployment,
  TimelineDetection,
  TimelineRestoration,
  TimelineRollback,
} from '../../domain/dora/index.js';
import type { KeyValueStore } from '../../runtime/stores/key-value-store.js';
import { StringPool } from '../../runtime/stores/string-pool.js';
import {
  RowSchema,
  TimeOrderedRows,
  type RowLayout,
} from '../../runtime/stores/time-ordered-rows.js';

export type StoredTimelineEntry =
  | { readonly service: string; readonly kind: 'deployments'; readonly entry: TimelineDeployment }
  | { readonly service: string; readonly kind: 'rollbacks'; readonly entry: TimelineRollback }
  | { readonly service: string; readonly kind: 'detections'; readonly entry: TimelineDetection }
  | {
      readonly service: string;
      readonly kind: 'restorations';
      readonly entry: TimelineRestoration;
    };

type Kind = StoredTimelineEntry['kind'];
type Entry = StoredTimelineEntry['entry'];

/** A service's entries; a kind it never had holds nothing (most services only deploy). */
interface Held {
  deployments?: TimeOrderedRows<TimelineDeployment>;
  rollbacks?: TimeOrderedRows<TimelineRollback>;
  detections?: TimeOrderedRows<TimelineDetection>;
  restorations?: TimeOrderedRows<TimelineRestoration>;
  /** event ids of deployments and rollbacks, for the dedupe of re-sent events */
  deploymentIds?: Set<string>;
  rollbackIds?: Set<string>;
}

const KINDS: readonly Kind[] = ['deployments', 'rollbacks', 'detections', 'restorations'];

/** restorations by when they were resolved, the rest by their time */
const entryTime = (kind: Kind, entry: Entry): number =>
  kind === 'restorations'
    ? (entry as TimelineRestoration).resolvedAt
    : (entry as Exclude<Entry, TimelineRestoration>).time;
const timeOf = (stored: StoredTimelineEntry): number => entryTime(stored.kind, stored.entry);

function idOf(stored: StoredTimelineEntry): string {
  switch (stored.kind) {
    case 'deployments':
    case 'rollbacks':
      return stored.entry.eventId;
    case 'detections':
    case 'restorations':
      return stored.entry.incidentId;
  }
}

const keyOf = (stored: StoredTimelineEntry): string =>
  JSON.stringify([stored.service, stored.kind, idOf(stored), timeOf(stored)]);

const recovered = (eventId: string | undefined, time: number | undefined) =>
  eventId === undefined || time === undefined ? undefined : { eventId, time };

/** Column layouts of the four kinds; artifact keys are shared through the store's pool. */
function schemas(artifacts: StringPool) {
  const deployments: RowLayout<TimelineDeployment> = {
    numbers: 4,
    strings: 2,
    write(entry, numbers, strings) {
      numbers[0] = entry.time;
      numbers[1] = entry.leadTimeStart ?? Number.NaN;
      numbers[2] = entry.changeLeadTimeStart ?? Number.NaN;
      numbers[3] = entry.openIncidents ?? Number.NaN;
      strings[0] = entry.eventId;
      strings[1] = artifacts.hold(entry.artifact);
    },
    read: (row) => ({
      eventId: row.string(0) as string,
      time: row.number(0),
      artifact: row.string(1),
      leadTimeStart: row.optionalNumber(1),
      changeLeadTimeStart: row.optionalNumber(2),
      openIncidents: row.optionalNumber(3),
    }),
  };
  const rollbacks: RowLayout<TimelineRollback> = {
    numbers: 2,
    strings: 2,
    write(entry, numbers, strings) {
      numbers[0] = entry.time;
      numbers[1] = entry.recovers?.time ?? Number.NaN;
      strings[0] = entry.eventId;
      strings[1] = entry.recovers?.eventId;
    },
    read: (row) => ({
      eventId: row.string(0) as string,
      time: row.number(0),
      recovers: recovered(row.string(1), row.optionalNumber(1)),
    }),
  };
  const detections: RowLayout<TimelineDetection> = {
    numbers: 1,
    strings: 2,
    write(entry, numbers, strings) {
      numbers[0] = entry.time;
      strings[0] = entry.incidentId;
      strings[1] = artifacts.hold(entry.artifact);
    },
    read: (row) => ({
      incidentId: row.string(0) as string,
      time: row.number(0),
      artifact: row.string(1),
    }),
  };
  const restorations: RowLayout<TimelineRestoration> = {
    numbers: 3,
    strings: 2,
    write(entry, numbers, strings) {
      numbers[0] = entry.resolvedAt;
      numbers[1] = entry.detectedAt ?? Number.NaN;
      numbers[2] = entry.recovers?.time ?? Number.NaN;
      strings[0] = entry.incidentId;
      strings[1] = entry.recovers?.eventId;
    },
    read: (row) => ({
      incidentId: row.string(0) as string,
      resolvedAt: row.number(0),
      detectedAt: row.optionalNumber(1),
      recovers: recovered(row.string(1), row.optionalNumber(2)),
    }),
  };
  return {
    deployments: new RowSchema(deployments),
    rollbacks: new RowSchema(rollbacks),
    detections: new RowSchema(detections),
    restorations: new RowSchema(restorations),
  };
}

const EMPTY: ServiceTimeline = { deployments: [], rollbacks: [], detections: [], restorations: [] };

export class TimelineStore {
  private readonly services = new Map<string, Held>();
  private readonly artifacts = new StringPool();
  private readonly schemas = schemas(this.artifacts);

  constructor(private readonly store: KeyValueStore<StoredTimelineEntry>) {
    const restored: StoredTimelineEntry[] = [];
    for (const [key, stored] of store.entries()) {
      // an entry without a time can be in no window: forgotten, not held
      if (Number.isFinite(timeOf(stored))) restored.push(stored);
      else store.delete(key);
    }
    restored.sort((a, b) => timeOf(a) - timeOf(b));
    for (const stored of restored) this.index(stored);
    // every entry is held once, here; the store only logs the changes
    store.forgetValues(() => this.size);
  }

  /** entries held, of every service */
  get size(): number {
    let size = 0;
    for (const held of this.services.values()) {
      for (const kind of KINDS) size += held[kind]?.size ?? 0;
    }
    return size;
  }

  /** The service's timeline, sorted by time: a copy, read out of the columns it is held in. */
  timeline(service: string): ServiceTimeline {
    const held = this.services.get(service);
    if (!held) return EMPTY;
    return {
      deployments: held.deployments?.toArray() ?? [],
      rollbacks: held.rollbacks?.toArray() ?? [],
      detections: held.detections?.toArray() ?? [],
      restorations: held.restorations?.toArray() ?? [],
    };
  }

  hasDeployment(service: string, eventId: string): boolean {
    return this.services.get(service)?.deploymentIds?.has(eventId) ?? false;
  }

  hasRollback(service: string, eventId: string): boolean {
    return this.services.get(service)?.rollbackIds?.has(eventId) ?? false;
  }

  /** Holds and logs an entry; one without a finite time is refused before anything changes. */
  add(stored: StoredTimelineEntry): void {
    if (!Number.isFinite(timeOf(stored)))
      throw new RangeError(`a ${stored.kind} entry of ${stored.service} has no time`);
    this.store.put(keyOf(stored), stored);
    this.index(stored);
  }

  /** Forgets the service's entries before `horizon`: no window still to be emitted starts earlier. */
  prune(service: string, horizon: number): void {
    const held = this.services.get(service);
    if (!held) return;
    for (const kind of KINDS) {
      for (const entry of held[kind]?.dropBefore(horizon) ?? []) {
        const stored = { service, kind, entry } as StoredTimelineEntry;
        this.store.delete(keyOf(stored));
        if (stored.kind === 'deployments') {
          held.deploymentIds?.delete(stored.entry.eventId);
          this.artifacts.release(stored.entry.artifact);
        }
        if (stored.kind === 'rollbacks') held.rollbackIds?.delete(stored.entry.eventId);
        if (stored.kind === 'detections') this.artifacts.release(stored.entry.artifact);
      }
    }
  }

  /** Forgets a service that emitted its last window. */
  delete(service: string): void {
    this.prune(service, Number.POSITIVE_INFINITY);
    this.services.delete(service);
  }

  private index(stored: StoredTimelineEntry): void {
    let held = this.services.get(stored.service);
    if (!held) {
      held = {};
      this.services.set(stored.service, held);
    }
    switch (stored.kind) {
      case 'deployments':
        (held.deployments ??= new TimeOrderedRows(this.schemas.deployments)).insert(stored.entry);
        (held.deploymentIds ??= new Set()).add(stored.entry.eventId);
        return;
      case 'rollbacks':
        (held.rollbacks ??= new TimeOrderedRows(this.schemas.rollbacks)).insert(stored.entry);
        (held.rollbackIds ??= new Set()).add(stored.entry.eventId);
        return;
      case 'detections':
        (held.detections ??= new TimeOrderedRows(this.schemas.detections)).insert(stored.entry);
        return;
      case 'restorations':
        (held.restorations ??= new TimeOrderedRows(this.schemas.restorations)).insert(stored.entry);
        return;
    }
  }
}
