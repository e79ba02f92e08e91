/**
 * Delivery histories for the truth tests (issue 13): CDEvents v0.5.1 of a few
 * services in `staging` and `prod`, wrapped as structured CloudEvents JSON,
 * laid out on input partitions in a delivery order with bounded disorder,
 * a few events made late on purpose and a few exact re-sends.
 *
 * Shares nothing with `src/`: the events are written from the CDEvents spec
 * (schemas and examples of v0.5.1), the partitioner, the delivery order and
 * the lateness rule are this file's own.
 *
 * Everything is a function of the options (a seed among them): the same
 * options give the same history, byte for byte. Times start at a fixed past
 * UTC midnight, never at the clock.
 */
import fc from 'fast-check';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** 2026-03-02T00:00:00Z, a Monday. */
export const DEFAULT_START = Date.UTC(2026, 2, 2);
export const DEFAULT_ALLOWANCE_MS = 10 * MINUTE_MS;
export const DEFAULT_GRACE_MS = HOUR_MS;

export const ENVIRONMENTS = ['staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * Services in the order histories take them (`services: n` takes the first
 * n). The first five are what the property tests draw from; the others were
 * added for the 12-service history of test/e2e/history.ts, at the end, so
 * every history of 5 or fewer services stays the same.
 */
export const SERVICE_NAMES = [
  'payments',
  'checkout',
  'search',
  'catalog',
  'accounts',
  'inventory',
  'shipping',
  'orders',
  'pricing',
  'notifications',
  'identity',
  'reviews',
] as const;

/** The exact types of CDEvents spec v0.5.1 (0.3.0 but change.created, 0.4.0, in that release). */
export const CDEVENT_TYPES = {
  changeCreated: 'dev.cdevents.change.created.0.4.0',
  changeMerged: 'dev.cdevents.change.merged.0.3.0',
  buildFinished: 'dev.cdevents.build.finished.0.3.0',
  artifactPackaged: 'dev.cdevents.artifact.packaged.0.3.0',
  artifactPublished: 'dev.cdevents.artifact.published.0.3.0',
  serviceDeployed: 'dev.cdevents.service.deployed.0.3.0',
  serviceUpgraded: 'dev.cdevents.service.upgraded.0.3.0',
  serviceRolledBack: 'dev.cdevents.service.rolledback.0.3.0',
  incidentDetected: 'dev.cdevents.incident.detected.0.3.0',
  incidentReported: 'dev.cdevents.incident.reported.0.3.0',
  incidentResolved: 'dev.cdevents.incident.resolved.0.3.0',
} as const;
export type CDEventType = (typeof CDEVENT_TYPES)[keyof typeof CDEVENT_TYPES];

export const CDEVENTS_SPEC_VERSION = '0.5.1';

/** The incident system every generated incident belongs to (its subject source). */
export const INCIDENT_SYSTEM = '/pagerduty';

// ---------------------------------------------------------------------------
// Event builders (also used by the hand-made histories of the unit tests)
// ---------------------------------------------------------------------------

export interface CDEvent {
  context: {
    specversion: string;
    id: string;
    source: string;
    type: CDEventType;
    timestamp: string;
  };
  subject: { id: string; source?: string | undefined; content: Record<string, unknown> };
}

/** A structured-mode CloudEvent (JSON) whose data is the whole CDEvent. */
export interface StructuredCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: CDEventType;
  time: string;
  datacontenttype: 'application/json';
  data: CDEvent;
}

interface EventBase {
  /** CloudEvents/CDEvent id */
  id: string;
  /** CloudEvents/CDEvent source: the producer, also the Kafka key */
  source: string;
  /** event time, epoch ms */
  time: number;
}

function envelope(
  type: CDEventType,
  base: EventBase,
  subject: CDEvent['subject'],
): StructuredCloudEvent {
  const timestamp = new Date(base.time).toISOString();
  return {
    specversion: '1.0',
    id: base.id,
    source: base.source,
    type,
    time: timestamp,
    datacontenttype: 'application/json',
    data: {
      context: {
        specversion: CDEVENTS_SPEC_VERSION,
        id: base.id,
        source: base.source,
        type,
        timestamp,
      },
      subject,
    },
  };
}

/** build.finished of the build that made `artifactId` (`subject.content.artifactId`). */
export function buildFinished(
  p: EventBase & { artifactId: string; build?: string },
): StructuredCloudEvent {
  return envelope(CDEVENT_TYPES.buildFinished, p, {
    id: p.build ?? `build-${p.id}`,
    source: p.source,
    content: { artifactId: p.artifactId },
  });
}

/** artifact.packaged: `subject.id` is the artifact. */
export function artifactPackaged(
  p: EventBase & { artifactId: string; change?: string },
): StructuredCloudEvent {
  return envelope(CDEVENT_TYPES.artifactPackaged, p, {
    id: p.artifactId,
    source: p.source,
    content: { change: { id: p.change ?? `change-${p.id}`, source: CHANGE_SYSTEM } },
  });
}

/** The source control system every generated change belongs to. */
export const CHANGE_SYSTEM = '/git/example';

/**
 * change.created / change.merged: `subject.id` is the change; its subject
 * source is `changeSource`, or, when `omitSubjectSource`, left to default to
 * the context source.
 */
export function changeEvent(
  p: EventBase & {
    phase: 'created' | 'merged';
    change: string;
    changeSource?: string;
    omitSubjectSource?: boolean;
  },
): StructuredCloudEvent {
  return envelope(
    p.phase === 'created' ? CDEVENT_TYPES.changeCreated : CDEVENT_TYPES.changeMerged,
    p,
    {
      id: p.change,
      ...(p.omitSubjectSource ? {} : { source: p.changeSource ?? CHANGE_SYSTEM }),
      content: { repository: { id: 'shop' } },
    },
  );
}

/** artifact.published: `subject.id` is the artifact. */
export function artifactPublished(p: EventBase & { artifactId: string }): StructuredCloudEvent {
  return envelope(CDEVENT_TYPES.artifactPublished, p, {
    id: p.artifactId,
    source: p.source,
    content: { user: 'release-bot' },
  });
}

export type ServiceEventKind = 'deployed' | 'upgraded' | 'rolledback';

/** service.deployed / .upgraded / .rolledback: `subject.id` is the service. */
export function serviceEvent(
  p: EventBase & {
    kind: ServiceEventKind;
    service: string;
    environment: string;
    artifactId: string;
  },
): StructuredCloudEvent {
  const type =
    p.kind === 'deployed'
      ? CDEVENT_TYPES.serviceDeployed
      : p.kind === 'upgraded'
        ? CDEVENT_TYPES.serviceUpgraded
        : CDEVENT_TYPES.serviceRolledBack;
  return envelope(type, p, {
    id: p.service,
    source: p.source,
    content: { environment: { id: p.environment }, artifactId: p.artifactId },
  });
}

export type IncidentPhase = 'detected' | 'reported' | 'resolved';

/**
 * incident.detected / .reported / .resolved of a producer. The incident is
 * identified by its subject: `incidentSource` (default {@link INCIDENT_SYSTEM})
 * and `incident` (the subject id).
 */
export function incidentEvent(
  p: EventBase & {
    phase: IncidentPhase;
    incident: string;
    incidentSource?: string;
    service: string;
    environment: string;
    artifactId?: string;
  },
): StructuredCloudEvent {
  const type =
    p.phase === 'detected'
      ? CDEVENT_TYPES.incidentDetected
      : p.phase === 'reported'
        ? CDEVENT_TYPES.incidentReported
        : CDEVENT_TYPES.incidentResolved;
  const content: Record<string, unknown> = {
    description:
      p.phase === 'resolved' ? `${p.incident} resolved` : `${p.incident}: error rate above 5%`,
    environment: { id: p.environment },
    service: { id: p.service },
  };
  if (p.artifactId !== undefined) content.artifactId = p.artifactId;
  if (p.phase === 'reported') content.ticketURI = `https://tickets.example/${p.incident}`;
  return envelope(type, p, {
    id: p.incident,
    source: p.incidentSource ?? INCIDENT_SYSTEM,
    content,
  });
}

/** An OCI package-url of `service` with the given sha256 digest (64 hex). */
export function ociPurl(service: string, digest: string): string {
  return `pkg:oci/${service}@sha256:${digest}?repository_url=registry.example/${service}`;
}

// ---------------------------------------------------------------------------
// Partitioning and lateness
// ---------------------------------------------------------------------------

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
export function sourceHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The input partition of an event: `sourceHash(source) % partitions`. */
export function partitionOf(source: string, partitions: number): number {
  return sourceHash(source) % partitions;
}

/**
 * The lateness rule, applied to one partition's records in delivery order:
 * a record is late when its event time is older than the largest event time
 * delivered before it on that partition, minus the allowance, minus the
 * grace. A re-send (`duplicateOf` set) is a duplicate, never late.
 */
export function lateMarks(
  records: readonly { time: number; duplicateOf?: string | undefined }[],
  allowanceMs: number,
  graceMs: number,
): boolean[] {
  let newest = -Infinity;
  return records.map((record) => {
    const late = record.duplicateOf === undefined && record.time < newest - allowanceMs - graceMs;
    newest = Math.max(newest, record.time);
    return late;
  });
}

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

export interface HistoryOptions {
  seed: number;
  /** 1 to the number of {@link SERVICE_NAMES} (default: 2–5, drawn from the seed) */
  services?: number;
  /** days of activity (default: 2–10, drawn from the seed) */
  days?: number;
  /** input partitions, at least 1 (default: 1–6, drawn from the seed) */
  partitions?: number;
  /** disorder allowed inside a partition (default 10 min) */
  allowanceMs?: number;
  /** grace after the allowance (default 1 h) */
  graceMs?: number;
  /** a UTC midnight (default {@link DEFAULT_START}) */
  start?: number;
  /** events to make late on purpose (default: 0–3, drawn from the seed) */
  lateEvents?: number;
  /** exact re-sends (default: 0–4, drawn from the seed) */
  resends?: number;
}

export interface DeliveredEvent {
  /** input partition, `partitionOf(source, partitions)` */
  partition: number;
  /** position in the partition's delivery order, from 0 */
  offset: number;
  /** Kafka key: the source */
  key: string;
  /** Kafka value: the structured CloudEvent, JSON */
  value: string;
  id: string;
  source: string;
  type: CDEventType;
  /** event time, epoch ms */
  time: number;
  /** made late on purpose; follows {@link lateMarks} */
  late: boolean;
  /** set on an exact re-send: the id of the event it repeats (same source) */
  duplicateOf?: string;
}

export interface History {
  /** in a delivery order that keeps every partition's order (partitions interleaved) */
  events: DeliveredEvent[];
  partitions: number;
  allowanceMs: number;
  graceMs: number;
  /** the first day's UTC midnight, epoch ms */
  start: number;
  /** the UTC midnight after the last event, epoch ms */
  end: number;
  services: string[];
  environments: readonly Environment[];
  /** the options in full, to reproduce the history */
  options: Required<HistoryOptions>;
}

/** A small, repeatable random source (mulberry32), uniform in [0, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = random(seed);
  }
  /** an integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from nothing');
    return item;
  }
  hex(length: number): string {
    let text = '';
    while (text.length < length) text += this.int(0, 15).toString(16);
    return text;
  }
}

interface Made {
  event: StructuredCloudEvent;
  time: number;
}

/** What ran in one service/environment, in time order. */
interface Action {
  time: number;
  kind: ServiceEventKind;
  artifact: string;
}

/**
 * A delivery history from `options`. Same options, same history.
 *
 * Per service: a few releases a day, each a new artifact (OCI purl, fresh
 * digest) with some of build.finished / artifact.packaged / artifact.published
 * (now and then the publish only after the staging deployment, now and then
 * none), deployed to staging and most of them later to prod. Per environment:
 * service.deployed for the first deployment, then service.upgraded or
 * service.deployed; occasional redeploys of the running artifact, rollbacks to
 * the previous artifact, and bursts (three new-artifact deployments each
 * rolled back, 11–35 min apart: some within an hour, some not). Producer
 * incidents: detected or reported, sometimes naming the running (or an older)
 * artifact, a second open while open, resolutions from minutes to over a week,
 * some never resolved, some re-opened after the resolve, and resolutions of
 * incidents never opened. Sources: `/ci/<svc>` (builds, packaging),
 * `/registry` (publishing), `/cd/<env>` (deployments, rollbacks),
 * `/pagerduty` and `/monitoring/<env>` (incidents; the incident's subject
 * source is always `/pagerduty`).
 */
export function generateHistory(options: HistoryOptions): History {
  const dice = new Dice(options.seed);
  const resolved: Required<HistoryOptions> = {
    seed: options.seed,
    services: options.services ?? dice.int(2, 5),
    days: options.days ?? dice.int(2, 10),
    partitions: options.partitions ?? dice.int(1, 6),
    allowanceMs: options.allowanceMs ?? DEFAULT_ALLOWANCE_MS,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
    start: options.start ?? DEFAULT_START,
    lateEvents: options.lateEvents ?? dice.int(0, 3),
    resends: options.resends ?? dice.int(0, 4),
  };
  const { start, days, partitions, allowanceMs, graceMs } = resolved;
  if (start % DAY_MS !== 0) throw new Error('start must be a UTC midnight');
  if (resolved.services < 1 || resolved.services > SERVICE_NAMES.length)
    throw new Error(`services must be 1–${SERVICE_NAMES.length}`);
  if (partitions < 1) throw new Error('partitions must be at least 1');

  const made: Made[] = [];
  const usedTimes = new Set<number>();
  const usedDigests = new Set<string>();
  let sequence = 0;

  const nextId = (): string => {
    sequence += 1;
    const variant = dice.pick(['8', '9', 'a', 'b']);
    return `${dice.hex(8)}-${dice.hex(4)}-4${dice.hex(3)}-${variant}${dice.hex(3)}-${sequence.toString(16).padStart(12, '0')}`;
  };
  /** a distinct event time: the second of `at` plus a millisecond offset no other event has */
  const stamp = (at: number): number => {
    let time = Math.floor(at / 1000) * 1000 + dice.int(0, 999);
    while (usedTimes.has(time)) time += 1;
    usedTimes.add(time);
    return time;
  };
  const emit = (build: (base: EventBase) => StructuredCloudEvent, source: string, at: number) => {
    const time = stamp(at);
    made.push({ event: build({ id: nextId(), source, time }), time });
    return time;
  };
  const newArtifact = (service: string): string => {
    let digest = dice.hex(64);
    while (usedDigests.has(digest)) digest = dice.hex(64);
    usedDigests.add(digest);
    return ociPurl(service, digest);
  };

  const services = SERVICE_NAMES.slice(0, resolved.services);
  let incidentNumber = 0;
  let changeNumber = 0;
  /** changes named by artifact.packaged, with their release's base time */
  const changes: { change: string; base: number }[] = [];

  for (const service of services) {
    const ci = `/ci/${service}`;
    interface Release {
      artifact: string;
      base: number;
      publishAfterDeploy: boolean;
      publishAt?: number;
      staging?: number;
    }
    const releases: Release[] = [];
    for (let day = 0; day < days; day++) {
      const dayStart = start + day * DAY_MS;
      const count = dice.pick([0, 0, 1, 1, 1, 1, 2, 2, 2, 3]);
      const bases: number[] = [];
      for (let i = 0; i < count; i++) bases.push(dayStart + dice.int(30, 20 * 60) * MINUTE_MS);
      bases.sort((a, b) => a - b);
      for (const base of bases) {
        const artifact = newArtifact(service);
        let build = dice.chance(0.75);
        const packaged = dice.chance(0.5);
        const published = dice.chance(0.5);
        const publishAfterDeploy = published && dice.chance(0.2);
        if (!build && !packaged && !published && dice.chance(0.7)) build = true;
        if (build) emit((b) => buildFinished({ ...b, artifactId: artifact }), ci, base);
        if (packaged) {
          const change = `CH-${++changeNumber}`;
          emit(
            (b) => artifactPackaged({ ...b, artifactId: artifact, change }),
            ci,
            base + dice.int(2, 10) * MINUTE_MS,
          );
          changes.push({ change, base });
        }
        const release: Release = { artifact, base, publishAfterDeploy };
        if (published && !publishAfterDeploy)
          release.publishAt = base + dice.int(11, 20) * MINUTE_MS;
        releases.push(release);
      }
    }

    const actionsByEnvironment = new Map<Environment, Action[]>();
    const script = (environment: Environment, plan: { artifact: string; at: number }[]) => {
      const cd = `/cd/${environment}`;
      const actions: Action[] = [];
      const running: string[] = [];
      let last = -Infinity;
      const act = (kind: ServiceEventKind, artifact: string, at: number): number => {
        const time = emit(
          (b) => serviceEvent({ ...b, kind, service, environment, artifactId: artifact }),
          cd,
          at,
        );
        actions.push({ time, kind, artifact });
        last = time;
        return time;
      };
      const deploy = (artifact: string, at: number): number => {
        const kind: ServiceEventKind =
          actions.length === 0 ? 'deployed' : dice.chance(0.7) ? 'upgraded' : 'deployed';
        const time = act(kind, artifact, at);
        if (running.at(-1) !== artifact) running.push(artifact);
        return time;
      };
      const rollback = (at: number): number => {
        running.pop();
        const target = running.at(-1);
        if (target === undefined) throw new Error('rollback with nothing to roll back to');
        return act('rolledback', target, at);
      };
      plan.sort((a, b) => a.at - b.at);
      for (const item of plan) {
        let at = Math.max(item.at, last + 5 * MINUTE_MS);
        if (running.length >= 1 && dice.chance(0.06)) {
          // a burst: the new artifact deployed and rolled back three times
          for (let cycle = 0; cycle < 3; cycle++) {
            const deployed = deploy(item.artifact, at);
            const rolledBack = rollback(deployed + dice.int(3, 8) * MINUTE_MS);
            at = rolledBack + dice.int(8, 27) * MINUTE_MS;
          }
          continue;
        }
        const deployed = deploy(item.artifact, at);
        if (running.length >= 2 && dice.chance(0.12)) {
          rollback(deployed + dice.int(2, 40) * MINUTE_MS);
        } else if (dice.chance(0.08)) {
          const current = running.at(-1);
          if (current !== undefined)
            act('deployed', current, deployed + dice.int(10, 120) * MINUTE_MS);
        }
      }
      actionsByEnvironment.set(environment, actions);
      return actions;
    };

    const stagingPlan = releases.map((release) => ({
      artifact: release.artifact,
      at: release.base + dice.int(25, 180) * MINUTE_MS,
    }));
    const staging = script('staging', stagingPlan);
    // when each artifact first reached staging
    const firstStaging = new Map<string, number>();
    for (const action of staging)
      if (!firstStaging.has(action.artifact)) firstStaging.set(action.artifact, action.time);
    for (const release of releases) {
      release.staging = firstStaging.get(release.artifact);
      if (release.publishAfterDeploy && release.staging !== undefined)
        release.publishAt = release.staging + dice.int(3, 30) * MINUTE_MS;
      if (release.publishAt !== undefined)
        emit(
          (b) => artifactPublished({ ...b, artifactId: release.artifact }),
          '/registry',
          release.publishAt,
        );
    }
    const prodPlan: { artifact: string; at: number }[] = [];
    for (const release of releases)
      if (release.staging !== undefined && dice.chance(0.6))
        prodPlan.push({
          artifact: release.artifact,
          at: release.staging + dice.int(60, 30 * 60) * MINUTE_MS,
        });
    script('prod', prodPlan);

    // producer incidents
    for (const environment of ENVIRONMENTS) {
      const actions = actionsByEnvironment.get(environment) ?? [];
      const incidentSource = (): string =>
        dice.chance(0.5) ? INCIDENT_SYSTEM : `/monitoring/${environment}`;
      const runningAt = (time: number): string | undefined =>
        actions.filter((a) => a.time < time).at(-1)?.artifact;
      const incidentAt = (
        phase: IncidentPhase,
        incident: string,
        at: number,
        artifactId: string | undefined,
      ): number =>
        emit(
          (b) =>
            incidentEvent({
              ...b,
              phase,
              incident,
              service,
              environment,
              ...(artifactId === undefined ? {} : { artifactId }),
            }),
          incidentSource(),
          at,
        );
      for (let day = 0; day < days; day++) {
        const dayStart = start + day * DAY_MS;
        if (!dice.chance(0.35)) continue;
        incidentNumber += 1;
        const incident = `INC-${String(incidentNumber).padStart(4, '0')}`;
        const today = actions.filter((a) => a.time >= dayStart && a.time < dayStart + DAY_MS);
        const detectAt =
          today.length > 0 && dice.chance(0.7)
            ? dice.pick(today).time + dice.int(5, 180) * MINUTE_MS
            : dayStart + dice.int(10, 23 * 60) * MINUTE_MS;
        const running = runningAt(detectAt);
        const older = actions.filter((a) => a.time < detectAt && a.artifact !== running);
        const naming = dice.next();
        const artifactId =
          naming < 0.45
            ? running
            : naming < 0.55 && older.length > 0
              ? dice.pick(older).artifact
              : undefined;
        const detected = incidentAt(
          dice.chance(0.7) ? 'detected' : 'reported',
          incident,
          detectAt,
          artifactId,
        );
        if (dice.chance(0.15))
          incidentAt(
            dice.chance(0.5) ? 'detected' : 'reported',
            incident,
            detected + dice.int(1, 4) * MINUTE_MS,
            artifactId,
          );
        if (!dice.chance(0.85)) continue;
        const bucket = dice.next();
        const duration =
          bucket < 0.35
            ? dice.int(5, 55) * MINUTE_MS
            : bucket < 0.7
              ? dice.int(61, 23 * 60) * MINUTE_MS
              : bucket < 0.95
                ? dice.int(25 * 60, 6 * 24 * 60) * MINUTE_MS
                : dice.int(7 * 24 * 60 + 60, 9 * 24 * 60) * MINUTE_MS;
        const resolvedAt = incidentAt('resolved', incident, detected + duration, artifactId);
        if (dice.chance(0.1)) {
          const again = incidentAt(
            'detected',
            incident,
            resolvedAt + dice.int(10, 120) * MINUTE_MS,
            artifactId,
          );
          if (dice.chance(0.7))
            incidentAt('resolved', incident, again + dice.int(5, 300) * MINUTE_MS, artifactId);
        }
      }
      if (dice.chance(0.3)) {
        incidentNumber += 1;
        const orphan = `INC-${String(incidentNumber).padStart(4, '0')}`;
        incidentAt(
          'resolved',
          orphan,
          start + dice.int(10, days * 24 * 60 - 10) * MINUTE_MS,
          undefined,
        );
      }
    }
  }

  emitChanges(changes, made, usedTimes, options.seed, start);

  const last = Math.max(...made.map((m) => m.time));
  const end = (Math.floor(last / DAY_MS) + 1) * DAY_MS;
  return {
    events: deliver(made, resolved, dice),
    partitions,
    allowanceMs,
    graceMs,
    start,
    end,
    services: [...services],
    environments: ENVIRONMENTS,
    options: resolved,
  };
}

/**
 * change.created / change.merged of the changes artifacts were packaged
 * from, drawn from their own dice (the other events of a seed stay as they
 * were): mostly created hours to days before the release and merged minutes
 * before it; some only one of the two; some merged only after the release
 * reached staging (so a deployment runs before its change started); some
 * never seen; a few with the subject source left to the context's.
 */
function emitChanges(
  changes: readonly { change: string; base: number }[],
  made: Made[],
  usedTimes: Set<number>,
  seed: number,
  start: number,
): void {
  const dice = new Dice(seed ^ 0x5eed_c4a9);
  let sequence = 0;
  // nothing before the history's start
  const at = (time: number): number => {
    let stamped = Math.floor(Math.max(time, start) / 1000) * 1000 + dice.int(0, 999);
    while (usedTimes.has(stamped)) stamped += 1;
    usedTimes.add(stamped);
    return stamped;
  };
  const emit = (phase: 'created' | 'merged', change: string, time: number) => {
    const stamped = at(time);
    sequence += 1;
    const id = `${dice.hex(8)}-${dice.hex(4)}-4${dice.hex(3)}-a${dice.hex(3)}-c${sequence.toString(16).padStart(11, '0')}`;
    const omitSubjectSource = dice.chance(0.2);
    made.push({
      event: changeEvent({
        id,
        source: CHANGE_SYSTEM,
        time: stamped,
        phase,
        change,
        omitSubjectSource,
      }),
      time: stamped,
    });
  };
  for (const { change, base } of changes) {
    const shape = dice.next();
    if (shape < 0.1) continue; // never seen
    if (shape < 0.2) {
      emit('merged', change, base + dice.int(3 * 60, 2 * 24 * 60) * MINUTE_MS);
      continue;
    }
    if (shape < 0.85) emit('created', change, base - dice.int(60, 3 * 24 * 60) * MINUTE_MS);
    if (shape >= 0.4) emit('merged', change, base - dice.int(1, 50) * MINUTE_MS);
  }
}

interface Slot {
  made: Made;
  partition: number;
  /** the position the record is delivered at; a record is delivered after every smaller one */
  deliverAt: number;
  duplicateOf?: string;
}

/**
 * Lays the events out on partitions: each partition's records in time order
 * with a jitter below the allowance (a record may come after records up to
 * `allowanceMs` newer), then `lateEvents` records moved to just after a record
 * of their partition more than `allowanceMs + graceMs` (+ 1 min) newer, then
 * `resends` exact re-sends of on-time records right after their original.
 * The `late` marks are then computed with {@link lateMarks}.
 */
function deliver(made: Made[], options: Required<HistoryOptions>, dice: Dice): DeliveredEvent[] {
  const { partitions, allowanceMs, graceMs } = options;
  const lanes: Slot[][] = Array.from({ length: partitions }, () => []);
  const ordered = [...made].sort((a, b) => a.time - b.time);
  for (const m of ordered) {
    const partition = partitionOf(m.event.source, partitions);
    lanes[partition]?.push({ made: m, partition, deliverAt: m.time + dice.next() * allowanceMs });
  }
  for (const lane of lanes) lane.sort((a, b) => a.deliverAt - b.deliverAt);

  // late on purpose
  const margin = MINUTE_MS;
  const movedLate = new Set<Slot>();
  // a record a late one was put behind stays where it is, or the late one would no longer be late
  const anchors = new Set<Slot>();
  for (let i = 0; i < options.lateEvents; i++) {
    const candidates: { lane: Slot[]; slot: Slot; after: Slot[] }[] = [];
    for (const lane of lanes)
      for (const slot of lane) {
        if (movedLate.has(slot) || anchors.has(slot)) continue;
        const after = lane.filter(
          (s) => s.made.time > slot.made.time + allowanceMs + graceMs + margin,
        );
        if (after.length > 0) candidates.push({ lane, slot, after: after.slice(0, 5) });
      }
    if (candidates.length === 0) break;
    const { lane, slot, after } = dice.pick(candidates);
    const behind = dice.pick(after);
    lane.splice(lane.indexOf(slot), 1);
    lane.splice(lane.indexOf(behind) + 1, 0, slot);
    slot.deliverAt = behind.deliverAt;
    movedLate.add(slot);
    anchors.add(behind);
  }

  // exact re-sends of on-time records, right after their original
  const onTime = lanes.flatMap((lane) => lane.filter((slot) => !movedLate.has(slot)));
  const resent = new Set<Slot>();
  for (let i = 0; i < options.resends && resent.size < onTime.length; i++) {
    let original = dice.pick(onTime);
    while (resent.has(original)) original = dice.pick(onTime);
    resent.add(original);
    const lane = lanes[original.partition];
    if (lane === undefined) continue;
    lane.splice(lane.indexOf(original) + 1, 0, {
      made: original.made,
      partition: original.partition,
      deliverAt: original.deliverAt,
      duplicateOf: original.made.event.id,
    });
  }

  // one interleaving of the partitions (merge on deliverAt); each partition's order kept
  const delivered: DeliveredEvent[] = [];
  const heads = lanes.map(() => 0);
  const marks = lanes.map((lane) =>
    lateMarks(
      lane.map((slot) => ({ time: slot.made.time, duplicateOf: slot.duplicateOf })),
      allowanceMs,
      graceMs,
    ),
  );
  for (;;) {
    let best = -1;
    let bestAt = Infinity;
    lanes.forEach((lane, p) => {
      const slot = lane[heads[p] ?? 0];
      if (slot !== undefined && slot.deliverAt < bestAt) {
        best = p;
        bestAt = slot.deliverAt;
      }
    });
    if (best < 0) break;
    const offset = heads[best] ?? 0;
    heads[best] = offset + 1;
    const slot = lanes[best]?.[offset];
    if (slot === undefined) break;
    const { event } = slot.made;
    const record: DeliveredEvent = {
      partition: best,
      offset,
      key: event.source,
      value: JSON.stringify(event),
      id: event.id,
      source: event.source,
      type: event.type,
      time: slot.made.time,
      late: marks[best]?.[offset] ?? false,
    };
    if (slot.duplicateOf !== undefined) record.duplicateOf = slot.duplicateOf;
    delivered.push(record);
  }
  return delivered;
}

/** The records of each partition in delivery order. */
export function byPartition(history: Pick<History, 'events' | 'partitions'>): DeliveredEvent[][] {
  const lanes: DeliveredEvent[][] = Array.from({ length: history.partitions }, () => []);
  for (const event of history.events) lanes[event.partition]?.push(event);
  for (const lane of lanes) lane.sort((a, b) => a.offset - b.offset);
  return lanes;
}

/**
 * fast-check arbitrary of histories: 2–5 services, 2–10 days, 1–6
 * partitions, 0–3 late events, 0–4 re-sends, any seed; `fixed` overrides any
 * of them (e.g. the allowance and grace). Shrinks towards fewer services,
 * days, partitions, late events and re-sends.
 */
export function historyArbitrary(fixed: Partial<HistoryOptions> = {}): fc.Arbitrary<History> {
  return fc
    .record({
      seed: fc.nat(),
      services: fc.integer({ min: 2, max: 5 }),
      days: fc.integer({ min: 2, max: 10 }),
      partitions: fc.integer({ min: 1, max: 6 }),
      lateEvents: fc.integer({ min: 0, max: 3 }),
      resends: fc.integer({ min: 0, max: 4 }),
    })
    .map((drawn) => generateHistory({ ...drawn, ...fixed }));
}
