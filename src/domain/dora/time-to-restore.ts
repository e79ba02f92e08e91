import { timeToRestoreBand, type DoraBand } from './bands.js';
import { median, p90 } from './percentiles.js';
import { inWindow, type ServiceTimeline, type Window } from './timeline.js';

/**
 * Time to restore service of one service in one environment over one window:
 * for each incident resolved in the window, resolved time − detected time
 * (the first `detected` or `reported` of the incident), and the window's
 * median and p90 of those durations.
 *
 * Anchors: DORA "time to restore service" (2023: "failed deployment recovery
 * time"); Four Keys and DevLake take incident creation → resolution and
 * bucket by resolution time, as we do. A resolve without an open incident is
 * counted as `unmatchedResolutions` and has no duration.
 */
export interface Restoration {
  readonly incidentId: string;
  readonly detectedAt: number;
  readonly resolvedAt: number;
  readonly durationMs: number;
}

export interface TimeToRestore {
  readonly restorations: readonly Restoration[];
  readonly unmatchedResolutions: number;
  readonly medianMs: number | undefined;
  readonly p90Ms: number | undefined;
  readonly band: DoraBand | undefined;
}

export function timeToRestore(timeline: ServiceTimeline, window: Window): TimeToRestore {
  const resolved = timeline.restorations.filter((entry) => inWindow(entry.resolvedAt, window));
  const restorations: Restoration[] = [];
  for (const entry of resolved) {
    if (entry.detectedAt === undefined) continue;
    restorations.push({
      incidentId: entry.incidentId,
      detectedAt: entry.detectedAt,
      resolvedAt: entry.resolvedAt,
      durationMs: entry.resolvedAt - entry.detectedAt,
    });
  }
  const durations = restorations.map((restoration) => restoration.durationMs);
  const medianMs = median(durations);
  return {
    restorations,
    unmatchedResolutions: resolved.length - restorations.length,
    medianMs,
    p90Ms: p90(durations),
    band: medianMs === undefined ? undefined : timeToRestoreBand(medianMs),
  };
}
