import { failedDeploymentRecoveryTimeBand, type DoraBand } from './bands.js';
import { failedDeployments } from './change-failure-rate.js';
import { median, p90 } from './percentiles.js';
import {
  inWindow,
  type RecoveredDeployment,
  type ServiceTimeline,
  type Window,
} from './timeline.js';

/**
 * Failed deployment recovery time of one service in one environment over one
 * window: for each failed deployment (as change failure rate defines it:
 * rolled back, or an incident is linked to it) recovered in the window,
 * recovery time − deployment time; the window's median and p90.
 *
 * Anchors: DORA 2023 ("how long it takes to recover from a failed
 * deployment"); Apache DevLake measures it the same way, from the deployment
 * to the resolution of the incident it caused.
 *
 * The recovery of a failed deployment is the first, in event time, of
 * - the rollback that undid it, and
 * - the resolution of an incident linked to it.
 * A later deployment is not a recovery by itself: CDEvents do not say whether
 * it fixed anything (a forward fix shows as the incident's resolution). A
 * deployment recovered twice (rolled back, then its incident resolved) counts
 * once, at the first. A recovery counts in the window that holds its time,
 * as time to restore counts a resolution.
 *
 * `unrecovered`: failed deployments made in the window whose failure was
 * known before the window's end and that had no recovery before it.
 *
 * The aggregate notes the recovered deployment on the rollback or
 * restoration entry when it folds it in (`recovers`), so a recovery still
 * counts after the timeline has forgotten a deployment older than the
 * windows left to emit.
 */
export interface FailedDeploymentRecoveryTime {
  readonly recoveries: number;
  readonly unrecovered: number;
  readonly medianMs: number | undefined;
  readonly p90Ms: number | undefined;
  readonly band: DoraBand | undefined;
}

interface Recovery {
  readonly time: number;
  readonly recovers: RecoveredDeployment;
}

function recoveriesOf(timeline: ServiceTimeline): Recovery[] {
  const recoveries: Recovery[] = [];
  for (const rollback of timeline.rollbacks)
    if (rollback.recovers) recoveries.push({ time: rollback.time, recovers: rollback.recovers });
  for (const restoration of timeline.restorations)
    if (restoration.recovers)
      recoveries.push({ time: restoration.resolvedAt, recovers: restoration.recovers });
  return recoveries;
}

export function failedDeploymentRecoveryTime(
  timeline: ServiceTimeline,
  window: Window,
): FailedDeploymentRecoveryTime {
  const recoveries = recoveriesOf(timeline);
  const durations = recoveries
    .filter((recovery) => inWindow(recovery.time, window))
    .map((recovery) => Math.max(0, recovery.time - recovery.recovers.time));
  const medianMs = median(durations);
  return {
    recoveries: durations.length,
    unrecovered: unrecoveredIn(timeline, window, recoveries),
    medianMs,
    p90Ms: p90(durations),
    band: medianMs === undefined ? undefined : failedDeploymentRecoveryTimeBand(medianMs),
  };
}

function unrecoveredIn(
  timeline: ServiceTimeline,
  window: Window,
  recoveries: readonly Recovery[],
): number {
  const before = (time: number) => time < window.end;
  const { rolledBack, incidentLinked } = failedDeployments({
    ...timeline,
    rollbacks: timeline.rollbacks.filter((entry) => before(entry.time)),
    detections: timeline.detections.filter((entry) => before(entry.time)),
  });
  const recovered = new Set(
    recoveries.filter((recovery) => before(recovery.time)).map((r) => r.recovers.eventId),
  );
  return timeline.deployments.filter(
    (entry) =>
      inWindow(entry.time, window) &&
      (rolledBack.has(entry.eventId) || incidentLinked.has(entry.eventId)) &&
      !recovered.has(entry.eventId),
  ).length;
}
