/** Incident rules: pure state transitions that derive incidents, and their CDEvents. */
export * from './derived-incident.js';
export * from './failure-burst-rule.js';
export * from './findings.js';
export * from './incident-cdevent.js';
export * from './incident-ids.js';
export * from './producer-incidents.js';
export * from './vulnerability-rule.js';
