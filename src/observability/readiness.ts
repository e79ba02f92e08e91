/**
 * Readiness of a worker for /readyz and the readiness gauge: started, every
 * assigned task restored and running, and no consumer group rebalancing.
 */
import type { WorkerStatus } from '../runtime/worker.js';

export interface Readiness {
  readonly ready: boolean;
  /** what a person needs to see why not; served as JSON */
  readonly detail: object;
}

export type ReadinessCheck = () => Readiness;

export function workerReadiness(
  worker: { status(): WorkerStatus },
  groups?: { readonly rebalancingGroups: readonly string[] },
): ReadinessCheck {
  return () => {
    const status = worker.status();
    const rebalancing = groups?.rebalancingGroups ?? [];
    return {
      ready: status.ready && rebalancing.length === 0,
      detail: { ...status, rebalancing },
    };
  };
}
