import { isRecord } from './json-fields.js';

/**
 * Label keys that name a cluster's environment on an AMR location, in order
 * of preference. Compared case-insensitively.
 */
export const ENVIRONMENT_LABELS = ['environment', 'env'] as const;

/**
 * The environment a `location.created` event assigns to its cluster. AMR
 * writes labels as `[{key, value}]`; a plain `{key: value}` object is read too.
 * Undefined when no environment label is set.
 */
export function locationEnvironment(data: unknown): string | undefined {
  const labels = labelsOf(isRecord(data) ? data.labels : undefined);
  for (const wanted of ENVIRONMENT_LABELS) {
    const value = labels.get(wanted);
    if (value !== undefined) return value;
  }
  return undefined;
}

function labelsOf(raw: unknown): Map<string, string> {
  const labels = new Map<string, string>();
  const add = (key: unknown, value: unknown): void => {
    if (typeof key === 'string' && typeof value === 'string' && value !== '') {
      labels.set(key.toLowerCase(), value);
    }
  };
  if (Array.isArray(raw)) {
    for (const label of raw) if (isRecord(label)) add(label.key, label.value);
  } else if (isRecord(raw)) {
    for (const [key, value] of Object.entries(raw)) add(key, value);
  }
  return labels;
}
