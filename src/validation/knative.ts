import { isPlainObject } from '../cloudevents/structured-mode.js';

/** The container name AMR looks for in a ReplicaSet's pod template. */
export const WORKLOAD_CONTAINER = 'workload';

/** A Kubernetes ReplicaSet whose pod template has a container named `workload`. */
export function isWorkloadReplicaSet(object: unknown): boolean {
  if (!isPlainObject(object) || object.kind !== 'ReplicaSet') return false;
  const containers = pathOf(object, ['spec', 'template', 'spec', 'containers']);
  return (
    Array.isArray(containers) &&
    containers.some(
      (container) => isPlainObject(container) && container.name === WORKLOAD_CONTAINER,
    )
  );
}

function pathOf(value: unknown, keys: readonly string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}
