import { leadTimeBand, type DoraBand } from './bands.js';
import { median, p90 } from './percentiles.js';
import {
  inWindow,
  type ServiceTimeline,
  type TimelineDeployment,
  type Window,
} from './timeline.js';

/**
 * Lead time for changes of one service in one environment over one window:
 * for each deployment in the window that put a new artifact in place and
 * carries `cdsleadtimestart` (the first build, package or publish time of
 * that artifact), deployment time − that start; the window's median and p90.
 *
 * Anchors: DORA ("time from code committed to code running in production");
 * Four Keys and DevLake start at the commit. cdstream starts at the first
 * build/package/publish of the artifact, the earliest point its events
 * carry, so it measures build-to-production and under-reads commit-to-build.
 * A redeploy of the artifact already running delivers no change and is left out.
 *
 * From the change (`change*` fields): when an `artifact.packaged` of the
 * deployed artifact names a `change` (id + source) and cdstream saw that
 * change's `change.created` or `change.merged`, the same deployment is also
 * a sample from the change: deployment time − the change's earliest
 * created/merged time. Only a packaged event and a change event at or before
 * the deployment count; with several, the earliest change time wins. This is
 * the start DORA means; `start` says which start the window's samples had.
 */
export type LeadTimeStart = 'artifact' | 'change' | 'mixed';

export interface LeadTime {
  readonly samples: number;
  readonly medianMs: number | undefined;
  readonly p90Ms: number | undefined;
  readonly band: DoraBand | undefined;
  readonly changeSamples: number;
  readonly changeMedianMs: number | undefined;
  readonly changeP90Ms: number | undefined;
  readonly changeBand: DoraBand | undefined;
  /** change: every sample also ran from its change; artifact: none did; undefined without samples */
  readonly start: LeadTimeStart | undefined;
}

function durationsFrom(
  deployments: readonly TimelineDeployment[],
  startOf: (deployment: TimelineDeployment) => number | undefined,
): number[] {
  const durations: number[] = [];
  for (const deployment of deployments) {
    const start = startOf(deployment);
    if (start !== undefined) durations.push(Math.max(0, deployment.time - start));
  }
  return durations;
}

export function leadTime(timeline: ServiceTimeline, window: Window): LeadTime {
  const deployments = timeline.deployments.filter((entry) => inWindow(entry.time, window));
  const durations = durationsFrom(deployments, (entry) => entry.leadTimeStart);
  const changeDurations = durationsFrom(deployments, (entry) =>
    entry.leadTimeStart === undefined ? undefined : entry.changeLeadTimeStart,
  );
  const medianMs = median(durations);
  const changeMedianMs = median(changeDurations);
  return {
    samples: durations.length,
    medianMs,
    p90Ms: p90(durations),
    band: medianMs === undefined ? undefined : leadTimeBand(medianMs),
    changeSamples: changeDurations.length,
    changeMedianMs,
    changeP90Ms: p90(changeDurations),
    changeBand: changeMedianMs === undefined ? undefined : leadTimeBand(changeMedianMs),
    start:
      durations.length === 0
        ? undefined
        : changeDurations.length === durations.length
          ? 'change'
          : changeDurations.length === 0
            ? 'artifact'
            : 'mixed',
  };
}
