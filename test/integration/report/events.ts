/** Metrics and incident events as cdstream writes them (decoded, as `tail` prints them), for report tests. */
import type { ReportEvent } from '../../../src/report/report-model.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

export const TYPES = {
  deploymentFrequency: 'dev.cdstream.metrics.deploymentfrequency.v1',
  leadTime: 'dev.cdstream.metrics.leadtime.v1',
  changeFailureRate: 'dev.cdstream.metrics.changefailurerate.v1',
  failedDeploymentRecoveryTime: 'dev.cdstream.metrics.faileddeploymentrecoverytime.v1',
  deploymentReworkRate: 'dev.cdstream.metrics.deploymentreworkrate.v1',
  timeToRestore: 'dev.cdstream.metrics.timetorestore.v1',
} as const;

export interface WindowAt {
  readonly service: string;
  readonly environment: string;
  readonly window?: string;
  readonly start: number;
  readonly days?: number;
  readonly final?: boolean;
}

export function metricsEvent(
  type: string,
  at: WindowAt,
  data: Readonly<Record<string, unknown>>,
): ReportEvent {
  const end = at.start + (at.days ?? 1) * DAY;
  const key = `${at.service}/${at.environment}`;
  return {
    specversion: '1.0',
    id: `${type}-${key}-${at.window ?? 'P1D'}-${at.start}-${String(at.final ?? true)}`,
    source: '/cdstream',
    type,
    time: new Date(end).toISOString(),
    subject: key,
    cdsservice: at.service,
    cdsenvironment: at.environment,
    data: {
      service: at.service,
      environment: at.environment,
      window: at.window ?? 'P1D',
      windowStart: new Date(at.start).toISOString(),
      windowEnd: new Date(end).toISOString(),
      windowStartMs: at.start,
      windowEndMs: end,
      final: at.final ?? true,
      ...data,
    },
  };
}

export function incidentEvent(
  phase: 'detected' | 'resolved',
  incident: { id: string; service: string; environment: string; description: string },
  time: number,
): ReportEvent {
  const timestamp = new Date(time).toISOString();
  return {
    specversion: '1.0',
    id: `${incident.id}-${phase}`,
    source: '/cdstream',
    type: `dev.cdevents.incident.${phase}.0.3.0`,
    time: timestamp,
    subject: incident.id,
    cdsservice: incident.service,
    cdsenvironment: incident.environment,
    data: {
      context: {
        specversion: '0.5.0',
        id: `${incident.id}-${phase}`,
        source: '/cdstream',
        type: `dev.cdevents.incident.${phase}.0.3.0`,
        timestamp,
      },
      subject: {
        id: incident.id,
        source: '/cdstream',
        content: {
          description: incident.description,
          environment: { id: incident.environment },
          service: { id: incident.service },
        },
      },
    },
  };
}
