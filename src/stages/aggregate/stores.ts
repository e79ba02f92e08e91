/** State stores of the aggregate stage (names carry the stage prefix). */
export const STORES = {
  services: 'aggregate-services',
  /** one entry per deployment, rollback, detection and restoration of a service */
  timelines: 'aggregate-timelines',
  vulnerabilities: 'aggregate-vulnerabilities',
  failureBursts: 'aggregate-failure-bursts',
  producerIncidents: 'aggregate-producer-incidents',
  /** service/environment → artifact key → earliest origin the join sent after a deployment */
  artifactOrigins: 'aggregate-artifact-origins',
  /** service/environment → change lead-time starts the join sent after a deployment (per artifact) */
  changeOrigins: 'aggregate-change-origins',
  /** service/environment → latest deployments and recovered failed deployments (deployment-history.ts) */
  deploymentHistory: 'aggregate-deployment-history',
} as const;
