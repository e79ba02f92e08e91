import { leadTimeBand, type DoraBand } from './bands.js';
import { median, p90 } from './percentiles.js';
import { inWindow, type ServiceTimeline, type Window } from './timeline.js';

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
 */
export interface LeadTime {
  readonly samples: number;
  readonly medianMs: number | undefined;
  readonly p90Ms: number | undefined;
  readonly band: DoraBand | undefined;
}

export function leadTime(timeline: ServiceTimeline, window: Window): LeadTime {
  const durations: number[] = [];
  for (const deployment of timeline.deployments) {
    if (deployment.leadTimeStart === undefined || !inWindow(deployment.time, window)) continue;
    durations.push(Math.max(0, deployment.time - deployment.leadTimeStart));
  }
  const medianMs = median(durations);
  return {
    samples: durations.length,
    medianMs,
    p90Ms: p90(durations),
    band: medianMs === undefined ? undefined : leadTimeBand(medianMs),
  };
}
