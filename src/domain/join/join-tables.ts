import {
  recordOrigin,
  recordScan,
  sameFacts,
  type ArtifactFacts,
  type ScanSummary,
} from './artifact-facts.js';
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
}

export interface JoinStores {
  /** artifact key → where the artifact runs */
  readonly placements: TableStore<Placement[]>;
  /** artifact key → latest scan and first build time */
  readonly facts: TableStore<ArtifactFacts>;
  /** cluster (location id, the CloudEvents source of its events) → environment */
  readonly clusterEnvironments: TableStore<string>;
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

  recordOrigin(artifactKey: string, at: number): void {
    this.updateFacts(artifactKey, (facts) => recordOrigin(facts, at));
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

  private updateFacts(
    artifactKey: string,
    change: (facts: ArtifactFacts | undefined) => ArtifactFacts,
  ): void {
    const current = this.stores.facts.get(artifactKey);
    const next = change(current);
    if (!sameFacts(current, next)) this.stores.facts.put(artifactKey, next);
  }
}
