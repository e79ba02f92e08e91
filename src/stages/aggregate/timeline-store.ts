/**
 * The timelines of a task's services, stored one changelog entry per
 * deployment, rollback, detection or restoration: a commit writes only what
 * it added, and pruning deletes what no open window needs, so the changelog
 * grows with the events and not with the history a window spans. In memory,
 * each service's entries are arrays sorted by time, rebuilt from the store
 * when the task starts; the store then keeps no copy of them (it only logs
 * changes), so a fact is held once.
 */
import type {
  ServiceTimeline,
  TimelineDeployment,
  TimelineDetection,
  TimelineRestoration,
  TimelineRollback,
} from '../../domain/dora/index.js';
import type { KeyValueStore } from '../../runtime/stores/key-value-store.js';

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

interface Held {
  deployments: TimelineDeployment[];
  rollbacks: TimelineRollback[];
  detections: TimelineDetection[];
  restorations: TimelineRestoration[];
  /** event ids of deployments and rollbacks, for the dedupe of re-sent events */
  readonly deploymentIds: Set<string>;
  readonly rollbackIds: Set<string>;
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

/** Inserts after every entry at the same or an earlier time (new entries are mostly the newest). */
function insertByTime<T>(list: T[], item: T, time: (item: T) => number): void {
  const at = time(item);
  let index = list.length;
  while (index > 0 && time(list[index - 1] as T) > at) index--;
  list.splice(index, 0, item);
}

const EMPTY: ServiceTimeline = { deployments: [], rollbacks: [], detections: [], restorations: [] };

export class TimelineStore {
  private readonly services = new Map<string, Held>();

  constructor(private readonly store: KeyValueStore<StoredTimelineEntry>) {
    const restored = [...store.entries()].map(([, stored]) => stored);
    restored.sort((a, b) => timeOf(a) - timeOf(b));
    for (const stored of restored) this.index(stored);
    // every entry is held once, here; the store only logs the changes
    store.forgetValues(() => this.size);
  }

  /** entries held, of every service */
  get size(): number {
    let size = 0;
    for (const held of this.services.values()) {
      for (const kind of KINDS) size += held[kind].length;
    }
    return size;
  }

  /** The service's timeline, sorted by time; valid until the next change. */
  timeline(service: string): ServiceTimeline {
    return this.services.get(service) ?? EMPTY;
  }

  hasDeployment(service: string, eventId: string): boolean {
    return this.services.get(service)?.deploymentIds.has(eventId) ?? false;
  }

  hasRollback(service: string, eventId: string): boolean {
    return this.services.get(service)?.rollbackIds.has(eventId) ?? false;
  }

  add(stored: StoredTimelineEntry): void {
    this.store.put(keyOf(stored), stored);
    this.index(stored);
  }

  /** Forgets the service's entries before `horizon`: no window still to be emitted starts earlier. */
  prune(service: string, horizon: number): void {
    const held = this.services.get(service);
    if (!held) return;
    for (const kind of KINDS) {
      const list = held[kind] as Entry[];
      let count = 0;
      while (count < list.length && entryTime(kind, list[count] as Entry) < horizon) count++;
      for (const entry of list.splice(0, count)) {
        const stored = { service, kind, entry } as StoredTimelineEntry;
        this.store.delete(keyOf(stored));
        if (kind === 'deployments') held.deploymentIds.delete(idOf(stored));
        if (kind === 'rollbacks') held.rollbackIds.delete(idOf(stored));
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
      held = {
        deployments: [],
        rollbacks: [],
        detections: [],
        restorations: [],
        deploymentIds: new Set(),
        rollbackIds: new Set(),
      };
      this.services.set(stored.service, held);
    }
    const kind = stored.kind;
    insertByTime(held[kind] as Entry[], stored.entry, (entry) => entryTime(kind, entry));
    if (stored.kind === 'deployments') held.deploymentIds.add(stored.entry.eventId);
    if (stored.kind === 'rollbacks') held.rollbackIds.add(stored.entry.eventId);
  }
}
