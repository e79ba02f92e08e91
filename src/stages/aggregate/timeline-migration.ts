/**
 * State written before timelines were stored entry by entry kept each
 * service's whole timeline inside its service record. Restored from such a
 * changelog, the entries move to the timeline store once, so an upgrade
 * loses nothing.
 */
import type { ServiceTimeline } from '../../domain/dora/index.js';
import type { ProcessorContext } from '../../runtime/processor.js';
import type { ServiceState } from './service-state.js';
import { STORES } from './stores.js';
import type { TimelineStore } from './timeline-store.js';

type StateWithTimeline = ServiceState & { readonly timeline?: ServiceTimeline };

export function migrateEmbeddedTimelines(
  context: ProcessorContext,
  timelines: TimelineStore,
): void {
  const services = context.keyValueStore<StateWithTimeline>(STORES.services);
  for (const [service, state] of [...services.entries()]) {
    const { timeline, ...rest } = state;
    if (timeline === undefined) continue;
    for (const entry of timeline.deployments)
      timelines.add({ service, kind: 'deployments', entry });
    for (const entry of timeline.rollbacks) timelines.add({ service, kind: 'rollbacks', entry });
    for (const entry of timeline.detections) timelines.add({ service, kind: 'detections', entry });
    for (const entry of timeline.restorations)
      timelines.add({ service, kind: 'restorations', entry });
    services.put(service, rest);
  }
}
