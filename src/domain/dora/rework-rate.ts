import { reworkRateBand, type DoraBand } from './bands.js';
import { inWindow, type ServiceTimeline, type Window } from './timeline.js';

/**
 * Deployment rework rate of one service in one environment over one window:
 * rework deployments / deployments, for the deployments made in the window
 * (`service.deployed`, `service.upgraded`, as deployment frequency counts them).
 *
 * A deployment is rework when it is made while a producer incident on the
 * same service and environment is open: the incident was detected or
 * reported at or before the deployment's time and not resolved at or before
 * it. A hotfix is made while the incident it fixes is open, so it is rework;
 * so is a deployment in the shadow of an incident it has nothing to do with
 * (CDEvents do not say why a deployment was made). Rollbacks are not
 * deployments here: they undo a change rather than deliver one. cdstream's
 * own derived incidents do not count, nor incidents without a service and
 * environment. Every environment is measured alike; read the production one.
 *
 * The aggregate folds events in event-time order and notes on each
 * deployment how many incidents were open then (`openIncidents`), so an
 * incident opened long before, whose detection the timeline has forgotten,
 * still counts. Equal times are ordered by CloudEvents source, then id.
 */
export interface ReworkRate {
  readonly deployments: number;
  readonly reworkDeployments: number;
  /** undefined when the window has no deployment */
  readonly rate: number | undefined;
  readonly band: DoraBand | undefined;
}

export function reworkRate(timeline: ServiceTimeline, window: Window): ReworkRate {
  const deployments = timeline.deployments.filter((entry) => inWindow(entry.time, window));
  const rework = deployments.filter((entry) => (entry.openIncidents ?? 0) > 0).length;
  const rate = deployments.length === 0 ? undefined : rework / deployments.length;
  return {
    deployments: deployments.length,
    reworkDeployments: rework,
    rate,
    band: rate === undefined ? undefined : reworkRateBand(rate),
  };
}
