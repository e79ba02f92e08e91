/** Narrowing readers for untrusted parsed documents: wrong shapes read as absent. */
export type JsonObject = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** An array, a single object as a one-element array, or empty. */
export function asObjects(value: unknown): JsonObject[] {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  return items.map(asObject).filter((item): item is JsonObject => item !== undefined);
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function asStrings(value: unknown): string[] {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  return items.map(asString).filter((item): item is string => item !== undefined);
}

export function asNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}
