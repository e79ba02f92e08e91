import {
  recordOrigin,
  recordScan,
  sameFacts,
  type ArtifactFacts,
  type ScanSummary,
} from './artifact-facts.js';
import { earliestLinks, MAX_CHANGES, type ChangeEntry } from './changes.js';
import {
  removeInstance,
  removeService,
  samePlacements,
  upsertPlacement,
  type Placement,
} from './placements.js';

/**
 * The part of a key-value store the join needs. The runtime's changelogged
 * store fits it; so does a Map-backed fake in tests.
 */
export interface TableStore<V> {
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  entries(): Iterable<[string, V]>;
  /** entries held */
  readonly size: number;
}

export interface JoinStores {
  /** artifact key → where the artifact runs */
  readonly placements: TableStore<Placement[]>;
  /** artifact key → latest scan and first build time */
  readonly facts: TableStore<ArtifactFacts>;
  /** cluster (location id, the CloudEvents source of its events) → environment */
  readonly clusterEnvironments: TableStore<string>;
  /** change key → its start and the artifacts of this partition packaged from it */
  readonly changes: TableStore<ChangeEntry>;
}

/**
 * The join's state over its stores. Writes happen only when a value changes,
 * so the resync storms of Kubernetes watches do not flood the changelogs.
 */
export class JoinTables {
  constructor(private readonly stores: JoinStores) {}

  placementsOf(artifactKey: string): readonly Placement[] {
    return this.stores.placements.get(artifactKey) ?? [];
  }

  factsOf(artifactKey: string): ArtifactFacts | undefined {
    return this.stores.facts.get(artifactKey);
  }

  environmentOfCluster(cluster: string): string | undefined {
    return this.stores.clusterEnvironments.get(cluster);
  }

  place(artifactKey: string, row: Placement): void {
    this.updatePlacements(artifactKey, (rows) => upsertPlacement(rows, row));
  }

  removeInstance(artifactKey: string, instance: string): void {
    this.updatePlacements(artifactKey, (rows) => removeInstance(rows, instance));
  }

  /**
   * Removes a service's rows. `service.removed` names no artifact, so with
   * none given every artifact this task knows is swept.
   */
  removeService(service: string, environment: string | undefined, artifactKey?: string): void {
    const keys =
      artifactKey === undefined
        ? [...this.stores.placements.entries()].map(([key]) => key)
        : [artifactKey];
    for (const key of keys) {
      this.updatePlacements(key, (rows) => removeService(rows, service, environment));
    }
  }

  recordScan(artifactKey: string, scan: ScanSummary): void {
    this.updateFacts(artifactKey, (facts) => recordScan(facts, scan));
  }

  /** Notes a build of the artifact at `at`; true when that moved its first build earlier. */
  recordOrigin(artifactKey: string, at: number): boolean {
    const before = this.stores.facts.get(artifactKey)?.firstBuiltAt;
    this.updateFacts(artifactKey, (facts) => recordOrigin(facts, at));
    return before === undefined || at < before;
  }

  changeStartOf(change: string): number | undefined {
    return this.stores.changes.get(change)?.startedAt;
  }

  /** artifact.packaged of `artifactKey` at `at` names `change`. */
  linkChange(artifactKey: string, change: string, at: number): ChangeEntry {
    this.updateFacts(artifactKey, (facts) => ({
      ...facts,
      changes: earliestLinks(facts?.changes, change, at),
    }));
    return this.updateChange(change, at, (entry) => ({
      ...entry,
      artifacts: earliestLinks(entry?.artifacts, artifactKey, at),
    }));
  }

  /** A change.created / change.merged at `at`: the entry, and whether its start moved earlier. */
  recordChangeStart(change: string, at: number): { entry: ChangeEntry; earlier: boolean } {
    const before = this.stores.changes.get(change)?.startedAt;
    const entry = this.updateChange(change, at, (current) => ({
      artifacts: current?.artifacts ?? {},
      startedAt: before === undefined ? at : Math.min(before, at),
    }));
    return { entry, earlier: before === undefined || at < before };
  }

  /** A location registered again without an environment label forgets the old one. */
  setClusterEnvironment(cluster: string, environment: string | undefined): void {
    const current = this.stores.clusterEnvironments.get(cluster);
    if (current === environment) return;
    if (environment === undefined) this.stores.clusterEnvironments.delete(cluster);
    else this.stores.clusterEnvironments.put(cluster, environment);
  }

  private updatePlacements(
    artifactKey: string,
    change: (rows: readonly Placement[] | undefined) => Placement[],
  ): void {
    const current = this.stores.placements.get(artifactKey);
    const next = change(current);
    if (samePlacements(current, next)) return;
    if (next.length === 0) this.stores.placements.delete(artifactKey);
    else this.stores.placements.put(artifactKey, next);
  }

  private updateChange(
    change: string,
    at: number,
    update: (entry: ChangeEntry | undefined) => Omit<ChangeEntry, 'touchedAt'>,
  ): ChangeEntry {
    const current = this.stores.changes.get(change);
    const next: ChangeEntry = {
      ...update(current),
      touchedAt: Math.max(current?.touchedAt ?? at, at),
    };
    if (JSON.stringify(current) !== JSON.stringify(next)) this.stores.changes.put(change, next);
    if (current === undefined) this.evictChanges();
    return next;
  }

  /** Bounded: past MAX_CHANGES, the tenth least recently touched go. */
  private evictChanges(): void {
    // the size first: copying the table for every new change made a full table cost O(n) per change
    if (this.stores.changes.size <= MAX_CHANGES) return;
    const entries = [...this.stores.changes.entries()];
    entries.sort(([, a], [, b]) => a.touchedAt - b.touchedAt);
    for (const [key] of entries.slice(0, Math.ceil(MAX_CHANGES / 10)))
      this.stores.changes.delete(key);
  }

  private updateFacts(
    artifactKey: string,
    change: (facts: ArtifactFacts | undefined) => ArtifactFacts,
  ): void {
    const current = this.stores.facts.get(artifactKey);
    const next = change(current);
    if (!sameFacts(current, next)) this.stores.facts.put(artifactKey, next);
  }
}
