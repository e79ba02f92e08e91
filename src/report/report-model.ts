/**
 * What the report shows, built from the events of the metrics and incidents
 * topics: per service and environment, one series per window spec for each
 * metric, and the incidents on a timeline. Pure: events in, a model out.
 *
 * A window may be emitted several times (early updates, then the final
 * value): the latest value per (type, service, environment, window spec,
 * window start) is kept, and a final value is never replaced by an early one.
 */
import { METRIC_CHARTS, METRIC_CHART_BY_TYPE, type MetricKey } from './metric-charts.js';

/** A decoded CloudEvent: its attributes and extensions, and its data. */
export interface ReportEvent {
  readonly type: string;
  readonly data?: unknown;
  readonly [attribute: string]: unknown;
}

export type Band = 'elite' | 'high' | 'medium' | 'low';

export interface MetricPoint {
  /** the window's end, epoch ms: the moment the value is as of */
  readonly x: number;
  /** null: the window has no data */
  readonly y: number | null;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly band: Band | null;
  readonly final: boolean;
  readonly detail: string;
}

export interface MetricSeries {
  /** the window spec, e.g. P1D or P7D/P1D */
  readonly window: string;
  readonly points: readonly MetricPoint[];
}

export interface MetricChart {
  readonly id: string;
  readonly metric: MetricKey;
  readonly title: string;
  readonly unit: string;
  readonly series: readonly MetricSeries[];
}

export interface IncidentBar {
  readonly id: string;
  readonly description: string;
  readonly start: number;
  /** the resolution, or the report's moment for an incident still open */
  readonly end: number;
  readonly open: boolean;
}

export interface ServiceReport {
  readonly service: string;
  readonly environment: string;
  readonly charts: readonly MetricChart[];
  readonly incidentsChartId: string;
  readonly incidents: readonly IncidentBar[];
}

export interface ReportModel {
  /** changes whenever an event changed what the report shows */
  readonly revision: number;
  readonly asOf: string;
  readonly services: readonly ServiceReport[];
}

interface StoredPoint extends MetricPoint {
  readonly metric: MetricKey;
  readonly service: string;
  readonly environment: string;
  readonly window: string;
}

interface StoredIncident {
  readonly id: string;
  readonly service: string;
  readonly environment: string;
  description: string;
  detectedAt?: number;
  resolvedAt?: number;
}

type Fields = Readonly<Record<string, unknown>>;

const INCIDENT_PREFIX = 'dev.cdevents.incident.';
const BANDS = new Set<string>(['elite', 'high', 'medium', 'low']);

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: unknown, key: string): unknown => (isFields(value) ? value[key] : undefined);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const timeOf = (ms: unknown, iso: unknown): number | undefined => {
  if (typeof ms === 'number' && Number.isFinite(ms)) return ms;
  const parsed = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(parsed) ? undefined : parsed;
};

export const chartId = (service: string, environment: string, chart: string): string =>
  `${service}/${environment}/${chart}`;

export class ReportStore {
  readonly #points = new Map<string, StoredPoint>();
  readonly #incidents = new Map<string, StoredIncident>();
  #revision = 0;

  /** Takes one event of the metrics or incidents topic; false when the report has no use for it. */
  add(event: ReportEvent): boolean {
    const used = event.type.startsWith(INCIDENT_PREFIX)
      ? this.#addIncident(event)
      : this.#addMetric(event);
    if (used) this.#revision++;
    return used;
  }

  model(asOfMs: number): ReportModel {
    const keys = new Set<string>();
    for (const p of this.#points.values()) keys.add(JSON.stringify([p.service, p.environment]));
    for (const i of this.#incidents.values()) keys.add(JSON.stringify([i.service, i.environment]));
    const services = [...keys]
      .map((key) => JSON.parse(key) as [string, string])
      .sort(([s1, e1], [s2, e2]) => s1.localeCompare(s2) || e1.localeCompare(e2))
      .map(([service, environment]) => this.#serviceReport(service, environment, asOfMs));
    return { revision: this.#revision, asOf: new Date(asOfMs).toISOString(), services };
  }

  #addMetric(event: ReportEvent): boolean {
    const spec = METRIC_CHART_BY_TYPE.get(event.type);
    const data = event.data;
    if (spec === undefined || !isFields(data)) return false;
    const service = text(data.service);
    const environment = text(data.environment);
    const window = text(data.window);
    const start = timeOf(data.windowStartMs, data.windowStart);
    const end = timeOf(data.windowEndMs, data.windowEnd);
    if (!service || !environment || !window || start === undefined || end === undefined) {
      return false;
    }
    const key = JSON.stringify([spec.key, service, environment, window, start]);
    const final = data.final !== false;
    if (this.#points.get(key)?.final === true && !final) return false;
    const band = text(data.band);
    this.#points.set(key, {
      metric: spec.key,
      service,
      environment,
      window,
      x: end,
      y: spec.value(data),
      windowStart: new Date(start).toISOString(),
      windowEnd: new Date(end).toISOString(),
      band: band !== undefined && BANDS.has(band) ? (band as Band) : null,
      final,
      detail: spec.detail(data),
    });
    return true;
  }

  #addIncident(event: ReportEvent): boolean {
    const phase = event.type.slice(INCIDENT_PREFIX.length).split('.')[0];
    const subject = field(event.data, 'subject');
    const content = field(subject, 'content');
    const id = text(field(subject, 'id')) ?? text(event.subject);
    const service = text(field(field(content, 'service'), 'id')) ?? text(event.cdsservice);
    const environment =
      text(field(field(content, 'environment'), 'id')) ?? text(event.cdsenvironment);
    const time = timeOf(undefined, field(field(event.data, 'context'), 'timestamp') ?? event.time);
    if (!id || !service || !environment || time === undefined) return false;
    const key = JSON.stringify([service, environment, id]);
    const incident = this.#incidents.get(key) ?? { id, service, environment, description: '' };
    const description = text(field(content, 'description'));
    if (phase === 'resolved') {
      incident.resolvedAt = time;
      if (!incident.description && description) incident.description = description;
    } else if (phase === 'detected' || phase === 'reported') {
      incident.detectedAt = Math.min(time, incident.detectedAt ?? time);
      if (description) incident.description = description;
    } else {
      return false;
    }
    this.#incidents.set(key, incident);
    return true;
  }

  #serviceReport(service: string, environment: string, asOfMs: number): ServiceReport {
    const points = [...this.#points.values()].filter(
      (p) => p.service === service && p.environment === environment,
    );
    const charts = METRIC_CHARTS.map((spec): MetricChart => {
      const ofMetric = points.filter((p) => p.metric === spec.key);
      const windows = [...new Set(ofMetric.map((p) => p.window))].sort();
      return {
        id: chartId(service, environment, spec.key),
        metric: spec.key,
        title: spec.title,
        unit: spec.unit,
        series: windows.map((window) => ({
          window,
          points: ofMetric
            .filter((p) => p.window === window)
            .sort((a, b) => a.x - b.x)
            .map(({ x, y, windowStart, windowEnd, band, final, detail }) => ({
              x,
              y,
              windowStart,
              windowEnd,
              band,
              final,
              detail,
            })),
        })),
      };
    });
    const incidents = [...this.#incidents.values()]
      .filter((i) => i.service === service && i.environment === environment)
      .map((i): IncidentBar => {
        const start = i.detectedAt ?? i.resolvedAt ?? asOfMs;
        return {
          id: i.id,
          description: i.description || i.id,
          start,
          end: i.resolvedAt ?? Math.max(asOfMs, start),
          open: i.resolvedAt === undefined,
        };
      })
      .sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
    return {
      service,
      environment,
      charts,
      incidentsChartId: chartId(service, environment, 'incidents'),
      incidents,
    };
  }
}

/** The model of a list of events, in the order they were read. */
export function reportModel(events: Iterable<ReportEvent>, asOfMs: number): ReportModel {
  const store = new ReportStore();
  for (const event of events) store.add(event);
  return store.model(asOfMs);
}
