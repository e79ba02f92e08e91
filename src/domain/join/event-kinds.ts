/**
 * What the join does with an event, decided by its type without the version
 * suffix: every version of a CDEvents type, and both AMR versions, behave alike.
 */
export type JoinEventKind =
  /** service.deployed / upgraded / rolledback: the artifact now runs in service + environment */
  | 'deployment'
  | 'service-removed'
  | 'service-published'
  | 'incident'
  /** build.finished, artifact.packaged, artifact.published: where lead time starts */
  | 'artifact-origin'
  /** change.created, change.merged: where lead time from the change starts (broadcast) */
  | 'change-start'
  | 'scan-report'
  | 'replicaset-upsert'
  | 'replicaset-delete'
  | 'location'
  | 'other';

const CDEVENT_VERSION_SUFFIX = /\.\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const AMR_VERSION_SUFFIX = /\.v\d+((alpha|beta)\d+)?$/;

/** `dev.cdevents.service.deployed.0.3.0` → `dev.cdevents.service.deployed`; AMR `.v1alpha1` likewise. */
export function baseType(type: string): string {
  if (type.startsWith('dev.cdevents.')) return type.replace(CDEVENT_VERSION_SUFFIX, '');
  if (type.startsWith('vmware.tanzu.apps.')) return type.replace(AMR_VERSION_SUFFIX, '');
  return type;
}

const KINDS: ReadonlyMap<string, JoinEventKind> = new Map([
  ['dev.cdevents.service.deployed', 'deployment'],
  ['dev.cdevents.service.upgraded', 'deployment'],
  ['dev.cdevents.service.rolledback', 'deployment'],
  ['dev.cdevents.service.removed', 'service-removed'],
  ['dev.cdevents.service.published', 'service-published'],
  ['dev.cdevents.incident.detected', 'incident'],
  ['dev.cdevents.incident.reported', 'incident'],
  ['dev.cdevents.incident.resolved', 'incident'],
  ['dev.cdevents.build.finished', 'artifact-origin'],
  ['dev.cdevents.artifact.packaged', 'artifact-origin'],
  ['dev.cdevents.artifact.published', 'artifact-origin'],
  ['dev.cdevents.change.created', 'change-start'],
  ['dev.cdevents.change.merged', 'change-start'],
  ['vmware.tanzu.apps.image.sbom.pushed', 'scan-report'],
  ['vmware.tanzu.apps.location.created', 'location'],
  ['dev.knative.apiserver.resource.add', 'replicaset-upsert'],
  // both spellings are seen in the wild (the AMR seed writes `updated`)
  ['dev.knative.apiserver.resource.update', 'replicaset-upsert'],
  ['dev.knative.apiserver.resource.updated', 'replicaset-upsert'],
  ['dev.knative.apiserver.resource.delete', 'replicaset-delete'],
]);

export function joinEventKind(type: string): JoinEventKind {
  return KINDS.get(baseType(type)) ?? 'other';
}
