import { changeFailureRateBand, type DoraBand } from './bands.js';
import {
  inWindow,
  type ServiceTimeline,
  type TimelineDeployment,
  type Window,
} from './timeline.js';

/**
 * Change failure rate of one service in one environment over one window:
 * failed deployments / deployments, for the deployments made in the window.
 *
 * A deployment is failed when
 * - it is rolled back: the latest deployment before a `service.rolledback`; or
 * - an incident is linked to it: when the incident names an artifact, the
 *   latest deployment of that artifact at or before the detection; otherwise
 *   the deployment running when the incident was detected (the latest at or
 *   before it, i.e. detected after it and before the next deployment).
 *
 * Anchors: DORA ("percentage of deployments causing a failure in
 * production"); Four Keys and DevLake link incidents to the deployment that
 * preceded them the same way. We count failed deployments, not incidents, on
 * purpose: three incidents caused by one deployment are one failed change
 * (Four Keys divides incidents by deployments and can exceed 100 %).
 * Failures are counted as known when the window closes (watermark past its
 * end): an incident detected later does not re-open an emitted window.
 */
export interface ChangeFailureRate {
  readonly deployments: number;
  readonly failedDeployments: number;
  readonly rolledBackDeployments: number;
  readonly incidentLinkedDeployments: number;
  /** undefined when the window has no deployment */
  readonly rate: number | undefined;
  readonly band: DoraBand | undefined;
}

function latestAtOrBefore(
  deployments: readonly TimelineDeployment[],
  time: number,
  matches: (deployment: TimelineDeployment) => boolean = () => true,
): TimelineDeployment | undefined {
  let latest: TimelineDeployment | undefined;
  for (const deployment of deployments) {
    if (deployment.time > time) break;
    if (matches(deployment)) latest = deployment;
  }
  return latest;
}

/** Event ids of the deployments a rollback undid, and of those an incident is linked to. */
export function failedDeployments(timeline: ServiceTimeline): {
  rolledBack: Set<string>;
  incidentLinked: Set<string>;
} {
  const rolledBack = new Set<string>();
  const incidentLinked = new Set<string>();
  for (const rollback of timeline.rollbacks) {
    const undone = latestAtOrBefore(timeline.deployments, rollback.time - 1);
    if (undone) rolledBack.add(undone.eventId);
  }
  for (const detection of timeline.detections) {
    const linked =
      detection.artifact === undefined
        ? latestAtOrBefore(timeline.deployments, detection.time)
        : latestAtOrBefore(
            timeline.deployments,
            detection.time,
            (deployment) => deployment.artifact === detection.artifact,
          );
    if (linked) incidentLinked.add(linked.eventId);
  }
  return { rolledBack, incidentLinked };
}

export function changeFailureRate(timeline: ServiceTimeline, window: Window): ChangeFailureRate {
  const { rolledBack, incidentLinked } = failedDeployments(timeline);
  const deployments = timeline.deployments.filter((entry) => inWindow(entry.time, window));
  const count = (ids: Set<string>) => deployments.filter((entry) => ids.has(entry.eventId)).length;
  const failed = deployments.filter(
    (entry) => rolledBack.has(entry.eventId) || incidentLinked.has(entry.eventId),
  ).length;
  const rate = deployments.length === 0 ? undefined : failed / deployments.length;
  return {
    deployments: deployments.length,
    failedDeployments: failed,
    rolledBackDeployments: count(rolledBack),
    incidentLinkedDeployments: count(incidentLinked),
    rate,
    band: rate === undefined ? undefined : changeFailureRateBand(rate),
  };
}
