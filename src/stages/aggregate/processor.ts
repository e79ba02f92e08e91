/**
 * Stage 3's processor: reads enriched events keyed by service/environment,
 * keeps each service's timeline, deployed artifact and open incidents in
 * state stores, derives incidents as records arrive, and emits the DORA
 * metrics of every window when the watermark closes it.
 */
import { serviceEnvironmentKey } from '../../cloudevents/extensions.js';
import {
  accountProducerIncident,
  emptyFailureBurstState,
  emptyVulnerabilityState,
  evaluateFailureBurst,
  evaluateVulnerability,
  type FailureBurstState,
  type IncidentAction,
  type OpenProducerIncident,
  type VulnerabilityInput,
  type VulnerabilityState,
} from '../../domain/incidents/index.js';
import type { Processor, ProcessorContext } from '../../runtime/processor.js';
import type { InputRecord } from '../../runtime/record.js';
import type { EventValidator } from '../../validation/index.js';
import {
  OpenIncidentCounts,
  linkedTo,
  recordDeployment,
  recover,
  undoneBy,
  type DeploymentHistory,
} from './deployment-history.js';
import { forwardIncidents, type ServiceScope } from './emit.js';
import type { AttributedFact } from './prepare.js';
import type { ResolvedAggregateOptions } from './options.js';
import { STORES } from './stores.js';
import { TimelineStore, type StoredTimelineEntry } from './timeline-store.js';
import { migrateEmbeddedTimelines } from './timeline-migration.js';
import { crossesWindowEnd, emitClosedWindows, emitEarlyUpdates } from './window-emission.js';
import { ServiceRecords, type OriginStore } from './service-records.js';
import { leadTimeStartOf, newServiceState, type ServiceState } from './service-state.js';

export class AggregateProcessor implements Processor {
  private timelineStore: TimelineStore | undefined;
  private openIncidentCounts: OpenIncidentCounts | undefined;
  private serviceRecords: ServiceRecords | undefined;

  constructor(
    private readonly options: ResolvedAggregateOptions,
    private readonly validator: EventValidator,
  ) {}

  init(context: ProcessorContext): void {
    this.timelineStore = new TimelineStore(
      context.keyValueStore<StoredTimelineEntry>(STORES.timelines),
    );
    migrateEmbeddedTimelines(context, this.timelineStore);
    this.serviceRecords = new ServiceRecords(context);
    this.openIncidentCounts = new OpenIncidentCounts(
      context.keyValueStore<OpenProducerIncident>(STORES.producerIncidents),
    );
    const timelines = this.timelineStore;
    // the watermark moves with every record folded in event-time order; a
    // window can only close when it crosses a window end
    let last = Number.NEGATIVE_INFINITY;
    const options = this.options;
    // runs at nearly every record: a generator only when there is a window to close
    context.schedule('event-time', 0, () => {
      const watermark = context.watermark;
      if (!crossesWindowEnd(options.windows, last, watermark)) {
        last = watermark;
        return undefined;
      }
      return (function* () {
        yield* emitClosedWindows(context, options, timelines);
        last = watermark;
      })();
    });
    const early = options.earlyUpdateIntervalMs;
    if (early !== undefined) {
      context.schedule('wall-clock', early, () => emitEarlyUpdates(context, options, timelines));
    }
  }

  process(record: InputRecord, context: ProcessorContext): void {
    const attributed = record.prepared as AttributedFact | undefined;
    if (attributed === undefined) throw new Error('the aggregate reads only prepared records');
    switch (attributed.kind) {
      case 'deployment':
        this.deployment(attributed, record, context);
        return;
      case 'rollout':
        this.rollout(attributed, record, context);
        return;
      case 'rollback':
        this.rollback(attributed, record, context);
        return;
      case 'removal':
        this.removal(attributed, context);
        return;
      case 'rollout-deleted':
        this.vulnerability(
          attributed,
          { kind: 'removed', time: attributed.time, artifact: attributed.artifact },
          context,
        );
        return;
      case 'scan':
        if (attributed.artifact !== undefined && attributed.findings !== undefined) {
          this.vulnerability(
            attributed,
            {
              kind: 'scanned',
              time: attributed.time,
              artifact: attributed.artifact,
              findings: attributed.findings,
            },
            context,
          );
        }
        return;
      case 'incident':
        this.producerIncident(attributed, record, context);
        return;
      case 'outcome':
        this.outcome(attributed, attributed.failed, attributed.what, context);
        return;
      case 'origin':
        this.origin(attributed, STORES.artifactOrigins, attributed.time);
        return;
      case 'change-origin':
        this.origin(attributed, STORES.changeOrigins, attributed.changeLeadTimeStart);
        return;
    }
  }

  private deployment(
    fact: Extract<AttributedFact, { kind: 'deployment' | 'rollout' }>,
    record: InputRecord,
    context: ProcessorContext,
  ): void {
    const state = this.serviceState(fact, context);
    const key = this.keyOf(fact);
    if (this.timelines.hasDeployment(key, fact.eventId)) {
      this.options.count('deployments.duplicate');
      return;
    }
    const newer = state.lastDeployed === undefined || fact.time >= state.lastDeployed.since;
    const changesArtifact =
      newer && fact.artifact !== undefined && fact.artifact !== state.lastDeployed?.artifact;
    // a redeploy of the artifact already running delivers no change: no lead time
    const artifact = fact.artifact;
    const startOf = (carried: number | undefined, learnedLater: OriginStore) =>
      fact.kind === 'deployment' && changesArtifact && artifact !== undefined
        ? leadTimeStartOf(fact.time, carried, this.records.origin(learnedLater, key, artifact))
        : undefined;
    const leadTimeStart = startOf(
      fact.kind === 'deployment' ? fact.leadTimeStart : undefined,
      STORES.artifactOrigins,
    );
    const changeLeadTimeStart = startOf(
      fact.kind === 'deployment' ? fact.changeLeadTimeStart : undefined,
      STORES.changeOrigins,
    );
    const openIncidents = this.openIncidents.of(key);
    this.timelines.add({
      service: key,
      kind: 'deployments',
      entry: {
        eventId: fact.eventId,
        time: fact.time,
        artifact: fact.artifact,
        leadTimeStart,
        changeLeadTimeStart,
        openIncidents: openIncidents > 0 ? openIncidents : undefined,
      },
    });
    this.putService(context, {
      ...state,
      lastDeployed: newer ? { artifact: fact.artifact, since: fact.time } : state.lastDeployed,
    });
    this.putHistory(
      fact,
      recordDeployment(
        this.history(fact),
        { eventId: fact.eventId, time: fact.time },
        fact.artifact,
      ),
    );
    this.options.count('deployments.counted');
    this.deployedArtifact(fact, context);
  }

  /**
   * Where lead time starts (from the artifact, or from its change) for an
   * artifact this service ran, as the join learned it after the deployment.
   */
  private origin(
    fact: Extract<AttributedFact, { kind: 'origin' | 'change-origin' }>,
    storeName: OriginStore,
    start: number,
  ): void {
    if (fact.artifact === undefined) return;
    this.records.recordOrigin(storeName, this.keyOf(fact), fact.artifact, start);
  }

  /** A ReplicaSet of the workload: a deployment when configured and its digest is new. */
  private rollout(
    fact: Extract<AttributedFact, { kind: 'rollout' }>,
    record: InputRecord,
    context: ProcessorContext,
  ): void {
    if (fact.artifact === undefined) return;
    const known = context.keyValueStore<ServiceState>(STORES.services).get(this.keyOf(fact));
    const isNewDigest =
      known?.lastDeployed === undefined ||
      (fact.time >= known.lastDeployed.since && known.lastDeployed.artifact !== fact.artifact);
    if (this.options.countReplicaSetRollouts && isNewDigest) {
      this.deployment(fact, record, context);
      return;
    }
    this.deployedArtifact(fact, context);
  }

  private rollback(
    fact: Extract<AttributedFact, { kind: 'rollback' }>,
    record: InputRecord,
    context: ProcessorContext,
  ): void {
    const state = this.serviceState(fact, context);
    const key = this.keyOf(fact);
    if (this.timelines.hasRollback(key, fact.eventId)) {
      this.options.count('rollbacks.duplicate');
      return;
    }
    const newer = state.lastDeployed === undefined || fact.time >= state.lastDeployed.since;
    const history = this.history(fact);
    const recovery = recover(history, undoneBy(history, fact.time));
    this.putHistory(fact, recovery.history);
    this.timelines.add({
      service: key,
      kind: 'rollbacks',
      entry: { eventId: fact.eventId, time: fact.time, recovers: recovery.recovers },
    });
    this.putService(context, {
      ...state,
      lastDeployed: newer ? { artifact: fact.artifact, since: fact.time } : state.lastDeployed,
    });
    this.options.count('rollbacks.counted');
    this.deployedArtifact(fact, context);
    this.outcome(fact, true, 'rollback', context);
  }

  private removal(
    fact: Extract<AttributedFact, { kind: 'removal' }>,
    context: ProcessorContext,
  ): void {
    const services = context.keyValueStore<ServiceState>(STORES.services);
    const state = services.get(this.keyOf(fact));
    if (state)
      services.put(this.keyOf(fact), {
        ...state,
        removedAt: Math.max(fact.time, state.removedAt ?? fact.time),
      });
    this.vulnerability(fact, { kind: 'removed', time: fact.time }, context);
  }

  private deployedArtifact(fact: AttributedFact, context: ProcessorContext): void {
    if (fact.artifact === undefined) return;
    this.vulnerability(
      fact,
      {
        kind: 'deployed',
        time: fact.time,
        artifact: fact.artifact,
        purl: fact.artifactPurl,
        findings: fact.findings,
      },
      context,
    );
  }

  private vulnerability(
    scope: ServiceScope,
    input: VulnerabilityInput,
    context: ProcessorContext,
  ): void {
    const config = this.options.vulnerability;
    if (!config) return;
    const store = context.keyValueStore<VulnerabilityState>(STORES.vulnerabilities);
    const key = this.keyOf(scope);
    const result = evaluateVulnerability(
      store.get(key) ?? emptyVulnerabilityState(),
      input,
      config,
      key,
    );
    if (result.state.running === undefined && result.state.open.length === 0) store.delete(key);
    else store.put(key, result.state);
    this.emitIncidents(scope, result.actions, context);
  }

  private outcome(
    fact: AttributedFact,
    failed: boolean,
    what: string,
    context: ProcessorContext,
  ): void {
    const config = this.options.failureBurst;
    if (!config) return;
    const store = context.keyValueStore<FailureBurstState>(STORES.failureBursts);
    const key = this.keyOf(fact);
    const result = evaluateFailureBurst(
      store.get(key) ?? emptyFailureBurstState(),
      { eventId: fact.eventId, time: fact.time, failed, what },
      config,
      key,
    );
    store.put(key, result.state);
    this.emitIncidents(fact, result.actions, context);
  }

  private producerIncident(
    fact: Extract<AttributedFact, { kind: 'incident' }>,
    record: InputRecord,
    context: ProcessorContext,
  ): void {
    if (fact.source === this.options.source) {
      this.options.count('incidents.own-ignored');
      return;
    }
    const store = context.keyValueStore<OpenProducerIncident>(STORES.producerIncidents);
    const incidentKey = JSON.stringify([this.keyOf(fact), fact.incidentId]);
    const outcome = accountProducerIncident(store.get(incidentKey), fact);
    this.options.count(`incidents.producer.${outcome.kind}`);
    if (outcome.kind === 'duplicate') return;
    const state = this.serviceState(fact, context);
    const service = this.keyOf(fact);
    const history = this.history(fact);
    if (outcome.kind === 'opened') {
      const failedDeployment = linkedTo(history, fact.time, fact.artifact);
      if (!store.has(incidentKey)) this.openIncidents.opened(service);
      store.put(incidentKey, { ...outcome.open, failedDeployment });
      this.timelines.add({
        service,
        kind: 'detections',
        entry: { incidentId: fact.incidentId, time: fact.time, artifact: fact.artifact },
      });
    } else {
      const recovery = recover(history, store.get(incidentKey)?.failedDeployment);
      this.putHistory(fact, recovery.history);
      if (store.has(incidentKey)) this.openIncidents.closed(service);
      store.delete(incidentKey);
      this.timelines.add({
        service,
        kind: 'restorations',
        entry: {
          incidentId: fact.incidentId,
          resolvedAt: fact.time,
          detectedAt: outcome.kind === 'resolved' ? outcome.detectedAt : undefined,
          recovers: recovery.recovers,
        },
      });
    }
    this.putService(context, state);
  }

  private emitIncidents(
    scope: ServiceScope,
    actions: readonly IncidentAction[],
    context: ProcessorContext,
  ): void {
    if (actions.length === 0) return;
    const { validator, options } = this;
    forwardIncidents(context, validator, options.source, scope, actions, options.count);
  }

  private get timelines(): TimelineStore {
    if (!this.timelineStore) throw new Error('the aggregate processor was not initialised');
    return this.timelineStore;
  }

  private get openIncidents(): OpenIncidentCounts {
    if (!this.openIncidentCounts) throw new Error('the aggregate processor was not initialised');
    return this.openIncidentCounts;
  }

  private get records(): ServiceRecords {
    if (!this.serviceRecords) throw new Error('the aggregate processor was not initialised');
    return this.serviceRecords;
  }

  private history(scope: ServiceScope): DeploymentHistory {
    return this.records.history(this.keyOf(scope));
  }

  private putHistory(scope: ServiceScope, history: DeploymentHistory) {
    this.records.putHistory(this.keyOf(scope), history);
  }

  private keyOf(scope: ServiceScope): string {
    return serviceEnvironmentKey(scope.service, scope.environment);
  }

  private serviceState(fact: AttributedFact, context: ProcessorContext): ServiceState {
    const existing = context.keyValueStore<ServiceState>(STORES.services).get(this.keyOf(fact));
    if (!existing) return newServiceState(fact, fact.time, this.options.windows, context.watermark);
    const lastFactAt = Math.max(existing.lastFactAt ?? fact.time, fact.time);
    return { ...existing, removedAt: undefined, lastFactAt };
  }

  private putService(context: ProcessorContext, state: ServiceState): void {
    const pending = this.options.earlyUpdateIntervalMs === undefined ? undefined : true;
    context
      .keyValueStore<ServiceState>(STORES.services)
      .put(this.keyOf(state), { ...state, earlyPending: pending });
  }
}
