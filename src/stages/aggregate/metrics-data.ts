/**
 * The data of the metrics events: one object per metric, window and service
 * in an environment. The shapes match schemas/metrics/*.avsc and
 * *.schema.json field for field (absent values are null, as Avro needs).
 */
import {
  changeFailureRate,
  deploymentFrequency,
  failedDeploymentRecoveryTime,
  leadTime,
  reworkRate,
  timeToRestore,
  type DoraBand,
  type LeadTimeStart,
  type ServiceTimeline,
  type Window,
} from '../../domain/dora/index.js';

export const METRICS_TYPES = {
  deploymentFrequency: 'dev.cdstream.metrics.deploymentfrequency.v1',
  changeFailureRate: 'dev.cdstream.metrics.changefailurerate.v1',
  timeToRestore: 'dev.cdstream.metrics.timetorestore.v1',
  leadTime: 'dev.cdstream.metrics.leadtime.v1',
  deploymentReworkRate: 'dev.cdstream.metrics.deploymentreworkrate.v1',
  failedDeploymentRecoveryTime: 'dev.cdstream.metrics.faileddeploymentrecoverytime.v1',
} as const;

export type MetricsType = (typeof METRICS_TYPES)[keyof typeof METRICS_TYPES];

export interface WindowFields {
  readonly service: string;
  readonly environment: string;
  /** the window spec's name, e.g. P1D or P7D/P1D */
  readonly window: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** false for early updates of a window still open */
  readonly final: boolean;
}

export interface DeploymentFrequencyData extends WindowFields {
  readonly deployments: number;
  readonly rollbacks: number;
  readonly distinctArtifacts: number;
  readonly deploymentsPerDay: number;
  readonly band: DoraBand;
}

export interface ChangeFailureRateData extends WindowFields {
  readonly deployments: number;
  readonly failedDeployments: number;
  readonly rolledBackDeployments: number;
  readonly incidentLinkedDeployments: number;
  readonly changeFailureRate: number | null;
  readonly band: DoraBand | null;
}

export interface RestorationData {
  readonly incidentId: string;
  readonly detectedAt: string;
  readonly resolvedAt: string;
  readonly durationMs: number;
}

export interface TimeToRestoreData extends WindowFields {
  readonly incidentsRestored: number;
  readonly unmatchedResolutions: number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
  readonly band: DoraBand | null;
  readonly restorations: readonly RestorationData[];
}

export interface LeadTimeData extends WindowFields {
  readonly samples: number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
  readonly band: DoraBand | null;
  readonly changeSamples: number;
  readonly changeMedianMs: number | null;
  readonly changeP90Ms: number | null;
  readonly changeBand: DoraBand | null;
  readonly start: LeadTimeStart | null;
}

export interface DeploymentReworkRateData extends WindowFields {
  readonly deployments: number;
  readonly reworkDeployments: number;
  readonly reworkRate: number | null;
  readonly band: DoraBand | null;
}

export interface FailedDeploymentRecoveryTimeData extends WindowFields {
  readonly recoveries: number;
  readonly unrecovered: number;
  readonly medianMs: number | null;
  readonly p90Ms: number | null;
  readonly band: DoraBand | null;
}

export interface WindowMetrics {
  readonly [METRICS_TYPES.deploymentFrequency]: DeploymentFrequencyData;
  readonly [METRICS_TYPES.changeFailureRate]: ChangeFailureRateData;
  readonly [METRICS_TYPES.timeToRestore]: TimeToRestoreData;
  readonly [METRICS_TYPES.leadTime]: LeadTimeData;
  readonly [METRICS_TYPES.deploymentReworkRate]: DeploymentReworkRateData;
  readonly [METRICS_TYPES.failedDeploymentRecoveryTime]: FailedDeploymentRecoveryTimeData;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function windowMetrics(
  timeline: ServiceTimeline,
  scope: { service: string; environment: string; window: string; final: boolean },
  window: Window,
): WindowMetrics {
  const fields: WindowFields = {
    service: scope.service,
    environment: scope.environment,
    window: scope.window,
    final: scope.final,
    windowStart: iso(window.start),
    windowEnd: iso(window.end),
    windowStartMs: window.start,
    windowEndMs: window.end,
  };
  const frequency = deploymentFrequency(timeline, window);
  const failures = changeFailureRate(timeline, window);
  const restore = timeToRestore(timeline, window);
  const lead = leadTime(timeline, window);
  const rework = reworkRate(timeline, window);
  const recovery = failedDeploymentRecoveryTime(timeline, window);
  return {
    [METRICS_TYPES.deploymentFrequency]: { ...fields, ...frequency },
    [METRICS_TYPES.changeFailureRate]: {
      ...fields,
      deployments: failures.deployments,
      failedDeployments: failures.failedDeployments,
      rolledBackDeployments: failures.rolledBackDeployments,
      incidentLinkedDeployments: failures.incidentLinkedDeployments,
      changeFailureRate: failures.rate ?? null,
      band: failures.band ?? null,
    },
    [METRICS_TYPES.timeToRestore]: {
      ...fields,
      incidentsRestored: restore.restorations.length,
      unmatchedResolutions: restore.unmatchedResolutions,
      medianMs: restore.medianMs ?? null,
      p90Ms: restore.p90Ms ?? null,
      band: restore.band ?? null,
      restorations: restore.restorations.map((restoration) => ({
        incidentId: restoration.incidentId,
        detectedAt: iso(restoration.detectedAt),
        resolvedAt: iso(restoration.resolvedAt),
        durationMs: restoration.durationMs,
      })),
    },
    [METRICS_TYPES.leadTime]: {
      ...fields,
      samples: lead.samples,
      medianMs: lead.medianMs ?? null,
      p90Ms: lead.p90Ms ?? null,
      band: lead.band ?? null,
      changeSamples: lead.changeSamples,
      changeMedianMs: lead.changeMedianMs ?? null,
      changeP90Ms: lead.changeP90Ms ?? null,
      changeBand: lead.changeBand ?? null,
      start: lead.start ?? null,
    },
    [METRICS_TYPES.deploymentReworkRate]: {
      ...fields,
      deployments: rework.deployments,
      reworkDeployments: rework.reworkDeployments,
      reworkRate: rework.rate ?? null,
      band: rework.band ?? null,
    },
    [METRICS_TYPES.failedDeploymentRecoveryTime]: {
      ...fields,
      recoveries: recovery.recoveries,
      unrecovered: recovery.unrecovered,
      medianMs: recovery.medianMs ?? null,
      p90Ms: recovery.p90Ms ?? null,
      band: recovery.band ?? null,
    },
  };
}
