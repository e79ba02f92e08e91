/**
 * Changes for lead time from the change: which change an artifact was
 * packaged from (`artifact.packaged` names `subject.content.change`), and
 * when that change started (its earliest `change.created` or
 * `change.merged`). Change events are few; ingest broadcasts them to every
 * partition of the join, so each task knows every change and joins it with
 * the artifacts of its own partition.
 *
 * A change is identified by (source, id): a reference's `source` defaults
 * to the referring event's context source, a change event's subject
 * `source` to its own context source, as the CDEvents spec words it.
 */
import { stringAt } from './json-fields.js';

export interface ChangeEntry {
  /** earliest change.created / change.merged event time, epoch ms */
  readonly startedAt?: number | undefined;
  /** artifacts of this partition packaged from the change → earliest packaged event time */
  readonly artifacts: Readonly<Record<string, number>>;
  /** the latest event time that touched the entry, for eviction */
  readonly touchedAt: number;
}

/** Changes a join task keeps; past this, the least recently touched go. */
export const MAX_CHANGES = 10_000;
/** Changes one artifact keeps links to, and artifacts one change keeps (the earliest packaged). */
export const MAX_LINKS = 16;

const CHANGE_START_TYPE = /^dev\.cdevents\.change\.(created|merged)\.\d/;

export const isChangeStart = (type: string): boolean => CHANGE_START_TYPE.test(type);

const changeKey = (source: string, id: string): string => JSON.stringify([source, id]);

/** The change an artifact.packaged names, or undefined. */
export function packagedChangeOf(cdevent: unknown): string | undefined {
  const id = stringAt(cdevent, ['subject', 'content', 'change', 'id']);
  const source =
    stringAt(cdevent, ['subject', 'content', 'change', 'source']) ??
    stringAt(cdevent, ['context', 'source']);
  return id === undefined || source === undefined ? undefined : changeKey(source, id);
}

/** The change a change.created / change.merged is about. */
export function changeSubjectOf(cdevent: unknown): string | undefined {
  const id = stringAt(cdevent, ['subject', 'id']);
  const source =
    stringAt(cdevent, ['subject', 'source']) ?? stringAt(cdevent, ['context', 'source']);
  return id === undefined || source === undefined ? undefined : changeKey(source, id);
}

/** Keeps the earliest time per key, and at most `max` keys (the earliest). */
export function earliestLinks(
  links: Readonly<Record<string, number>> | undefined,
  key: string,
  at: number,
  max = MAX_LINKS,
): Record<string, number> {
  const current = links?.[key];
  const next = { ...links, [key]: current === undefined ? at : Math.min(current, at) };
  const entries = Object.entries(next);
  if (entries.length <= max) return next;
  return Object.fromEntries(entries.sort(([, a], [, b]) => a - b).slice(0, max));
}

/**
 * Where lead time from the change starts for a deployment at `time` of an
 * artifact packaged from `links` (change → packaged time): the earliest
 * change start among the changes whose packaged event and start are both at
 * or before the deployment.
 */
export function changeStartFor(
  links: Readonly<Record<string, number>> | undefined,
  startOf: (change: string) => number | undefined,
  time: number,
): number | undefined {
  let start: number | undefined;
  for (const [change, packagedAt] of Object.entries(links ?? {})) {
    const startedAt = startOf(change);
    if (startedAt === undefined || Math.max(packagedAt, startedAt) > time) continue;
    if (start === undefined || startedAt < start) start = startedAt;
  }
  return start;
}
