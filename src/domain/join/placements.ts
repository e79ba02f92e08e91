/**
 * The join table's value: where one artifact runs. A row says "this artifact
 * runs in service S, environment E, since T". Rows are kept newest first and
 * bounded, because the table is partitioned by artifact: when service S moves
 * from artifact A to B, A's row lives in another task and is not removed by
 * B's deployment. A's row keeps its `since`; which artifact a service runs
 * *now* is decided downstream, by stage 3, which is keyed by service and
 * environment and sees every deployment of it in order.
 */
export interface Placement {
  readonly service: string;
  readonly environment: string;
  /** when the artifact started running there, epoch ms */
  readonly since: number;
  /** CloudEvents source of the event that placed it */
  readonly source: string;
  /** CloudEvents id of that event */
  readonly eventId: string;
  /**
   * The Kubernetes object that runs it (`<cluster>/<namespace>/<replicaset>`),
   * for rows from ReplicaSet events: a ReplicaSet is added, updated and deleted
   * as one thing even when its labels or its cluster's environment change.
   */
  readonly instance?: string;
}

export interface ServiceEnvironment {
  readonly service: string;
  readonly environment: string;
}

/** Rows kept per artifact; the oldest go first. An artifact rarely runs in more than a handful of places. */
export const MAX_PLACEMENTS_PER_ARTIFACT = 32;

const identityOf = (row: Placement): string =>
  row.instance === undefined
    ? `service:${row.service}\u0000${row.environment}`
    : `instance:${row.instance}`;

const samePlace = (a: Placement, b: Placement): boolean =>
  a.service === b.service && a.environment === b.environment && a.since === b.since;

const newestFirst = (a: Placement, b: Placement): number => b.since - a.since;

/**
 * Adds or replaces the row with the same identity (its instance, else its
 * service and environment). Idempotent: the same event twice gives the same
 * rows. An event older than the row it would replace is stale and changes
 * nothing, so a late resync cannot move `since` back; a resync that says
 * what the row already says keeps the row (and the id of the event that
 * placed it), so it writes nothing to the changelog.
 */
export function upsertPlacement(
  rows: readonly Placement[] | undefined,
  row: Placement,
  max = MAX_PLACEMENTS_PER_ARTIFACT,
): Placement[] {
  const identity = identityOf(row);
  const existing = rows?.find((candidate) => identityOf(candidate) === identity);
  if (existing !== undefined && (existing.since > row.since || samePlace(existing, row))) {
    return [...(rows ?? [])];
  }
  const others = (rows ?? []).filter((candidate) => identityOf(candidate) !== identity);
  return [...others, row].sort(newestFirst).slice(0, max);
}

/** Removes the rows of one Kubernetes object; removing an unknown one is not an error. */
export function removeInstance(
  rows: readonly Placement[] | undefined,
  instance: string,
): Placement[] {
  return (rows ?? []).filter((row) => row.instance !== instance);
}

/** Removes a service's rows in one environment, or in every environment when none is given. */
export function removeService(
  rows: readonly Placement[] | undefined,
  service: string,
  environment?: string,
): Placement[] {
  return (rows ?? []).filter(
    (row) =>
      row.service !== service || (environment !== undefined && row.environment !== environment),
  );
}

/** Each (service, environment) that runs the artifact once, most recently placed first. */
export function servicesRunning(rows: readonly Placement[] | undefined): ServiceEnvironment[] {
  const seen = new Set<string>();
  const result: ServiceEnvironment[] = [];
  for (const row of [...(rows ?? [])].sort(newestFirst)) {
    const key = `${row.service}\u0000${row.environment}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ service: row.service, environment: row.environment });
  }
  return result;
}

/**
 * The service an event about the artifact most likely concerns: the newest
 * row in the environment the event names, else the newest row anywhere
 * (service names do not change between environments, environment names of
 * different tools may).
 */
export function likeliestService(
  rows: readonly Placement[] | undefined,
  environment?: string,
): ServiceEnvironment | undefined {
  const running = servicesRunning(rows);
  return running.find((candidate) => candidate.environment === environment) ?? running[0];
}

const sameRow = (a: Placement, b: Placement): boolean =>
  a.service === b.service &&
  a.environment === b.environment &&
  a.since === b.since &&
  a.source === b.source &&
  a.eventId === b.eventId &&
  a.instance === b.instance;

export function samePlacements(
  a: readonly Placement[] | undefined,
  b: readonly Placement[] | undefined,
): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return (
    left.length === right.length &&
    left.every((row, index) => sameRow(row, right[index] as Placement))
  );
}
