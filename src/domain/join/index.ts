export {
  joinEvent,
  type JoinCount,
  type JoinInput,
  type JoinOutcome,
  type JoinOutput,
} from './join-event.js';
export { JoinTables, type JoinStores, type TableStore } from './join-tables.js';
export { baseType, joinEventKind, type JoinEventKind } from './event-kinds.js';
export {
  MAX_PLACEMENTS_PER_ARTIFACT,
  likeliestService,
  removeInstance,
  removeService,
  servicesRunning,
  upsertPlacement,
  type Placement,
  type ServiceEnvironment,
} from './placements.js';
export {
  recordOrigin,
  recordScan,
  type ArtifactFacts,
  type ScanSummary,
} from './artifact-facts.js';
export {
  replicaSetWorkload,
  replicaSetInstance,
  WORKLOAD_LABELS,
  type ReplicaSetWorkload,
} from './replicaset.js';
export { locationEnvironment, ENVIRONMENT_LABELS } from './location.js';
export {
  changeStartFor,
  changeSubjectOf,
  isChangeStart,
  packagedChangeOf,
  MAX_CHANGES,
  type ChangeEntry,
} from './changes.js';
