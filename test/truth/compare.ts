/**
 * Holds what cdstream emitted against the oracle ({@link doraTruth}) and
 * says, line by line, where they differ. Shares nothing with `src/`.
 */
import { metricsKey, type ExpectedIncident, type ExpectedMetrics } from './dora-truth.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(input: unknown): Json | undefined {
  const value: unknown = typeof input === 'string' ? JSON.parse(input) : input;
  return isObject(value) ? value : undefined;
}

/** `leadtime payments/prod P1D 2026-03-02T00:00:00.000Z` */
export function describeKey(key: string): string {
  const [type = '', stream = '', window = '', start = ''] = key.split('|');
  const metric = type.replace(/^dev\.cdstream\.metrics\./, '').replace(/\.v1$/, '');
  const startMs = Number(start);
  const when = Number.isFinite(startMs) ? new Date(startMs).toISOString() : start;
  return `${metric} ${stream} ${window} ${when}`;
}

function show(value: unknown): string {
  return value === undefined ? 'absent' : JSON.stringify(value);
}

export interface CompareOptions {
  /**
   * When set, final windows the product emitted that end after this (epoch
   * ms) are not reported as unexpected (the oracle expects only windows
   * ending at or before its `closeAt`; pass the same value).
   */
  closeAt?: number;
}

/**
 * The differences between the expected final windows and `actual`, the
 * metrics CloudEvents (structured JSON, text or parsed) read from the metrics
 * topic: missing windows, unexpected windows, windows emitted `final: true`
 * more than once, and field mismatches (numbers compared exactly, `null` is
 * not absent). Windows with `final` other than `true` are left out. Empty
 * when they agree.
 */
export function compareMetrics(
  expected: ReadonlyMap<string, ExpectedMetrics>,
  actual: readonly unknown[],
  options: CompareOptions = {},
): string[] {
  const differences: string[] = [];
  const finals = new Map<string, Json[]>();
  actual.forEach((input, index) => {
    const event = parse(input);
    const data = event?.data;
    if (event === undefined || !isObject(data)) {
      differences.push(`unreadable metrics event #${index}: ${show(input)}`);
      return;
    }
    if (data.final !== true) return;
    const type = event.type;
    const { service, environment, window, windowStartMs } = data;
    if (
      typeof type !== 'string' ||
      typeof service !== 'string' ||
      typeof environment !== 'string' ||
      typeof window !== 'string' ||
      typeof windowStartMs !== 'number'
    ) {
      differences.push(`metrics event #${index} lacks type, service, environment, window or start`);
      return;
    }
    const key = metricsKey(type, service, environment, window, windowStartMs);
    const list = finals.get(key) ?? [];
    list.push(data);
    finals.set(key, list);
  });

  for (const [key, list] of finals) {
    if (list.length > 1) differences.push(`final ${list.length} times: ${describeKey(key)}`);
    if (expected.has(key)) continue;
    const windowEndMs = list[0]?.windowEndMs;
    if (
      options.closeAt !== undefined &&
      typeof windowEndMs === 'number' &&
      windowEndMs > options.closeAt
    )
      continue;
    differences.push(`unexpected: ${describeKey(key)} ${show(list[0])}`);
  }

  for (const [key, want] of expected) {
    const list = finals.get(key);
    if (list === undefined) {
      differences.push(`missing: ${describeKey(key)}`);
      continue;
    }
    const got = list[0] ?? {};
    const fields = Object.entries(want).filter(([, value]) => value !== undefined);
    const wrong = fields
      .filter(([field, value]) => got[field] !== value)
      .map(([field, value]) => `${field} expected ${show(value)}, actual ${show(got[field])}`);
    if (wrong.length > 0) differences.push(`wrong: ${describeKey(key)}: ${wrong.join('; ')}`);
  }
  return differences;
}

/**
 * The differences between the expected derived failure-burst incidents and
 * `actual`, the CloudEvents (structured JSON, text or parsed, data a CDEvent)
 * read from the incidents topic: a detection is matched on service,
 * environment and event time (`context.timestamp`); missing, unexpected and
 * repeated detections are reported, and so is any resolution (nothing in the
 * generated histories resolves a burst).
 */
export function compareIncidents(
  expected: readonly ExpectedIncident[],
  actual: readonly unknown[],
): string[] {
  const differences: string[] = [];
  const label = (i: ExpectedIncident) =>
    `${i.service}/${i.environment} at ${new Date(i.detectedAt).toISOString()}`;
  const found = new Map<string, number>();
  actual.forEach((input, index) => {
    const event = parse(input);
    const cdevent = event?.data;
    const context = isObject(cdevent) ? cdevent.context : undefined;
    const subject = isObject(cdevent) ? cdevent.subject : undefined;
    const content = isObject(subject) ? subject.content : undefined;
    const type = isObject(context) ? context.type : event?.type;
    if (typeof type !== 'string') {
      differences.push(`unreadable incident event #${index}: ${show(input)}`);
      return;
    }
    const service = isObject(content) && isObject(content.service) ? content.service.id : undefined;
    const environment =
      isObject(content) && isObject(content.environment) ? content.environment.id : undefined;
    const timestamp = isObject(context) ? context.timestamp : event?.time;
    const detectedAt = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
    const incident = {
      service: typeof service === 'string' ? service : '?',
      environment: typeof environment === 'string' ? environment : '?',
      detectedAt,
    };
    if (type.startsWith('dev.cdevents.incident.resolved.')) {
      differences.push(`unexpected resolution: ${incident.service}/${incident.environment}`);
      return;
    }
    if (!type.startsWith('dev.cdevents.incident.detected.')) {
      differences.push(`unexpected incident event type ${type}`);
      return;
    }
    const key = label(incident);
    found.set(key, (found.get(key) ?? 0) + 1);
  });
  const wanted = new Map<string, number>();
  for (const incident of expected) {
    const key = label(incident);
    wanted.set(key, (wanted.get(key) ?? 0) + 1);
  }
  for (const [key, count] of wanted) {
    const got = found.get(key) ?? 0;
    if (got === 0) differences.push(`missing incident: ${key}`);
    else if (got !== count)
      differences.push(`incident ${key}: ${got} detections, expected ${count}`);
  }
  for (const [key, count] of found)
    if (!wanted.has(key))
      differences.push(`unexpected incident: ${key}${count > 1 ? ` (${count} times)` : ''}`);
  return differences;
}
