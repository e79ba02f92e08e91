/**
 * Punctuations of the aggregate: final metrics of every window the
 * watermark has closed (zeros included for known services, until they are
 * removed or retired), and optional
 * early, non-final updates of the open windows. Both are generators that
 * yield after each service, so the task can send what is forwarded as it
 * goes (a day's close of every service is tens of thousands of records).
 */
import type { ServiceTimeline } from '../../domain/dora/index.js';
import type { ProcessorContext } from '../../runtime/processor.js';
import { windowsFor } from '../../runtime/windows.js';
import { forwardWindowMetrics } from './emit.js';
import { windowMetrics } from './metrics-data.js';
import type { ResolvedAggregateOptions } from './options.js';
import { closeWindows, type ServiceState } from './service-state.js';
import { STORES } from './stores.js';
import type { TimelineStore } from './timeline-store.js';

/** Services in key order, so that emission order does not depend on restore order. */
function sortedServices(context: ProcessorContext): [string, ServiceState][] {
  const store = context.keyValueStore<ServiceState>(STORES.services);
  return [...store.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Whether a window of any spec ends in (from, to]: windows are epoch-aligned,
 * so their ends are k·advance + size. Nothing can close otherwise.
 */
export function crossesWindowEnd(
  specs: readonly { readonly sizeMs: number; readonly advanceMs: number }[],
  from: number,
  to: number,
): boolean {
  if (!Number.isFinite(from)) return true;
  return specs.some(
    (spec) =>
      Math.floor((to - spec.sizeMs) / spec.advanceMs) >
      Math.floor((from - spec.sizeMs) / spec.advanceMs),
  );
}

export function* emitClosedWindows(
  context: ProcessorContext,
  options: ResolvedAggregateOptions,
  timelines: TimelineStore,
): Generator<void, void, undefined> {
  const store = context.keyValueStore<ServiceState>(STORES.services);
  for (const [key, state] of sortedServices(context)) {
    // read out of its columns only for a service with a window to close
    let timeline: ServiceTimeline | undefined;
    const result = closeWindows(
      state,
      options.windows,
      context.watermark,
      (spec, window) => {
        timeline ??= timelines.timeline(key);
        const scope = { ...state, window: spec.name, final: true };
        forwardWindowMetrics(
          context,
          options.source,
          state,
          windowMetrics(timeline, scope, window),
          'final',
        );
        options.count('windows.emitted');
      },
      options.retireAfterMs,
    );
    if (result.emitted === 0) continue;
    if (result.state) {
      store.put(key, result.state);
      timelines.prune(key, result.horizon);
    } else {
      store.delete(key);
      timelines.delete(key);
      options.count(state.removedAt === undefined ? 'services.retired' : 'services.removed');
    }
    yield;
  }
}

export function* emitEarlyUpdates(
  context: ProcessorContext,
  options: ResolvedAggregateOptions,
  timelines: TimelineStore,
): Generator<void, void, undefined> {
  const store = context.keyValueStore<ServiceState>(STORES.services);
  const streamTime = context.streamTime;
  if (!Number.isFinite(streamTime)) return;
  for (const [key, state] of sortedServices(context)) {
    if (!state.earlyPending) continue;
    const timeline = timelines.timeline(key);
    for (const spec of options.windows) {
      for (const window of windowsFor(spec, streamTime)) {
        if (window.end <= context.watermark) continue;
        const scope = { ...state, window: spec.name, final: false };
        forwardWindowMetrics(
          context,
          options.source,
          state,
          windowMetrics(timeline, scope, window),
          `early@${streamTime}`,
        );
        options.count('windows.early');
      }
    }
    store.put(key, { ...state, earlyPending: false });
    yield;
  }
}
