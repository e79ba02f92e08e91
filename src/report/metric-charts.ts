/**
 * Which metrics events the report draws, and how: one chart per metric, its
 * plotted number taken from the event's data. Unknown types are not drawn;
 * unknown fields are ignored.
 */

export type MetricKey =
  | 'deploymentFrequency'
  | 'leadTime'
  | 'changeFailureRate'
  | 'failedDeploymentRecoveryTime'
  | 'deploymentReworkRate'
  | 'timeToRestore';

export interface MetricChartSpec {
  readonly key: MetricKey;
  readonly type: string;
  readonly title: string;
  readonly unit: string;
  /** the plotted number; null when the window has no data */
  value(data: Readonly<Record<string, unknown>>): number | null;
  /** the counts behind the number, for the tooltip */
  detail(data: Readonly<Record<string, unknown>>): string;
}

const HOUR_MS = 3_600_000;

const numberOr = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const hours = (value: unknown): number | null => {
  const ms = numberOr(value);
  return ms === null ? null : ms / HOUR_MS;
};
const percent = (value: unknown): number | null => {
  const share = numberOr(value);
  return share === null ? null : share * 100;
};
const count = (data: Readonly<Record<string, unknown>>, field: string): string => {
  const value = numberOr(data[field]);
  return value === null ? '–' : String(value);
};

/** The five DORA metrics in the DORA report's order, then time to restore (every incident). */
export const METRIC_CHARTS: readonly MetricChartSpec[] = [
  {
    key: 'deploymentFrequency',
    type: 'dev.cdstream.metrics.deploymentfrequency.v1',
    title: 'Deployment frequency',
    unit: 'deployments per day',
    value: (d) => numberOr(d.deploymentsPerDay),
    detail: (d) => `${count(d, 'deployments')} deployments, ${count(d, 'rollbacks')} rollbacks`,
  },
  {
    key: 'leadTime',
    type: 'dev.cdstream.metrics.leadtime.v1',
    title: 'Change lead time (median)',
    unit: 'hours',
    value: (d) => hours(d.medianMs),
    detail: (d) => `${count(d, 'samples')} samples`,
  },
  {
    key: 'changeFailureRate',
    type: 'dev.cdstream.metrics.changefailurerate.v1',
    title: 'Change fail rate',
    unit: '% of deployments',
    value: (d) => percent(d.changeFailureRate),
    detail: (d) => `${count(d, 'failedDeployments')} of ${count(d, 'deployments')} deployments`,
  },
  {
    key: 'failedDeploymentRecoveryTime',
    type: 'dev.cdstream.metrics.faileddeploymentrecoverytime.v1',
    title: 'Failed deployment recovery time (median)',
    unit: 'hours',
    value: (d) => hours(d.medianMs),
    detail: (d) => `${count(d, 'recoveries')} recoveries`,
  },
  {
    key: 'deploymentReworkRate',
    type: 'dev.cdstream.metrics.deploymentreworkrate.v1',
    title: 'Deployment rework rate',
    unit: '% of deployments',
    value: (d) => percent(d.reworkRate),
    detail: (d) => `${count(d, 'reworkDeployments')} of ${count(d, 'deployments')} deployments`,
  },
  {
    key: 'timeToRestore',
    type: 'dev.cdstream.metrics.timetorestore.v1',
    title: 'Time to restore, every incident (median)',
    unit: 'hours',
    value: (d) => hours(d.medianMs),
    detail: (d) => `${count(d, 'incidentsRestored')} incidents restored`,
  },
];

export const METRIC_CHART_BY_TYPE: ReadonlyMap<string, MetricChartSpec> = new Map(
  METRIC_CHARTS.map((spec) => [spec.type, spec]),
);
