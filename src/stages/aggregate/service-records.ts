/**
 * The aggregate's bounded records per service, stored entry by entry
 * (entrywise-records.ts): its deployment history (deployment-history.ts)
 * and where lead time starts for the artifacts it ran, from the artifact or
 * from its change, as the join learned it after the deployment. State
 * written before kept each record whole under the service's key; restored
 * from such a changelog, it moves into entries once, so an upgrade loses
 * nothing. Once restored, the records here are the only copy: the stores
 * only log changes (`forgetValues`), so no entry is held twice, once more
 * under its long JSON key.
 */
import type { RecoveredDeployment } from '../../domain/dora/index.js';
import type { ProcessorContext } from '../../runtime/processor.js';
import type { KeyValueStore } from '../../runtime/stores/key-value-store.js';
import type { DeploymentHistory } from './deployment-history.js';
import { EntrywiseRecords, entryOf, parseEntryKey, type Entries } from './entrywise-records.js';
import { recordOrigin } from './service-state.js';
import { STORES } from './stores.js';

/** what stays under the service's own key */
type LatestDeployments = Pick<DeploymentHistory, 'latest' | 'previous'>;
type WholeHistory = LatestDeployments &
  Partial<Pick<DeploymentHistory, 'byArtifact' | 'recovered'>>;

export type OriginStore = typeof STORES.artifactOrigins | typeof STORES.changeOrigins;

export class ServiceRecords {
  private readonly historyStore: KeyValueStore<unknown>;
  /** the history store's plain keys: service → latest deployments */
  private readonly latest = new Map<string, LatestDeployments>();
  private readonly byArtifact: EntrywiseRecords<RecoveredDeployment>;
  private readonly recovered: EntrywiseRecords<number>;
  private readonly origins: Readonly<Record<OriginStore, EntrywiseRecords<number>>>;

  constructor(context: ProcessorContext) {
    this.historyStore = context.keyValueStore<unknown>(STORES.deploymentHistory);
    this.byArtifact = new EntrywiseRecords(this.historyStore, 'artifact');
    this.recovered = new EntrywiseRecords(this.historyStore, 'recovered');
    this.adoptWholeHistories();
    for (const [key, value] of this.historyStore.entries()) {
      if (parseEntryKey(key) === undefined) this.latest.set(key, value as LatestDeployments);
    }
    this.historyStore.forgetValues(
      () => this.latest.size + this.byArtifact.size + this.recovered.size,
    );
    this.origins = {
      [STORES.artifactOrigins]: originRecords(context.keyValueStore(STORES.artifactOrigins)),
      [STORES.changeOrigins]: originRecords(context.keyValueStore(STORES.changeOrigins)),
    };
  }

  history(service: string): DeploymentHistory {
    const latest = this.latest.get(service);
    return {
      latest: latest?.latest,
      previous: latest?.previous,
      byArtifact: this.byArtifact.get(service) ?? {},
      recovered: this.recovered.get(service) ?? {},
    };
  }

  putHistory(service: string, history: DeploymentHistory): void {
    const held = this.latest.get(service);
    if (held?.latest !== history.latest || held?.previous !== history.previous) {
      const latest: LatestDeployments = { latest: history.latest, previous: history.previous };
      this.latest.set(service, latest);
      this.historyStore.put(service, latest);
    }
    this.byArtifact.put(service, history.byArtifact);
    this.recovered.put(service, history.recovered);
  }

  /** Where lead time starts for `artifact` on the service, as learned after its deployment. */
  origin(store: OriginStore, service: string, artifact: string): number | undefined {
    return entryOf(this.origins[store].get(service), artifact);
  }

  recordOrigin(store: OriginStore, service: string, artifact: string, start: number): void {
    const records = this.origins[store];
    records.put(service, recordOrigin(records.get(service), artifact, start));
  }

  private adoptWholeHistories(): void {
    for (const [key, value] of [...this.historyStore.entries()]) {
      if (parseEntryKey(key) !== undefined) continue;
      const { byArtifact, recovered, ...latest } = value as WholeHistory;
      if (byArtifact === undefined && recovered === undefined) continue;
      if (byArtifact !== undefined) this.byArtifact.adopt(key, byArtifact);
      if (recovered !== undefined) this.recovered.adopt(key, recovered);
      this.historyStore.put(key, latest);
    }
  }
}

function originRecords(store: KeyValueStore<unknown>): EntrywiseRecords<number> {
  const records = new EntrywiseRecords<number>(store, 'origin');
  for (const [key, value] of [...store.entries()]) {
    if (parseEntryKey(key) !== undefined) continue;
    records.adopt(key, value as Entries<number>);
    store.delete(key);
  }
  store.forgetValues(() => records.size);
  return records;
}
