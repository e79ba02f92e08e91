/**
 * What the DORA maths needs to remember of one service in one environment:
 * the recent deployments, rollbacks, incident detections and restorations,
 * each at its event time. Windows are computed from it when they close, so
 * the result does not depend on the order in which records arrived, and one
 * timeline serves any number of window specs (tumbling and hopping).
 *
 * Plain JSON data: it lives in a state store and its changelog.
 */
export interface TimelineDeployment {
  /** the event's identity (CloudEvents source + id), for dedupe of re-sent events */
  readonly eventId: string;
  readonly time: number;
  /** artifact key (image digest or canonical purl); undefined when the event names none */
  readonly artifact?: string | undefined;
  /** lead-time start of the artifact, epoch ms, when the deployment changed the running artifact */
  readonly leadTimeStart?: number | undefined;
  /**
   * lead-time start from the change the artifact was packaged from (its
   * earliest change.created / change.merged), epoch ms, under the same
   * condition as `leadTimeStart`
   */
  readonly changeLeadTimeStart?: number | undefined;
  /** producer incidents open on this service/environment at the deployment's time (absent: none) */
  readonly openIncidents?: number | undefined;
}

/**
 * A failed deployment (see change failure rate) that an entry recovered, as
 * known when the entry was folded in: the timeline may since have forgotten
 * the deployment itself (it is pruned once its windows are emitted).
 */
export interface RecoveredDeployment {
  readonly eventId: string;
  readonly time: number;
}

export interface TimelineRollback {
  readonly eventId: string;
  readonly time: number;
  /** the failed deployment this rollback was the first recovery of */
  readonly recovers?: RecoveredDeployment | undefined;
}

export interface TimelineDetection {
  readonly incidentId: string;
  readonly time: number;
  /** the artifact the incident names, matched before time to a deployment */
  readonly artifact?: string | undefined;
}

export interface TimelineRestoration {
  readonly incidentId: string;
  readonly resolvedAt: number;
  /** undefined when the resolve came without an open incident (counted, no duration) */
  readonly detectedAt?: number | undefined;
  /** the failed deployment (linked to this incident) this resolution was the first recovery of */
  readonly recovers?: RecoveredDeployment | undefined;
}

export interface ServiceTimeline {
  readonly deployments: readonly TimelineDeployment[];
  readonly rollbacks: readonly TimelineRollback[];
  readonly detections: readonly TimelineDetection[];
  readonly restorations: readonly TimelineRestoration[];
}

export const emptyTimeline = (): ServiceTimeline => ({
  deployments: [],
  rollbacks: [],
  detections: [],
  restorations: [],
});

const byTime = <T extends { time: number }>(entries: readonly T[]): T[] =>
  [...entries].sort((a, b) => a.time - b.time);

export function addDeployment(
  timeline: ServiceTimeline,
  deployment: TimelineDeployment,
): ServiceTimeline {
  return { ...timeline, deployments: byTime([...timeline.deployments, deployment]) };
}

export function addRollback(
  timeline: ServiceTimeline,
  rollback: TimelineRollback,
): ServiceTimeline {
  return { ...timeline, rollbacks: byTime([...timeline.rollbacks, rollback]) };
}

export function addDetection(
  timeline: ServiceTimeline,
  detection: TimelineDetection,
): ServiceTimeline {
  return { ...timeline, detections: byTime([...timeline.detections, detection]) };
}

export function addRestoration(
  timeline: ServiceTimeline,
  restoration: TimelineRestoration,
): ServiceTimeline {
  const restorations = [...timeline.restorations, restoration].sort(
    (a, b) => a.resolvedAt - b.resolvedAt,
  );
  return { ...timeline, restorations };
}

export interface Window {
  readonly start: number;
  readonly end: number;
}

export const inWindow = (time: number, window: Window): boolean =>
  time >= window.start && time < window.end;
