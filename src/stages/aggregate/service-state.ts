/**
 * Per service+environment state of the aggregate: which windows are still to
 * be emitted (so a known service gets a zero for a quiet window) and what was
 * deployed last. The timeline the metrics are computed from is stored apart,
 * entry by entry (timeline-store.ts), so this record stays small.
 */
import type { Window } from '../../domain/dora/index.js';
import { isWindowClosed, windowsFor } from '../../runtime/windows.js';
import { withNewest } from './deployment-history.js';
import { entryOf } from './entrywise-records.js';
import type { NamedWindowSpec } from './options.js';

export interface ServiceState {
  readonly service: string;
  readonly environment: string;
  /** per window spec name: start of the next window to emit */
  readonly nextWindowStart: Readonly<Record<string, number>>;
  /** artifact of the latest deployment or rollback, by event time */
  readonly lastDeployed?:
    { readonly artifact: string | undefined; readonly since: number } | undefined;
  /** event time of a service.removed: windows stop after the one that holds it */
  readonly removedAt?: number | undefined;
  /**
   * event time of the latest deployment, rollout, rollback or incident of
   * the service: `retireAfterMs` after it, its windows stop as after a removal
   */
  readonly lastFactAt?: number | undefined;
  /** changed since the last early update */
  readonly earlyPending?: boolean | undefined;
}

/** The artifact's origin, the earliest known; artifacts whose origin a service keeps are the newest (bounded state). */
export function recordOrigin(
  origins: Readonly<Record<string, number>> | undefined,
  artifact: string,
  time: number,
): Readonly<Record<string, number>> {
  const current = entryOf(origins, artifact);
  if (origins !== undefined && current !== undefined && current <= time) return origins;
  return withNewest(origins, artifact, time, (start) => start);
}

/**
 * Where a deployment's lead time starts: the earliest origin of its artifact
 * at or before the deployment, from what the join knew when it passed
 * (cdsleadtimestart) and what it sent later. Both only ever move earlier,
 * so an earliest value at or before the deployment is the right one.
 */
export function leadTimeStartOf(
  deployedAt: number,
  ...candidates: readonly (number | undefined)[]
): number | undefined {
  let start: number | undefined;
  for (const candidate of candidates) {
    if (candidate === undefined || candidate > deployedAt) continue;
    if (start === undefined || candidate < start) start = candidate;
  }
  return start;
}

/** The earliest window of `spec` that holds `time` and is not closed yet. */
export function firstOpenWindowStart(
  spec: NamedWindowSpec,
  time: number,
  watermark: number,
): number {
  const earliest = windowsFor(spec, time)[0]?.start ?? time;
  if (!Number.isFinite(watermark) || earliest + spec.sizeMs > watermark) return earliest;
  return Math.floor((watermark - spec.sizeMs) / spec.advanceMs) * spec.advanceMs + spec.advanceMs;
}

export function newServiceState(
  scope: { service: string; environment: string },
  time: number,
  windows: readonly NamedWindowSpec[],
  watermark: number,
): ServiceState {
  const nextWindowStart: Record<string, number> = {};
  for (const spec of windows)
    nextWindowStart[spec.name] = firstOpenWindowStart(spec, time, watermark);
  return {
    service: scope.service,
    environment: scope.environment,
    nextWindowStart,
    lastFactAt: time,
  };
}

/** Windows holding `time` that are already closed: the record is late for them. */
export function missedWindows(
  windows: readonly NamedWindowSpec[],
  time: number,
  watermark: number,
): { name: string; window: Window }[] {
  return windows.flatMap((spec) =>
    windowsFor(spec, time)
      .filter((window) => isWindowClosed(window, watermark))
      .map((window) => ({ name: spec.name, window })),
  );
}

/**
 * When a service's windows stop: at its removal, or `retireAfterMs` after its
 * last fact, whichever is first (undefined: never).
 */
function lastWindowTime(
  state: ServiceState & { readonly lastFactAt: number },
  retireAfterMs: number | undefined,
): number | undefined {
  const retiresAt = retireAfterMs === undefined ? undefined : state.lastFactAt + retireAfterMs;
  if (state.removedAt === undefined) return retiresAt;
  return retiresAt === undefined ? state.removedAt : Math.min(state.removedAt, retiresAt);
}

/**
 * Calls `emit` for every window of every spec that the watermark has closed,
 * oldest first, and returns the state that remains (undefined when a removed
 * or retired service has emitted its last window: the windows that hold its
 * removal or retirement time) and the horizon: no window still to be emitted
 * starts before it, so the timeline can forget what is older.
 */
export function closeWindows(
  state: ServiceState,
  windows: readonly NamedWindowSpec[],
  watermark: number,
  emit: (spec: NamedWindowSpec, window: Window) => void,
  retireAfterMs?: number,
): { state: ServiceState | undefined; emitted: number; horizon: number } {
  // a state kept from before `lastFactAt` existed counts from its first close
  const dated = { ...state, lastFactAt: state.lastFactAt ?? watermark };
  const nextWindowStart: Record<string, number> = { ...state.nextWindowStart };
  const lastStart = lastWindowTime(dated, retireAfterMs) ?? Number.POSITIVE_INFINITY;
  let emitted = 0;
  for (const spec of windows) {
    let start = nextWindowStart[spec.name] ?? firstOpenWindowStart(spec, watermark, watermark);
    while (start <= lastStart && isWindowClosed({ start, end: start + spec.sizeMs }, watermark)) {
      emit(spec, { start, end: start + spec.sizeMs });
      emitted++;
      start += spec.advanceMs;
    }
    nextWindowStart[spec.name] = start;
  }
  const horizon = Math.min(...Object.values(nextWindowStart));
  if (emitted === 0) return { state, emitted, horizon };
  if (horizon > lastStart) return { state: undefined, emitted, horizon };
  return { state: { ...dated, nextWindowStart }, emitted, horizon };
}
