/** What `npm start` shows a person: the derived results of the sample as tables. */
import type { TopologyConfig } from '../../config/topology-config.js';
import type { ReadRecord } from '../kafka-topics.js';

interface CloudEventJson {
  type: string;
  time?: string;
  subject?: string;
  data: Record<string, unknown>;
}

const text = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

export function duration(ms: unknown): string {
  if (typeof ms !== 'number') return '–';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.round(hours / 24)}d`;
}

function eventsOf(records: readonly ReadRecord[], topic: string): CloudEventJson[] {
  return records
    .filter((r) => r.topic === topic)
    .map((r) => JSON.parse(r.message.value?.toString() ?? '{}') as CloudEventJson);
}

function metricsOf(
  records: readonly ReadRecord[],
  config: TopologyConfig,
  metric: string,
): Record<string, unknown>[] {
  return eventsOf(records, config.outputs.metrics)
    .filter((e) => e.type === `dev.cdstream.metrics.${metric}.v1`)
    .map((e) => e.data);
}

export function summarise(records: readonly ReadRecord[], config: TopologyConfig): string[] {
  const out: string[] = [];
  const frequency = metricsOf(records, config, 'deploymentfrequency');
  const daily = frequency.filter((d) => d.window === 'P1D');
  const days = [...new Set(daily.map((d) => text(d.windowStart).slice(0, 10)))].sort();
  const services = [
    ...new Set(daily.map((d) => `${text(d.service)}/${text(d.environment)}`)),
  ].sort();
  out.push(
    'Deployment frequency per service and day (closed UTC windows; band after DORA 2023)',
    '',
  );
  out.push(
    ...table(
      ['service/environment', ...days],
      services.map((key) => [
        key,
        ...days.map((day) => {
          const d = daily.find(
            (m) =>
              `${text(m.service)}/${text(m.environment)}` === key &&
              text(m.windowStart).startsWith(day),
          );
          return d
            ? `${text(d.deployments)}${Number(d.rollbacks) > 0 ? `+${text(d.rollbacks)}rb` : ''} ${text(d.band)}`
            : '';
        }),
      ]),
    ),
  );

  const perService = (metric: string) => {
    const latest = new Map<string, Record<string, unknown>>();
    for (const d of metricsOf(records, config, metric).filter((m) => m.window === 'P1D')) {
      const key = `${text(d.service)}/${text(d.environment)}`;
      const list = latest.get(key);
      if (!list || text(d.windowStart) > text(list.windowStart)) latest.set(key, d);
      const previous = latest.get(`${key}#all`) ?? { samples: [] };
      (previous.samples as Record<string, unknown>[]).push(d);
      latest.set(`${key}#all`, previous);
    }
    return latest;
  };
  const cfr = perService('changefailurerate');
  const lead = perService('leadtime');
  const restore = perService('timetorestore');
  const over = (map: Map<string, Record<string, unknown>>, key: string) =>
    (map.get(`${key}#all`)?.samples as Record<string, unknown>[] | undefined) ?? [];
  out.push('', 'Change failure rate, lead time and time to restore over the closed days', '');
  out.push(
    ...table(
      [
        'service/environment',
        'deployments',
        'failed',
        'lead time (median)',
        'incidents restored',
        'time to restore',
      ],
      services.map((key) => {
        const cfrDays = over(cfr, key);
        const deployments = cfrDays.reduce((sum, d) => sum + Number(d.deployments ?? 0), 0);
        const failed = cfrDays.reduce((sum, d) => sum + Number(d.failedDeployments ?? 0), 0);
        const leadMedians = over(lead, key)
          .map((d) => d.medianMs)
          .filter((v) => typeof v === 'number');
        const restored = over(restore, key).flatMap(
          (d) => (d.restorations as { durationMs: number }[] | undefined) ?? [],
        );
        return [
          key,
          String(deployments),
          deployments > 0 ? `${failed} (${Math.round((100 * failed) / deployments)}%)` : '–',
          leadMedians.length > 0
            ? duration(leadMedians.sort((a, b) => a - b)[Math.floor(leadMedians.length / 2)])
            : '–',
          String(restored.length),
          restored.length > 0 ? restored.map((r) => duration(r.durationMs)).join(', ') : '–',
        ];
      }),
    ),
  );

  const incidents = eventsOf(records, config.outputs.incidents);
  out.push('', `Derived incidents (${config.outputs.incidents})`, '');
  if (incidents.length === 0) out.push('(none)');
  for (const incident of incidents) {
    const content = ((incident.data.subject as Record<string, unknown> | undefined)?.content ??
      {}) as Record<string, unknown>;
    const phase = incident.type.includes('.resolved.') ? 'RESOLVED' : 'DETECTED';
    out.push(`${text(incident.time)}  ${phase.padEnd(8)}  ${text(content.description)}`);
  }

  const dead = records.filter((r) => r.topic === config.outputs.deadLetter);
  out.push('', `Dead letters (${config.outputs.deadLetter}): ${dead.length}`, '');
  out.push(
    ...table(
      ['offset', 'code', 'reason'],
      dead.map((r) => {
        const header = (name: string) => r.message.headers?.[name]?.toString() ?? '';
        const reason = header('cdstream-error');
        return [
          `${header('cdstream-source-partition')}/${header('cdstream-source-offset')}`,
          header('cdstream-error-code'),
          reason.length > 90 ? `${reason.slice(0, 89)}…` : reason,
        ];
      }),
    ),
  );
  return out;
}
