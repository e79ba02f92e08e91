import { DAY_MS, deploymentFrequencyBand, type DoraBand } from './bands.js';
import { inWindow, type ServiceTimeline, type Window } from './timeline.js';

/**
 * Deployment frequency of one service in one environment over one window.
 *
 * Anchors: DORA ("how often an organisation deploys to production"), Google's
 * Four Keys (count of deployments per day/week) and Apache DevLake (deployments
 * per period). Here: `service.deployed` and `service.upgraded` of any version,
 * plus, when configured, Knative ReplicaSet rollouts of a new digest; a
 * re-sent event (same source + id) counts once. `service.rolledback` is
 * counted apart as `rollbacks`: it undoes a change rather than delivering one
 * (Four Keys counts it as a deployment; we do not, on purpose).
 */
export interface DeploymentFrequency {
  readonly deployments: number;
  readonly rollbacks: number;
  readonly distinctArtifacts: number;
  /** deployments divided by the window length in days */
  readonly deploymentsPerDay: number;
  readonly band: DoraBand;
}

export function deploymentFrequency(
  timeline: ServiceTimeline,
  window: Window,
): DeploymentFrequency {
  const deployments = timeline.deployments.filter((entry) => inWindow(entry.time, window));
  const rollbacks = timeline.rollbacks.filter((entry) => inWindow(entry.time, window));
  const artifacts = new Set(
    deployments.map((entry) => entry.artifact).filter((artifact) => artifact !== undefined),
  );
  const deploymentsPerDay = deployments.length / ((window.end - window.start) / DAY_MS);
  return {
    deployments: deployments.length,
    rollbacks: rollbacks.length,
    distinctArtifacts: artifacts.size,
    deploymentsPerDay,
    band: deploymentFrequencyBand(deploymentsPerDay),
  };
}
