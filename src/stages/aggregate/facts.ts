/**
 * Reads an enriched CloudEvent (stage 2's output) into the one fact the
 * aggregate cares about. Types are matched on their base, without version:
 * `dev.cdevents.service.deployed.0.3.0` is a deployment like `…0.1.0`.
 */
import type { CloudEventEnvelope } from '../../cloudevents/envelope.js';
import { EXTENSIONS } from '../../cloudevents/extensions.js';
import { isPlainObject } from '../../cloudevents/structured-mode.js';
import type { Findings } from '../../domain/incidents/index.js';
import { artifactKeyOf } from '../../domain/purl/index.js';
import { CHANGE_FACT, ORIGIN_FACT } from '../internal-headers.js';

interface FactBase {
  /** CDEvent context (source, id), else CloudEvents (source, id): what a re-sent event repeats */
  readonly eventId: string;
  readonly time: number;
  readonly service: string | undefined;
  readonly environment: string | undefined;
  /** artifact key (digest or canonical purl) */
  readonly artifact: string | undefined;
  /** package-url of the artifact, for incidents' artifactId */
  readonly artifactPurl: string | undefined;
  readonly findings: Findings | undefined;
}

export type DeliveryFact =
  | (FactBase & {
      readonly kind: 'deployment';
      readonly leadTimeStart: number | undefined;
      readonly changeLeadTimeStart: number | undefined;
    })
  | (FactBase & { readonly kind: 'rollback' })
  | (FactBase & { readonly kind: 'removal' })
  | (FactBase & { readonly kind: 'rollout' })
  | (FactBase & { readonly kind: 'rollout-deleted' })
  | (FactBase & { readonly kind: 'scan' })
  | (FactBase & {
      readonly kind: 'incident';
      readonly phase: 'detected' | 'reported' | 'resolved';
      /** subject (source, id) */
      readonly incidentId: string;
      /** the CDEvent context source, to recognise cdstream's own incidents */
      readonly source: string;
    })
  | (FactBase & { readonly kind: 'outcome'; readonly failed: boolean; readonly what: string })
  /** the artifact was built, packaged or published (sent by the join to where it ran) */
  | (FactBase & { readonly kind: 'origin' })
  /** the artifact's change started at `changeLeadTimeStart` (sent by the join to where it ran) */
  | (FactBase & { readonly kind: 'change-origin'; readonly changeLeadTimeStart: number })
  | { readonly kind: 'other'; readonly type: string };

const CDEVENT_BASE = /^(dev\.cdevents\.[a-z]+\.[a-z]+)\.\d/;
const OUTCOME_TYPES: Readonly<Record<string, string>> = {
  'dev.cdevents.build.finished': 'build',
  'dev.cdevents.testcaserun.finished': 'testcaserun',
  'dev.cdevents.testsuiterun.finished': 'testsuiterun',
  'dev.cdevents.pipelinerun.finished': 'pipelinerun',
};
const FAILED_OUTCOMES = new Set(['failure', 'fail', 'failed', 'error']);
const SUCCESSFUL_OUTCOMES = new Set(['success', 'pass', 'passed', 'succeeded']);

/** The type without its CDEvents version suffix. */
export function baseType(type: string): string {
  return CDEVENT_BASE.exec(type)?.[1] ?? type;
}

const eventIdOf = (source: string, id: string): string => JSON.stringify([source, id]);

const objectAt = (value: unknown, key: string): Record<string, unknown> | undefined => {
  if (!isPlainObject(value)) return undefined;
  const child = value[key];
  return isPlainObject(child) ? child : undefined;
};

const textAt = (value: unknown, key: string): string | undefined => {
  if (!isPlainObject(value)) return undefined;
  const child = value[key];
  return typeof child === 'string' && child !== '' ? child : undefined;
};

function extensionText(event: CloudEventEnvelope, name: string): string | undefined {
  const value = event.extensions[name];
  return value === undefined || value === '' ? undefined : String(value);
}

function extensionCount(event: CloudEventEnvelope, name: string): number | undefined {
  const value = event.extensions[name];
  if (value === undefined) return undefined;
  const count = typeof value === 'number' ? value : Number.parseInt(String(value), 10);
  return Number.isSafeInteger(count) && count >= 0 ? count : undefined;
}

function findingsOf(event: CloudEventEnvelope): Findings | undefined {
  const critical = extensionCount(event, EXTENSIONS.vulnCritical);
  const high = extensionCount(event, EXTENSIONS.vulnHigh);
  const medium = extensionCount(event, EXTENSIONS.vulnMedium);
  const low = extensionCount(event, EXTENSIONS.vulnLow);
  if ([critical, high, medium, low].every((count) => count === undefined)) return undefined;
  const ids = (name: string) =>
    (extensionText(event, name) ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
  return {
    critical: critical ?? 0,
    high: high ?? 0,
    medium: medium ?? 0,
    low: low ?? 0,
    criticalIds: ids(EXTENSIONS.vulnCriticalIds),
    highIds: ids(EXTENSIONS.vulnHighIds),
  };
}

function artifactOf(
  event: CloudEventEnvelope,
  content: Record<string, unknown> | undefined,
): Pick<FactBase, 'artifact' | 'artifactPurl'> {
  const named = textAt(content, 'artifactId');
  const purl =
    extensionText(event, EXTENSIONS.artifact) ?? (named?.startsWith('pkg:') ? named : undefined);
  let artifact = extensionText(event, EXTENSIONS.artifactKey);
  if (artifact === undefined && named !== undefined) {
    const key = artifactKeyOf(named);
    artifact = key.ok ? key.key : named;
  }
  return { artifact, artifactPurl: purl };
}

function extensionTime(event: CloudEventEnvelope, name: string): number | undefined {
  const text = extensionText(event, name);
  const time = text === undefined ? undefined : Date.parse(text);
  return time !== undefined && Number.isFinite(time) ? time : undefined;
}

/**
 * @param factHeader the join's `cdstream-fact` header: `origin` or `change`
 * when it sent this event as an artifact's origin or change start, for lead
 * time only
 */
export function readFact(
  event: CloudEventEnvelope,
  time: number,
  factHeader?: string,
): DeliveryFact {
  const type = baseType(event.attributes.type);
  const cdevent = isPlainObject(event.data) ? event.data : undefined;
  const context = objectAt(cdevent, 'context');
  const subject = objectAt(cdevent, 'subject');
  const content = objectAt(subject, 'content');
  const isIncident = type.startsWith('dev.cdevents.incident.');
  const subjectService = type.startsWith('dev.cdevents.service.')
    ? textAt(subject, 'id')
    : textAt(objectAt(content, 'service'), 'id');
  const base: FactBase = {
    eventId: eventIdOf(
      textAt(context, 'source') ?? event.attributes.source,
      textAt(context, 'id') ?? event.attributes.id,
    ),
    time,
    service: extensionText(event, EXTENSIONS.service) ?? subjectService,
    environment:
      extensionText(event, EXTENSIONS.environment) ??
      textAt(objectAt(content, 'environment'), 'id'),
    ...artifactOf(event, content),
    findings: findingsOf(event),
  };
  if (factHeader === ORIGIN_FACT)
    return base.artifact === undefined ? { kind: 'other', type } : { ...base, kind: 'origin' };
  if (factHeader === CHANGE_FACT) {
    const changeLeadTimeStart = extensionTime(event, EXTENSIONS.changeLeadTimeStart);
    return base.artifact === undefined || changeLeadTimeStart === undefined
      ? { kind: 'other', type }
      : { ...base, kind: 'change-origin', changeLeadTimeStart };
  }
  switch (type) {
    case 'dev.cdevents.service.deployed':
    case 'dev.cdevents.service.upgraded': {
      return {
        ...base,
        kind: 'deployment',
        leadTimeStart: extensionTime(event, EXTENSIONS.leadTimeStart),
        changeLeadTimeStart: extensionTime(event, EXTENSIONS.changeLeadTimeStart),
      };
    }
    case 'dev.cdevents.service.rolledback':
      return { ...base, kind: 'rollback' };
    case 'dev.cdevents.service.removed':
      return { ...base, kind: 'removal' };
    case 'dev.knative.apiserver.resource.add':
    case 'dev.knative.apiserver.resource.update':
    case 'dev.knative.apiserver.resource.updated':
      return { ...base, kind: 'rollout' };
    case 'dev.knative.apiserver.resource.delete':
      return { ...base, kind: 'rollout-deleted' };
    case 'vmware.tanzu.apps.image.sbom.pushed.v1':
    case 'vmware.tanzu.apps.image.sbom.pushed.v1alpha1':
      return { ...base, kind: 'scan' };
  }
  if (isIncident && subject) {
    const phase = type.slice('dev.cdevents.incident.'.length);
    const source = textAt(context, 'source') ?? event.attributes.source;
    if (phase === 'detected' || phase === 'reported' || phase === 'resolved') {
      const subjectId = textAt(subject, 'id') ?? event.attributes.id;
      return {
        ...base,
        kind: 'incident',
        phase,
        incidentId: JSON.stringify([textAt(subject, 'source') ?? source, subjectId]),
        source,
      };
    }
  }
  const what = OUTCOME_TYPES[type];
  if (what !== undefined) {
    const outcome = (
      textAt(content, 'outcome') ?? textAt(objectAt(cdevent, 'customData'), 'outcome')
    )?.toLowerCase();
    if (outcome !== undefined && FAILED_OUTCOMES.has(outcome))
      return { ...base, kind: 'outcome', failed: true, what };
    if (outcome !== undefined && SUCCESSFUL_OUTCOMES.has(outcome))
      return { ...base, kind: 'outcome', failed: false, what };
  }
  return { kind: 'other', type };
}
