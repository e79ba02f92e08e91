export { aggregateStage } from './stage.js';
export { DEFAULT_WINDOWS } from './options.js';
export type { AggregateStageOptions, AggregateTopics, MetricsWindow } from './options.js';
export { LATE_HEADERS } from '../ingest/ingest-stage.js';
export { STORES } from './stores.js';
export { METRICS_TYPES } from './metrics-data.js';
export type {
  ChangeFailureRateData,
  DeploymentFrequencyData,
  LeadTimeData,
  MetricsType,
  RestorationData,
  TimeToRestoreData,
  WindowFields,
} from './metrics-data.js';
export { deliveryFactRecord, prepareDeliveryFact } from './prepare.js';
