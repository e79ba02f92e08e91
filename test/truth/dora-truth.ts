/**
 * The independent oracle of issue 13: the DORA metrics and derived
 * failure-burst incidents the README defines, computed from the events
 * themselves, sharing nothing with `src/` (no import, no copied logic).
 *
 * Input: structured CloudEvents (JSON text or parsed) whose data is a CDEvent
 * — the events that were NOT late. They are de-duplicated here on (source,
 * id), the first one given wins. Everything is decided in event-time order
 * (ties, which the generated histories do not have, on source then id).
 *
 * The definitions, made exact:
 *
 * - Event time: the CDEvent `context.timestamp` (else the CloudEvents
 *   `time`). Source and id: the CDEvent context's (else the CloudEvents').
 * - Attribution to a service/environment ("stream"): service events
 *   (deployed, upgraded, rolledback) by `subject.id` and
 *   `subject.content.environment.id`; incidents by
 *   `subject.content.service.id` and `subject.content.environment.id`
 *   (an incident without both is not attributed to any stream).
 * - Windows of a spec (size, advance) are [k·advance, k·advance + size) in
 *   epoch ms. Per stream, the windows that exist are those from the earliest
 *   one holding the stream's earliest anchor event (deployed, upgraded,
 *   rolledback, incident detected/reported/resolved; a detection of an
 *   incident already open is no anchor) up to every window whose end ≤
 *   `closeAt`, zero-valued windows included; but a stream retires
 *   `retireAfterMs` (README: `aggregation.retireAfter`, 30 days) after its
 *   latest anchor: no window that starts later exists, and once every window
 *   starting at or before that time has ended (the latest such end over all
 *   specs), the stream is forgotten. An anchor before that moment continues
 *   the stream (its windows go on without a gap); one at or after it starts
 *   the stream afresh, from the earliest window holding it, knowing nothing
 *   of what it ran (its next deployment changes the artifact, for lead
 *   time).
 * - Deployment frequency: `deployments` = deployed + upgraded with
 *   start ≤ time < end; `rollbacks` = rolledback in the window;
 *   `distinctArtifacts` = distinct artifactIds among the window's
 *   deployments; `deploymentsPerDay` = deployments ÷ (window size in days);
 *   `band`: elite if perDay > 1, high if ≥ 1/7, medium if ≥ 1/30, else low.
 * - Change failure rate, over the window's deployments (not rollbacks): a
 *   deployment is rolled back when a rollback at time r has it as the latest
 *   deployment of the stream with time < r; it is incident-linked when an
 *   incident opening at time d (see time to restore: the first
 *   detected/reported of an incident, or the first after a resolve) names an
 *   artifactId and it is the latest deployment of that artifact in the
 *   incident's stream with time ≤ d, or names none and it is the latest
 *   deployment of the stream with time ≤ d (an incident naming an artifact
 *   the stream never deployed before d links to nothing). Only evidence (r or
 *   d) strictly before the window's end counts. `failedDeployments` = rolled
 *   back or linked (once), `changeFailureRate` = failed ÷ deployments (null
 *   without deployments), `band`: elite ≤ 0.05, high ≤ 0.10, medium ≤ 0.15,
 *   else low (null when the rate is null).
 * - Time to restore, per incident id (subject source — else context source —
 *   and subject id), in event-time order: detected/reported opens it when it
 *   is not open (else it is a duplicate), resolved closes an open one with
 *   duration resolvedAt − openedAt, a resolved with nothing open is an
 *   unmatched resolution. Both are attributed to the resolved event's
 *   stream. Per window, the resolved events in it: `incidentsRestored`,
 *   `unmatchedResolutions`, `medianMs`, `p90Ms`, `band` of the median
 *   (elite < 1 h, high < 1 day, medium < 1 week, else low; null when none).
 * - Lead time: a deployment (deployed/upgraded) is a sample when it changes
 *   the running artifact — its artifact differs from that of the stream's
 *   latest deployment-or-rollback before it, or there is none — and some
 *   origin event of its artifact (build.finished naming it in
 *   `subject.content.artifactId`; artifact.packaged/published with it as
 *   `subject.id`), from any source, has time ≤ the deployment's; the sample
 *   is deployment time − the earliest origin time. Per window, the samples of
 *   its deployments: `samples`, `medianMs`, `p90Ms`, `band` of the median
 *   (elite < 1 day, high < 1 week, medium < 30 days, else low).
 * - Lead time from the change: a lead-time sample (above) is also a change
 *   sample when an artifact.packaged of its artifact (`subject.id`) with
 *   time ≤ the deployment's names a change (`subject.content.change`: id,
 *   and source, else the packaged event's source) that has a
 *   change.created or change.merged (subject id, and subject source, else
 *   the event's source) with time ≤ the deployment's; the sample is
 *   deployment time − the earliest such change event's time. Per window:
 *   `changeSamples`, `changeMedianMs`, `changeP90Ms`, `changeBand` (as lead
 *   time's), `start`: null without samples, `change` when every sample is
 *   also a change sample, `artifact` when none is, else `mixed`.
 * - Deployment rework rate, over the window's deployments: a deployment is
 *   rework when, at its time, an incident whose opening (see time to
 *   restore) was attributed to the deployment's stream is open (opened at or
 *   before it, its resolve not yet given). `reworkRate` = rework ÷
 *   deployments (null without deployments), `band` as change failure rate's.
 * - Failed deployment recovery time: a failed deployment (change failure
 *   rate) is recovered at the first, in event-time order, of a rollback that
 *   has it as the latest deployment before it, and a resolve of an incident
 *   whose opening linked to it; the recovery belongs to the stream of that
 *   rollback or resolve, with duration recovery time − deployment time.
 *   Per window, the recoveries in it: `recoveries`, `medianMs`, `p90Ms`,
 *   `band` as time to restore's; `unrecovered` = the window's deployments
 *   with a rollback or linking opening before the window's end and no
 *   recovery before it.
 * - Median: the middle value; for an even count the mean of the two middle
 *   values rounded to the nearest ms (halves up: Math.round); null when none.
 *   p90: nearest rank, the ⌈0.9·n⌉-th smallest; null when none.
 * - Failure-burst incidents, per stream: its rollbacks in time order; at each
 *   one, keep the rollbacks with time > its time − 1 h; when 3 or more are
 *   kept and no burst incident is open, one opens at that rollback's time.
 *   Nothing in these histories resolves one (no success outcomes), so a
 *   stream opens at most one.
 *
 * Artifacts are compared as the strings the events carry; the generator
 * spells each artifact one way.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

export const METRICS_TYPES = {
  deploymentFrequency: 'dev.cdstream.metrics.deploymentfrequency.v1',
  changeFailureRate: 'dev.cdstream.metrics.changefailurerate.v1',
  timeToRestore: 'dev.cdstream.metrics.timetorestore.v1',
  leadTime: 'dev.cdstream.metrics.leadtime.v1',
  deploymentReworkRate: 'dev.cdstream.metrics.deploymentreworkrate.v1',
  failedDeploymentRecoveryTime: 'dev.cdstream.metrics.faileddeploymentrecoverytime.v1',
} as const;
export type MetricsType = (typeof METRICS_TYPES)[keyof typeof METRICS_TYPES];

export interface WindowSpec {
  name: string;
  sizeMs: number;
  advanceMs: number;
}

/** `P1D` (one day, tumbling) and `P7D/P1D` (seven days, advancing a day). */
export const DEFAULT_WINDOWS: readonly WindowSpec[] = [
  { name: 'P1D', sizeMs: DAY_MS, advanceMs: DAY_MS },
  { name: 'P7D/P1D', sizeMs: 7 * DAY_MS, advanceMs: DAY_MS },
];

export type Band = 'elite' | 'high' | 'medium' | 'low';

interface WindowFields {
  service: string;
  environment: string;
  window: string;
  windowStartMs: number;
  windowEndMs: number;
}

export interface ExpectedDeploymentFrequency extends WindowFields {
  deployments: number;
  rollbacks: number;
  distinctArtifacts: number;
  deploymentsPerDay: number;
  band: Band;
}

export interface ExpectedChangeFailureRate extends WindowFields {
  deployments: number;
  failedDeployments: number;
  rolledBackDeployments: number;
  incidentLinkedDeployments: number;
  changeFailureRate: number | null;
  band: Band | null;
}

export interface ExpectedTimeToRestore extends WindowFields {
  incidentsRestored: number;
  unmatchedResolutions: number;
  medianMs: number | null;
  p90Ms: number | null;
  band: Band | null;
}

export interface ExpectedLeadTime extends WindowFields {
  samples: number;
  medianMs: number | null;
  p90Ms: number | null;
  band: Band | null;
  changeSamples: number;
  changeMedianMs: number | null;
  changeP90Ms: number | null;
  changeBand: Band | null;
  start: 'artifact' | 'change' | 'mixed' | null;
}

export interface ExpectedDeploymentReworkRate extends WindowFields {
  deployments: number;
  reworkDeployments: number;
  reworkRate: number | null;
  band: Band | null;
}

export interface ExpectedFailedDeploymentRecoveryTime extends WindowFields {
  recoveries: number;
  unrecovered: number;
  medianMs: number | null;
  p90Ms: number | null;
  band: Band | null;
}

export type ExpectedMetrics =
  | ExpectedDeploymentFrequency
  | ExpectedChangeFailureRate
  | ExpectedTimeToRestore
  | ExpectedLeadTime
  | ExpectedDeploymentReworkRate
  | ExpectedFailedDeploymentRecoveryTime;

export interface ExpectedIncident {
  service: string;
  environment: string;
  /** epoch ms: the time of the rollback that completed the burst */
  detectedAt: number;
}

export interface Truth {
  /** keyed by {@link metricsKey} */
  metrics: Map<string, ExpectedMetrics>;
  /** derived failure-burst incidents, by detection time */
  incidents: ExpectedIncident[];
}

export interface TruthOptions {
  /** every window ending at or before this (epoch ms) is expected, final */
  closeAt: number;
  windows?: readonly WindowSpec[];
  /** default 30 days (the README's default); undefined keeps every stream for ever */
  retireAfterMs?: number | undefined;
}

/** `${metricsType}|${service}/${environment}|${windowName}|${windowStartMs}` */
export function metricsKey(
  type: string,
  service: string,
  environment: string,
  window: string,
  windowStartMs: number,
): string {
  return `${type}|${service}/${environment}|${window}|${windowStartMs}`;
}

// ---------------------------------------------------------------------------
// Reading events
// ---------------------------------------------------------------------------

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function objectAt(value: unknown, key: string): Json | undefined {
  if (!isObject(value)) return undefined;
  const inner = value[key];
  return isObject(inner) ? inner : undefined;
}
function textAt(value: unknown, key: string): string | undefined {
  if (!isObject(value)) return undefined;
  const inner = value[key];
  return typeof inner === 'string' && inner !== '' ? inner : undefined;
}

type Kind =
  | 'deployment'
  | 'rollback'
  | 'incident-open'
  | 'incident-resolve'
  | 'origin-build'
  | 'origin-artifact'
  | 'change-start'
  | 'other';

const KINDS: readonly [string, Kind][] = [
  ['dev.cdevents.service.deployed.', 'deployment'],
  ['dev.cdevents.service.upgraded.', 'deployment'],
  ['dev.cdevents.service.rolledback.', 'rollback'],
  ['dev.cdevents.incident.detected.', 'incident-open'],
  ['dev.cdevents.incident.reported.', 'incident-open'],
  ['dev.cdevents.incident.resolved.', 'incident-resolve'],
  ['dev.cdevents.build.finished.', 'origin-build'],
  ['dev.cdevents.artifact.packaged.', 'origin-artifact'],
  ['dev.cdevents.artifact.published.', 'origin-artifact'],
  ['dev.cdevents.change.created.', 'change-start'],
  ['dev.cdevents.change.merged.', 'change-start'],
];

interface Fact {
  source: string;
  id: string;
  time: number;
  kind: Kind;
  service?: string;
  environment?: string;
  artifact?: string;
  incident?: string;
  /** the change a packaged event names, or a change event is about: JSON [source, id] */
  change?: string;
}

function readFact(input: unknown, index: number): Fact {
  const event: unknown = typeof input === 'string' ? JSON.parse(input) : input;
  if (!isObject(event)) throw new Error(`event ${index} is not an object`);
  // a structured CloudEvent carries the CDEvent as data; a bare CDEvent is accepted too
  const cdevent = isObject(event.context) ? event : objectAt(event, 'data');
  const context = objectAt(cdevent, 'context');
  const subject = objectAt(cdevent, 'subject');
  const content = objectAt(subject, 'content');
  const source = textAt(context, 'source') ?? textAt(event, 'source');
  const id = textAt(context, 'id') ?? textAt(event, 'id');
  const type = textAt(context, 'type') ?? textAt(event, 'type');
  const timestamp = textAt(context, 'timestamp') ?? textAt(event, 'time');
  const time = timestamp === undefined ? NaN : Date.parse(timestamp);
  if (source === undefined || id === undefined || type === undefined || Number.isNaN(time))
    throw new Error(`event ${index} lacks a source, id, type or time`);
  const kind = KINDS.find(([prefix]) => type.startsWith(prefix))?.[1] ?? 'other';
  const fact: Fact = { source, id, time, kind };
  const environment = textAt(objectAt(content, 'environment'), 'id');
  switch (kind) {
    case 'deployment':
    case 'rollback':
      fact.service = textAt(subject, 'id');
      fact.environment = environment;
      fact.artifact = textAt(content, 'artifactId');
      break;
    case 'incident-open':
    case 'incident-resolve':
      fact.service = textAt(objectAt(content, 'service'), 'id');
      fact.environment = environment;
      fact.artifact = textAt(content, 'artifactId');
      fact.incident = JSON.stringify([
        textAt(subject, 'source') ?? source,
        textAt(subject, 'id') ?? '',
      ]);
      break;
    case 'origin-build':
      fact.artifact = textAt(content, 'artifactId');
      break;
    case 'origin-artifact': {
      fact.artifact = textAt(subject, 'id');
      const change = objectAt(content, 'change');
      const changeId = textAt(change, 'id');
      if (type.startsWith('dev.cdevents.artifact.packaged.') && changeId !== undefined)
        fact.change = JSON.stringify([textAt(change, 'source') ?? source, changeId]);
      break;
    }
    case 'change-start': {
      const changeId = textAt(subject, 'id');
      if (changeId !== undefined)
        fact.change = JSON.stringify([textAt(subject, 'source') ?? source, changeId]);
      break;
    }
    case 'other':
      break;
  }
  return fact;
}

function byEventTime(a: Fact, b: Fact): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Statistics and bands
// ---------------------------------------------------------------------------

/** The middle value; for an even count the mean of the two middle ones, rounded (halves up). */
export function medianOf(values: readonly number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  const upper = sorted[Math.floor(n / 2)] ?? 0;
  if (n % 2 === 1) return upper;
  const lower = sorted[n / 2 - 1] ?? 0;
  return Math.round((lower + upper) / 2);
}

/** Nearest rank: the ⌈0.9·n⌉-th smallest (⌈9n/10⌉ in integer arithmetic). */
export function p90Of(values: readonly number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.floor((9 * n + 9) / 10); // ⌈9n/10⌉
  return sorted[rank - 1] ?? null;
}

/** deployments per day = deployments ÷ days; compared exactly, as integers */
function frequencyBand(deployments: number, days: number): Band {
  if (deployments > days) return 'elite';
  if (deployments * 7 >= days) return 'high';
  if (deployments * 30 >= days) return 'medium';
  return 'low';
}

function failureRateBand(failed: number, deployments: number): Band | null {
  if (deployments === 0) return null;
  if (failed * 100 <= 5 * deployments) return 'elite';
  if (failed * 100 <= 10 * deployments) return 'high';
  if (failed * 100 <= 15 * deployments) return 'medium';
  return 'low';
}

function restoreBand(median: number | null): Band | null {
  if (median === null) return null;
  if (median < HOUR_MS) return 'elite';
  if (median < DAY_MS) return 'high';
  if (median < WEEK_MS) return 'medium';
  return 'low';
}

function leadTimeBand(median: number | null): Band | null {
  if (median === null) return null;
  if (median < DAY_MS) return 'elite';
  if (median < WEEK_MS) return 'high';
  if (median < 30 * DAY_MS) return 'medium';
  return 'low';
}

// ---------------------------------------------------------------------------
// The oracle
// ---------------------------------------------------------------------------

interface Deployment {
  fact: Fact;
  /** earliest time a rollback named it (∞: never) */
  rolledBackAt: number;
  /** earliest time an incident opening linked to it (∞: never) */
  linkedAt: number;
  /** made while an incident of its stream was open */
  rework: boolean;
  /** its first recovery: a rollback naming it, or the resolution of an incident linked to it (∞: never) */
  recoveredAt: number;
  /** lead-time sample, when it is one */
  leadTimeMs?: number;
  /** lead-time sample from the change, when it is one */
  changeLeadTimeMs?: number;
}

interface Stream {
  service: string;
  environment: string;
  firstAnchor: number;
  /** times of its anchor events, in event-time order */
  anchors: number[];
  deployments: Deployment[];
  rollbacks: Fact[];
  restorations: { time: number; durationMs: number }[];
  unmatched: number[];
  /** first recoveries of failed deployments, in the stream of the recovering event */
  recoveries: { time: number; durationMs: number }[];
}

/** The latest element with time ≤ `time` (or < when `strict`) that matches. */
function latestBefore(
  deployments: readonly Deployment[],
  time: number,
  strict: boolean,
  match: (d: Deployment) => boolean = () => true,
): Deployment | undefined {
  for (let i = deployments.length - 1; i >= 0; i--) {
    const d = deployments[i];
    if (d === undefined) continue;
    if ((strict ? d.fact.time < time : d.fact.time <= time) && match(d)) return d;
  }
  return undefined;
}

/** When a stream retired at `retiresAt` is forgotten: the latest end of a window starting at or before it. */
function forgottenTime(windows: readonly WindowSpec[], retiresAt: number): number {
  return Math.max(
    ...windows.map((spec) => Math.floor(retiresAt / spec.advanceMs) * spec.advanceMs + spec.sizeMs),
  );
}

/**
 * A stream's lives: each from its first anchor to `retiresAt` (its latest
 * anchor + `retireAfterMs`; undefined: never). The stream is forgotten once
 * every window starting at or before `retiresAt` has ended; an anchor before
 * that continues the life, a later one starts the next.
 */
function activePeriods(
  stream: Stream,
  windows: readonly WindowSpec[],
  retireAfterMs: number | undefined,
): { first: number; retiresAt: number | undefined }[] {
  if (retireAfterMs === undefined) return [{ first: stream.firstAnchor, retiresAt: undefined }];
  const forgottenAt = (retiresAt: number) => forgottenTime(windows, retiresAt);
  const periods: { first: number; retiresAt: number }[] = [];
  let current: { first: number; retiresAt: number } | undefined;
  for (const anchor of stream.anchors) {
    if (current !== undefined && anchor < forgottenAt(current.retiresAt)) {
      current.retiresAt = Math.max(current.retiresAt, anchor + retireAfterMs);
      continue;
    }
    current = { first: anchor, retiresAt: anchor + retireAfterMs };
    periods.push(current);
  }
  return periods;
}

/**
 * The expected final metrics and derived incidents of `events` (structured
 * CloudEvents, JSON text or parsed, the late ones already left out).
 */
export function doraTruth(events: readonly unknown[], options: TruthOptions): Truth {
  const windows = options.windows ?? DEFAULT_WINDOWS;
  const retireAfterMs = 'retireAfterMs' in options ? options.retireAfterMs : 30 * DAY_MS;

  // de-duplicate on (source, id): the first given wins
  const seen = new Set<string>();
  const facts: Fact[] = [];
  events.forEach((input, index) => {
    const fact = readFact(input, index);
    const identity = JSON.stringify([fact.source, fact.id]);
    if (seen.has(identity)) return;
    seen.add(identity);
    facts.push(fact);
  });
  facts.sort(byEventTime);

  const streams = new Map<string, Stream>();
  const streamOf = (fact: Fact): Stream | undefined => {
    if (fact.service === undefined || fact.environment === undefined) return undefined;
    const key = JSON.stringify([fact.service, fact.environment]);
    let stream = streams.get(key);
    if (stream === undefined) {
      stream = {
        service: fact.service,
        environment: fact.environment,
        firstAnchor: fact.time,
        anchors: [],
        deployments: [],
        rollbacks: [],
        restorations: [],
        unmatched: [],
        recoveries: [],
      };
      streams.set(key, stream);
    }
    return stream;
  };

  // earliest origin time per artifact
  const origin = new Map<string, number>();
  for (const fact of facts) {
    if (fact.kind !== 'origin-build' && fact.kind !== 'origin-artifact') continue;
    if (fact.artifact === undefined) continue;
    const known = origin.get(fact.artifact);
    if (known === undefined || fact.time < known) origin.set(fact.artifact, fact.time);
  }

  // earliest start per change, and the changes each artifact was packaged from
  const changeStart = new Map<string, number>();
  const packagedFrom = new Map<string, { change: string; time: number }[]>();
  for (const fact of facts) {
    if (fact.change === undefined) continue;
    if (fact.kind === 'change-start') {
      const known = changeStart.get(fact.change);
      if (known === undefined || fact.time < known) changeStart.set(fact.change, fact.time);
    } else if (fact.artifact !== undefined) {
      const links = packagedFrom.get(fact.artifact) ?? [];
      links.push({ change: fact.change, time: fact.time });
      packagedFrom.set(fact.artifact, links);
    }
  }
  /** the earliest start of a change whose packaging and start are both at or before `time` */
  const changeStartFor = (artifact: string | undefined, time: number): number | undefined => {
    let earliest: number | undefined;
    for (const link of packagedFrom.get(artifact ?? '') ?? []) {
      const started = changeStart.get(link.change);
      if (started === undefined || link.time > time || started > time) continue;
      if (earliest === undefined || started < earliest) earliest = started;
    }
    return earliest;
  };

  // one pass in event-time order: deployments, rollbacks, incidents
  const openIncidents = new Map<
    string,
    { openedAt: number; stream: Stream | undefined; linked: Deployment | undefined }
  >();
  const recover = (deployment: Deployment | undefined, at: Fact, stream: Stream) => {
    if (deployment === undefined || deployment.recoveredAt !== Infinity) return;
    deployment.recoveredAt = at.time;
    stream.recoveries.push({ time: at.time, durationMs: at.time - deployment.fact.time });
  };
  const running = new Map<Stream, string | undefined>();
  // an anchor after the stream was forgotten starts it afresh: it no longer knows what it ran
  const anchor = (stream: Stream, time: number) => {
    const last = stream.anchors.at(-1);
    if (
      retireAfterMs !== undefined &&
      last !== undefined &&
      time >= forgottenTime(windows, last + retireAfterMs)
    )
      running.delete(stream);
    stream.anchors.push(time);
  };
  for (const fact of facts) {
    if (fact.kind === 'deployment') {
      const stream = streamOf(fact);
      if (stream === undefined) continue;
      anchor(stream, fact.time);
      const deployment: Deployment = {
        fact,
        rolledBackAt: Infinity,
        linkedAt: Infinity,
        rework: [...openIncidents.values()].some((open) => open.stream === stream),
        recoveredAt: Infinity,
      };
      const changesArtifact = !running.has(stream) || running.get(stream) !== fact.artifact;
      const start = fact.artifact === undefined ? undefined : origin.get(fact.artifact);
      if (changesArtifact && start !== undefined && start <= fact.time) {
        deployment.leadTimeMs = fact.time - start;
        const fromChange = changeStartFor(fact.artifact, fact.time);
        if (fromChange !== undefined) deployment.changeLeadTimeMs = fact.time - fromChange;
      }
      running.set(stream, fact.artifact);
      stream.deployments.push(deployment);
    } else if (fact.kind === 'rollback') {
      const stream = streamOf(fact);
      if (stream === undefined) continue;
      anchor(stream, fact.time);
      running.set(stream, fact.artifact);
      stream.rollbacks.push(fact);
      const undone = latestBefore(stream.deployments, fact.time, true);
      if (undone !== undefined) undone.rolledBackAt = Math.min(undone.rolledBackAt, fact.time);
      recover(undone, fact, stream);
    } else if (fact.kind === 'incident-open' || fact.kind === 'incident-resolve') {
      const stream = streamOf(fact);
      const incident = fact.incident ?? '';
      const open = openIncidents.get(incident);
      if (fact.kind === 'incident-open') {
        if (open !== undefined) continue; // a duplicate while open
        if (stream !== undefined) anchor(stream, fact.time);
        const named = fact.artifact;
        const linked =
          stream === undefined
            ? undefined
            : named === undefined
              ? latestBefore(stream.deployments, fact.time, false)
              : latestBefore(
                  stream.deployments,
                  fact.time,
                  false,
                  (d) => d.fact.artifact === named,
                );
        openIncidents.set(incident, { openedAt: fact.time, stream, linked });
        if (linked !== undefined) linked.linkedAt = Math.min(linked.linkedAt, fact.time);
      } else {
        openIncidents.delete(incident);
        if (stream === undefined) continue;
        anchor(stream, fact.time);
        if (open === undefined) stream.unmatched.push(fact.time);
        else {
          stream.restorations.push({ time: fact.time, durationMs: fact.time - open.openedAt });
          recover(open.linked, fact, stream);
        }
      }
    }
  }

  const metrics = new Map<string, ExpectedMetrics>();
  const put = (type: MetricsType, value: ExpectedMetrics) =>
    metrics.set(
      metricsKey(type, value.service, value.environment, value.window, value.windowStartMs),
      value,
    );
  for (const stream of streams.values()) {
    for (const period of activePeriods(stream, windows, retireAfterMs)) {
      for (const spec of windows) {
        const first = Math.floor((period.first - spec.sizeMs) / spec.advanceMs) + 1;
        const closed = Math.floor((options.closeAt - spec.sizeMs) / spec.advanceMs);
        const last =
          period.retiresAt === undefined
            ? closed
            : Math.min(closed, Math.floor(period.retiresAt / spec.advanceMs));
        for (let k = first; k <= last; k++) {
          const startMs = k * spec.advanceMs;
          const endMs = startMs + spec.sizeMs;
          const within = (time: number) => time >= startMs && time < endMs;
          const base: WindowFields = {
            service: stream.service,
            environment: stream.environment,
            window: spec.name,
            windowStartMs: startMs,
            windowEndMs: endMs,
          };
          const deployments = stream.deployments.filter((d) => within(d.fact.time));
          const days = spec.sizeMs / DAY_MS;

          put(METRICS_TYPES.deploymentFrequency, {
            ...base,
            deployments: deployments.length,
            rollbacks: stream.rollbacks.filter((r) => within(r.time)).length,
            distinctArtifacts: new Set(deployments.map((d) => d.fact.artifact)).size,
            deploymentsPerDay: deployments.length / days,
            band: frequencyBand(deployments.length, days),
          });

          const rolledBack = deployments.filter((d) => d.rolledBackAt < endMs).length;
          const linked = deployments.filter((d) => d.linkedAt < endMs).length;
          const failed = deployments.filter(
            (d) => d.rolledBackAt < endMs || d.linkedAt < endMs,
          ).length;
          put(METRICS_TYPES.changeFailureRate, {
            ...base,
            deployments: deployments.length,
            failedDeployments: failed,
            rolledBackDeployments: rolledBack,
            incidentLinkedDeployments: linked,
            changeFailureRate: deployments.length === 0 ? null : failed / deployments.length,
            band: failureRateBand(failed, deployments.length),
          });

          const durations = stream.restorations
            .filter((r) => within(r.time))
            .map((r) => r.durationMs);
          const restoreMedian = medianOf(durations);
          put(METRICS_TYPES.timeToRestore, {
            ...base,
            incidentsRestored: durations.length,
            unmatchedResolutions: stream.unmatched.filter(within).length,
            medianMs: restoreMedian,
            p90Ms: p90Of(durations),
            band: restoreBand(restoreMedian),
          });

          const rework = deployments.filter((d) => d.rework).length;
          put(METRICS_TYPES.deploymentReworkRate, {
            ...base,
            deployments: deployments.length,
            reworkDeployments: rework,
            reworkRate: deployments.length === 0 ? null : rework / deployments.length,
            band: failureRateBand(rework, deployments.length),
          });

          const recoveries = stream.recoveries
            .filter((r) => within(r.time))
            .map((r) => r.durationMs);
          const recoveryMedian = medianOf(recoveries);
          put(METRICS_TYPES.failedDeploymentRecoveryTime, {
            ...base,
            recoveries: recoveries.length,
            unrecovered: deployments.filter(
              (d) => (d.rolledBackAt < endMs || d.linkedAt < endMs) && d.recoveredAt >= endMs,
            ).length,
            medianMs: recoveryMedian,
            p90Ms: p90Of(recoveries),
            band: restoreBand(recoveryMedian),
          });

          const samples = deployments.flatMap((d) =>
            d.leadTimeMs === undefined ? [] : [d.leadTimeMs],
          );
          const leadMedian = medianOf(samples);
          const changeSamples = deployments.flatMap((d) =>
            d.changeLeadTimeMs === undefined ? [] : [d.changeLeadTimeMs],
          );
          const changeMedian = medianOf(changeSamples);
          put(METRICS_TYPES.leadTime, {
            ...base,
            samples: samples.length,
            medianMs: leadMedian,
            p90Ms: p90Of(samples),
            band: leadTimeBand(leadMedian),
            changeSamples: changeSamples.length,
            changeMedianMs: changeMedian,
            changeP90Ms: p90Of(changeSamples),
            changeBand: leadTimeBand(changeMedian),
            start:
              samples.length === 0
                ? null
                : changeSamples.length === samples.length
                  ? 'change'
                  : changeSamples.length === 0
                    ? 'artifact'
                    : 'mixed',
          });
        }
      }
    }
  }

  const incidents: ExpectedIncident[] = [];
  for (const stream of streams.values()) {
    let kept: number[] = [];
    let open = false;
    for (const rollback of stream.rollbacks) {
      kept = [...kept.filter((time) => time > rollback.time - HOUR_MS), rollback.time];
      if (kept.length >= 3 && !open) {
        open = true;
        incidents.push({
          service: stream.service,
          environment: stream.environment,
          detectedAt: rollback.time,
        });
      }
    }
  }
  incidents.sort((a, b) => a.detectedAt - b.detectedAt);

  return { metrics, incidents };
}

/**
 * {@link doraTruth} of a generated history: its records that are not late,
 * in delivery order (re-sends are de-duplicated), every window ending at or
 * before `closeAt` (default: the history's `end`).
 */
export function truthFromHistory(
  history: { events: readonly { value: string; late: boolean }[]; end: number },
  options: Partial<TruthOptions> = {},
): Truth {
  return doraTruth(
    history.events.filter((event) => !event.late).map((event) => event.value),
    { ...options, closeAt: options.closeAt ?? history.end },
  );
}
