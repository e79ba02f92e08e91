const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `500ms`, `30s`, `10m`, `1h`, `1d`, `1w`, or a whole number of ms. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^([0-9]+)(ms|s|m|h|d|w)$/.exec(value);
  const unit = match?.[2];
  if (!match || unit === undefined)
    throw new RangeError(`"${value}" is not a duration such as 30s, 10m, 1h, 1d`);
  return Number(match[1]) * (UNIT_MS[unit] ?? 1);
}
