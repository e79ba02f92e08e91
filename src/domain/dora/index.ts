/** DORA keys: pure maths over a service's timeline, evaluated per event-time window. */
export * from './bands.js';
export * from './change-failure-rate.js';
export * from './deployment-frequency.js';
export * from './failed-deployment-recovery-time.js';
export * from './lead-time.js';
export * from './percentiles.js';
export * from './rework-rate.js';
export * from './time-to-restore.js';
export * from './timeline.js';
