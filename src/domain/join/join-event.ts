/**
 * The join of one event: update the tables from what the event says, then
 * decide what leaves the stage. Every event leaves (a scan report possibly
 * several times, once per service running the scanned image); only the copies
 * of a broadcast that another task forwards are dropped.
 */
import { withExtensions, type CloudEventEnvelope } from '../../cloudevents/envelope.js';
import { EXTENSIONS } from '../../cloudevents/extensions.js';
import type { ExtensionValue } from '../../cloudevents/types.js';
import { incidentPlacementOf, servicePlacementOf } from './cdevent-fields.js';
import { changeStartFor, changeSubjectOf, packagedChangeOf } from './changes.js';
import { baseType, joinEventKind } from './event-kinds.js';
import {
  artifactKeyOfEvent,
  deploymentExtensions,
  outputKey,
  scanSummaryOf,
} from './extensions.js';
import type { JoinTables } from './join-tables.js';
import { locationEnvironment } from './location.js';
import { likeliestService, servicesRunning } from './placements.js';
import { replicaSetInstance, replicaSetWorkload } from './replicaset.js';

export interface JoinInput {
  readonly event: CloudEventEnvelope;
  /** event time, epoch ms: the Kafka record timestamp ingest wrote */
  readonly eventTime: number;
  /**
   * Ingest broadcasts `location.created` to every partition; only the task
   * reading partition 0 forwards it, so it leaves the stage once.
   */
  readonly forwardsBroadcasts: boolean;
}

export type JoinCount =
  'event_enriched' | 'event_passthrough' | 'incident_unenriched' | 'broadcast_copy_skipped';

export interface JoinOutput {
  readonly key: string;
  readonly event: CloudEventEnvelope;
}

export interface JoinOutcome {
  readonly outputs: readonly JoinOutput[];
  readonly counts: readonly JoinCount[];
  /**
   * An artifact's origin (build, package, publish) once more for every
   * service and environment it ran in so far: for lead time downstream,
   * where the deployment may already have gone.
   */
  readonly originFacts?: readonly JoinOutput[];
  /**
   * An artifact's change start (`cdschangestart`) for every service and
   * environment it ran in so far, once the join knows both the packaged
   * event naming the change and the change's start; `time`, the later of the
   * two, is when it holds in event time.
   */
  readonly changeFacts?: readonly (JoinOutput & { readonly time: number })[];
}

type Handler = (input: JoinInput, tables: JoinTables) => JoinOutcome;

const HANDLERS: Readonly<Record<ReturnType<typeof joinEventKind>, Handler>> = {
  deployment: joinDeployment,
  'service-removed': joinServiceRemoved,
  'service-published': joinNamedService,
  incident: joinIncident,
  'artifact-origin': joinArtifactOrigin,
  'change-start': joinChangeStart,
  'scan-report': joinScanReport,
  'replicaset-upsert': (input, tables) => joinReplicaSet(input, tables, 'upsert'),
  'replicaset-delete': (input, tables) => joinReplicaSet(input, tables, 'delete'),
  location: joinLocation,
  other: joinArtifactEvent,
};

export function joinEvent(input: JoinInput, tables: JoinTables): JoinOutcome {
  return HANDLERS[joinEventKind(input.event.attributes.type)](input, tables);
}

function enriched(
  event: CloudEventEnvelope,
  service: string,
  environment: string | undefined,
  extra: Readonly<Record<string, ExtensionValue | undefined>> = {},
): JoinOutput {
  return {
    key: outputKey(event, service, environment),
    event: withExtensions(event, {
      ...extra,
      [EXTENSIONS.service]: service,
      [EXTENSIONS.environment]: environment,
    }),
  };
}

const one = (output: JoinOutput, count: JoinCount): JoinOutcome => ({
  outputs: [output],
  counts: [count],
});

const passThrough = (event: CloudEventEnvelope, ...counts: JoinCount[]): JoinOutcome => ({
  outputs: [{ key: outputKey(event, undefined, undefined), event }],
  counts: ['event_passthrough', ...counts],
});

function joinDeployment({ event, eventTime }: JoinInput, tables: JoinTables): JoinOutcome {
  const { service, environment } = servicePlacementOf(event.data);
  const artifactKey = artifactKeyOfEvent(event);
  if (service === undefined || environment === undefined) return passThrough(event);
  if (artifactKey === undefined)
    return one(enriched(event, service, environment), 'event_enriched');
  tables.place(artifactKey, {
    service,
    environment,
    since: eventTime,
    source: event.attributes.source,
    eventId: event.attributes.id,
  });
  const facts = tables.factsOf(artifactKey);
  const changeStart = changeStartFor(
    facts?.changes,
    (change) => tables.changeStartOf(change),
    eventTime,
  );
  const extra = deploymentExtensions(facts, changeStart);
  return one(enriched(event, service, environment, extra), 'event_enriched');
}

function joinServiceRemoved(input: JoinInput, tables: JoinTables): JoinOutcome {
  const { service, environment } = servicePlacementOf(input.event.data);
  if (service !== undefined) {
    tables.removeService(service, environment, artifactKeyOfEvent(input.event));
  }
  return joinNamedService(input);
}

function joinNamedService({ event }: JoinInput): JoinOutcome {
  const { service, environment } = servicePlacementOf(event.data);
  if (service === undefined) return passThrough(event);
  return one(enriched(event, service, environment), 'event_enriched');
}

/**
 * The event's own service and environment win; the table fills what is
 * missing. The CDEvent itself is not changed: the answer travels in
 * extensions, so the data stays exactly what the producer sent.
 */
function joinIncident({ event }: JoinInput, tables: JoinTables): JoinOutcome {
  const named = incidentPlacementOf(event.data);
  const artifactKey = artifactKeyOfEvent(event);
  const known =
    artifactKey === undefined
      ? undefined
      : likeliestService(tables.placementsOf(artifactKey), named.environment);
  const service = named.service ?? known?.service;
  if (service === undefined) return passThrough(event, 'incident_unenriched');
  return one(enriched(event, service, named.environment ?? known?.environment), 'event_enriched');
}

function placesOf(
  tables: JoinTables,
  artifactKey: string,
): { service: string; environment: string }[] {
  const places = new Map<string, { service: string; environment: string }>();
  for (const { service, environment } of tables.placementsOf(artifactKey)) {
    places.set(JSON.stringify([service, environment]), { service, environment });
  }
  return [...places.values()];
}

function changeFactsOf(
  event: CloudEventEnvelope,
  tables: JoinTables,
  artifactKey: string,
  changeStart: number,
  time: number,
): (JoinOutput & { time: number })[] {
  return placesOf(tables, artifactKey).map(({ service, environment }) => ({
    ...enriched(event, service, environment, {
      [EXTENSIONS.artifactKey]: artifactKey,
      [EXTENSIONS.changeLeadTimeStart]: new Date(changeStart).toISOString(),
    }),
    time,
  }));
}

function joinArtifactOrigin(input: JoinInput, tables: JoinTables): JoinOutcome {
  const artifactKey = artifactKeyOfEvent(input.event);
  if (artifactKey === undefined) return joinArtifactEvent(input, tables);
  const earlier = tables.recordOrigin(artifactKey, input.eventTime);
  const change =
    baseType(input.event.attributes.type) === PACKAGED
      ? packagedChangeOf(input.event.data)
      : undefined;
  const startedAt =
    change === undefined
      ? undefined
      : tables.linkChange(artifactKey, change, input.eventTime).startedAt;
  return {
    ...joinArtifactEvent(input, tables),
    // a build no earlier than the first one known tells the aggregate
    // nothing: each place got that first build on its deployment, or as a
    // fact when it moved earlier, and the aggregate keeps the earliest
    originFacts: earlier
      ? placesOf(tables, artifactKey).map(({ service, environment }) =>
          enriched(input.event, service, environment),
        )
      : [],
    ...(startedAt === undefined
      ? {}
      : {
          changeFacts: changeFactsOf(
            input.event,
            tables,
            artifactKey,
            startedAt,
            Math.max(input.eventTime, startedAt),
          ),
        }),
  };
}

const PACKAGED = 'dev.cdevents.artifact.packaged';

/**
 * A change started (created or merged): every artifact of this partition
 * packaged from it learns where its lead time from the change starts, when
 * that start moved earlier. Ingest broadcast the event to every partition;
 * it leaves the stage once, from partition 0's task.
 */
function joinChangeStart(input: JoinInput, tables: JoinTables): JoinOutcome {
  const { event, eventTime, forwardsBroadcasts } = input;
  const change = changeSubjectOf(event.data);
  const changeFacts: (JoinOutput & { time: number })[] = [];
  if (change !== undefined) {
    const { entry, earlier } = tables.recordChangeStart(change, eventTime);
    if (earlier)
      for (const [artifactKey, packagedAt] of Object.entries(entry.artifacts))
        changeFacts.push(
          ...changeFactsOf(event, tables, artifactKey, eventTime, Math.max(packagedAt, eventTime)),
        );
  }
  const forwarded: JoinOutcome = forwardsBroadcasts
    ? passThrough(event)
    : { outputs: [], counts: ['broadcast_copy_skipped'] };
  return changeFacts.length === 0 ? forwarded : { ...forwarded, changeFacts };
}

/** Any other event about an artifact gains the service that most recently ran it. */
function joinArtifactEvent({ event }: JoinInput, tables: JoinTables): JoinOutcome {
  const artifactKey = artifactKeyOfEvent(event);
  const known =
    artifactKey === undefined ? undefined : likeliestService(tables.placementsOf(artifactKey));
  if (known === undefined) return passThrough(event);
  return one(enriched(event, known.service, known.environment), 'event_enriched');
}

/**
 * A scan report is joined on the image digest alone: its source is the
 * cluster where the scan ran, which says nothing about where the image runs.
 */
function joinScanReport({ event, eventTime }: JoinInput, tables: JoinTables): JoinOutcome {
  const artifactKey = artifactKeyOfEvent(event);
  if (artifactKey === undefined) return passThrough(event);
  const scan = scanSummaryOf(event, eventTime);
  if (scan !== undefined) tables.recordScan(artifactKey, scan);
  const running = servicesRunning(tables.placementsOf(artifactKey));
  if (running.length === 0) return passThrough(event);
  return {
    outputs: running.map(({ service, environment }) => enriched(event, service, environment)),
    counts: running.map(() => 'event_enriched'),
  };
}

/**
 * A ReplicaSet with a `workload` container runs its image in the workload's
 * service, in the environment of its cluster (from location labels), else in
 * its namespace. Watches resync often and lose events, so every event is an
 * idempotent upsert or delete of the row of that one ReplicaSet; a Deployment
 * keeps its old ReplicaSets scaled to zero, which no longer run anything.
 */
function joinReplicaSet(
  { event, eventTime }: JoinInput,
  tables: JoinTables,
  operation: 'upsert' | 'delete',
): JoinOutcome {
  const artifactKey = artifactKeyOfEvent(event);
  const workload = replicaSetWorkload(event.data);
  if (artifactKey === undefined || workload === undefined) return passThrough(event);
  const cluster = event.attributes.source;
  const environment =
    tables.environmentOfCluster(cluster) ?? workload.namespace ?? DEFAULT_NAMESPACE;
  const instance = replicaSetInstance(cluster, workload);
  if (operation === 'delete' || workload.scaledToZero) {
    tables.removeInstance(artifactKey, instance);
  } else {
    tables.place(artifactKey, {
      service: workload.service,
      environment,
      since: workload.createdAt ?? eventTime,
      source: event.attributes.source,
      eventId: event.attributes.id,
      instance,
    });
  }
  return one(enriched(event, workload.service, environment), 'event_enriched');
}

const DEFAULT_NAMESPACE = 'default';

function joinLocation({ event, forwardsBroadcasts }: JoinInput, tables: JoinTables): JoinOutcome {
  const environment = locationEnvironment(event.data);
  tables.setClusterEnvironment(event.attributes.source, environment);
  if (!forwardsBroadcasts) return { outputs: [], counts: ['broadcast_copy_skipped'] };
  if (environment === undefined) return passThrough(event);
  return one(
    {
      key: event.attributes.source,
      event: withExtensions(event, { [EXTENSIONS.environment]: environment }),
    },
    'event_enriched',
  );
}
