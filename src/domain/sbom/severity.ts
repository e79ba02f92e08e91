export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Spellings scanners and advisory sources use, mapped onto our six levels. */
const ALIASES: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  high: 'high',
  important: 'high', // Red Hat
  medium: 'medium',
  moderate: 'medium', // GitHub, Red Hat
  low: 'low',
  negligible: 'low', // Grype, Debian: a finding, if a minor one
  info: 'none', // CycloneDX: informational, not a weakness
  informational: 'none',
  none: 'none',
  unknown: 'unknown',
};

const RANK: Readonly<Record<Severity, number>> = {
  critical: 5,
  high: 4,
  medium: 3,
  low: 2,
  none: 1,
  unknown: 0,
};

export function normaliseSeverity(value: string | undefined): Severity | undefined {
  return value === undefined ? undefined : ALIASES[value.trim().toLowerCase()];
}

/** CVSS v3/v4 qualitative bands, for a rating that has a score and no severity. */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}

/** The highest of several severities; `unknown` when there are none. */
export function highestSeverity(severities: Iterable<Severity>): Severity {
  let highest: Severity = 'unknown';
  for (const severity of severities) if (RANK[severity] > RANK[highest]) highest = severity;
  return highest;
}
