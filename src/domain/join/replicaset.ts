import { isRecord, stringAt, valueAt } from './json-fields.js';

/**
 * Labels that name the workload a ReplicaSet belongs to, most specific first:
 * Cartographer (Tanzu Application Platform) workloads, Knative Serving
 * services, the Kubernetes recommended label, the common `app` label.
 */
export const WORKLOAD_LABELS = [
  'carto.run/workload-name',
  'serving.knative.dev/service',
  'app.kubernetes.io/name',
  'app',
] as const;

export interface ReplicaSetWorkload {
  /** the service name: a workload label, else the owning Deployment, else the ReplicaSet's name */
  readonly service: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** metadata.creationTimestamp in epoch ms, when present and valid */
  readonly createdAt: number | undefined;
  /** spec.replicas is explicitly 0: a Deployment keeps its old ReplicaSets scaled to zero */
  readonly scaledToZero: boolean;
}

/** The workload of a Kubernetes ReplicaSet object (a Knative APIServerSource event's data). */
export function replicaSetWorkload(object: unknown): ReplicaSetWorkload | undefined {
  const name = stringAt(object, ['metadata', 'name']);
  if (name === undefined) return undefined;
  const created = stringAt(object, ['metadata', 'creationTimestamp']);
  const createdAt = created === undefined ? Number.NaN : Date.parse(created);
  return {
    service: workloadLabel(object) ?? owningDeployment(object) ?? name,
    namespace: stringAt(object, ['metadata', 'namespace']),
    name,
    createdAt: Number.isFinite(createdAt) ? createdAt : undefined,
    scaledToZero: valueAt(object, ['spec', 'replicas']) === 0,
  };
}

function workloadLabel(object: unknown): string | undefined {
  for (const label of WORKLOAD_LABELS) {
    const value =
      stringAt(object, ['metadata', 'labels', label]) ??
      stringAt(object, ['spec', 'template', 'metadata', 'labels', label]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function owningDeployment(object: unknown): string | undefined {
  const owners = valueAt(object, ['metadata', 'ownerReferences']);
  if (!Array.isArray(owners)) return undefined;
  const owner: unknown = owners.find(
    (candidate) => isRecord(candidate) && candidate.kind === 'Deployment',
  );
  return stringAt(owner, ['name']);
}

/** Identifies one ReplicaSet across its add, update and delete events. */
export const replicaSetInstance = (cluster: string, workload: ReplicaSetWorkload): string =>
  `${cluster}/${workload.namespace ?? ''}/${workload.name}`;
