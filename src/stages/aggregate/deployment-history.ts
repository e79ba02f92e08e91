/**
 * What the aggregate remembers of a service's deployments beyond the
 * timeline, which forgets what is older than the windows left to emit: the
 * latest deployments (overall and per artifact) and the failed deployments
 * already recovered. Enough to name, when a rollback or an incident's
 * resolution is folded in, the failed deployment it recovers, however old
 * (failed deployment recovery time), as change failure rate links them:
 * a rollback undoes the latest deployment before it; an incident is linked
 * to the latest deployment of the artifact it names at or before its
 * detection, else to the latest deployment at or before it.
 *
 * Plain JSON data: `latest` and `previous` under the service's key, the
 * two bounded records entry by entry (entrywise-records.ts).
 */
import type { RecoveredDeployment } from '../../domain/dora/index.js';
import { entryOf } from './entrywise-records.js';

export interface DeploymentHistory {
  readonly latest?: RecoveredDeployment | undefined;
  /** the deployment before `latest`: a rollback at the same time as `latest` undoes this one */
  readonly previous?: RecoveredDeployment | undefined;
  /** artifact key → its latest deployment (the newest artifacts, bounded) */
  readonly byArtifact: Readonly<Record<string, RecoveredDeployment>>;
  /** failed deployments already recovered: event id → deployment time (the newest, bounded) */
  readonly recovered: Readonly<Record<string, number>>;
}

/** Artifacts, origins and recovered deployments a service keeps, the newest of each. */
const MAX_ENTRIES = 64;

export const emptyDeploymentHistory = (): DeploymentHistory => ({ byArtifact: {}, recovered: {} });

/**
 * The newest MAX_ENTRIES entries; among equal times the smaller keys, so the
 * choice does not depend on the order the entries were restored in.
 */
export function newest<V>(
  entries: Record<string, V>,
  timeOf: (value: V) => number,
): Record<string, V> {
  const list = Object.entries(entries);
  if (list.length <= MAX_ENTRIES) return entries;
  return Object.fromEntries(
    list
      .sort(([keyA, a], [keyB, b]) => timeOf(b) - timeOf(a) || (keyA < keyB ? -1 : 1))
      .slice(0, MAX_ENTRIES),
  );
}

/**
 * `newest` of the record with `entry` set to `value`, as a new prototype-less
 * record (what EntrywiseRecords holds), in one pass over the record: this
 * runs for every deployment, origin and recovery folded in, on records that
 * are mostly full (one entry in, the oldest out).
 */
export function withNewest<V>(
  record: Readonly<Record<string, V>> | undefined,
  entry: string,
  value: V,
  timeOf: (value: V) => number,
): Record<string, V> {
  const next = Object.create(null) as Record<string, V>;
  let count = 0;
  let oldestKey: string | undefined;
  let oldestTime = 0;
  const consider = (key: string, time: number) => {
    if (oldestKey === undefined || time < oldestTime || (time === oldestTime && key > oldestKey)) {
      oldestKey = key;
      oldestTime = time;
    }
  };
  for (const key in record) {
    if (!Object.hasOwn(record, key) || key === entry) continue;
    const held = record[key] as V;
    next[key] = held;
    count++;
    consider(key, timeOf(held));
  }
  next[entry] = value;
  count++;
  consider(entry, timeOf(value));
  if (count <= MAX_ENTRIES) return next;
  // the usual case, one entry added to a full record: drop the one that sorts last
  if (count === MAX_ENTRIES + 1) {
    Reflect.deleteProperty(next, oldestKey as string);
    return next;
  }
  // more than one over (a record restored from a changelog written with a larger bound)
  const kept = Object.create(null) as Record<string, V>;
  for (const [key, held] of Object.entries(newest(next, timeOf))) kept[key] = held;
  return kept;
}

/** Deployments are folded in event-time order. */
export function recordDeployment(
  history: DeploymentHistory,
  deployment: RecoveredDeployment,
  artifact: string | undefined,
): DeploymentHistory {
  const byArtifact =
    artifact === undefined
      ? history.byArtifact
      : withNewest(history.byArtifact, artifact, deployment, (entry) => entry.time);
  return { ...history, latest: deployment, previous: history.latest, byArtifact };
}

/** The deployment a rollback at `time` undoes: the latest strictly before it. */
export function undoneBy(
  history: DeploymentHistory,
  time: number,
): RecoveredDeployment | undefined {
  if (history.latest !== undefined && history.latest.time < time) return history.latest;
  if (history.previous !== undefined && history.previous.time < time) return history.previous;
  return undefined;
}

/** The deployment an incident detected at `time` is linked to. */
export function linkedTo(
  history: DeploymentHistory,
  time: number,
  artifact: string | undefined,
): RecoveredDeployment | undefined {
  const candidate = artifact === undefined ? history.latest : entryOf(history.byArtifact, artifact);
  return candidate !== undefined && candidate.time <= time ? candidate : undefined;
}

/**
 * `failed` recovered now: returned as `recovers` the first time only, and
 * remembered so that a second recovery of it does not count again.
 */
export function recover(
  history: DeploymentHistory,
  failed: RecoveredDeployment | undefined,
): { history: DeploymentHistory; recovers: RecoveredDeployment | undefined } {
  if (failed === undefined || entryOf(history.recovered, failed.eventId) !== undefined)
    return { history, recovers: undefined };
  const recovered = withNewest(history.recovered, failed.eventId, failed.time, (t) => t);
  return { history: { ...history, recovered }, recovers: failed };
}

/**
 * Producer incidents open on each service now, i.e. at the event time being
 * folded (rework rate). Counted once from the store of open incidents (keys
 * JSON [service/environment key, incident id]) when the task starts, then
 * kept as incidents open and close, so a deployment does not scan them all.
 */
export class OpenIncidentCounts {
  private readonly counts = new Map<string, number>();

  constructor(open: { entries(): Iterable<[string, unknown]> }) {
    for (const [incidentKey] of open.entries()) {
      const [serviceKey] = JSON.parse(incidentKey) as [string, string];
      this.opened(serviceKey);
    }
  }

  of(serviceKey: string): number {
    return this.counts.get(serviceKey) ?? 0;
  }

  opened(serviceKey: string): void {
    this.counts.set(serviceKey, this.of(serviceKey) + 1);
  }

  closed(serviceKey: string): void {
    const left = this.of(serviceKey) - 1;
    if (left > 0) this.counts.set(serviceKey, left);
    else this.counts.delete(serviceKey);
  }
}
