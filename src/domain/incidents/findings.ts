/** Vulnerability findings of one scanned artifact, as the join forwards them (cdsvuln* extensions). */
export type Severity = 'critical' | 'high' | 'medium' | 'low';

export const SEVERITIES_DESCENDING: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export interface Findings {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  /** ids of the critical / high findings, when the scan named them */
  readonly criticalIds: readonly string[];
  readonly highIds: readonly string[];
}

export interface FindingsAtOrAbove {
  readonly count: number;
  /** the named ids among them (critical and high only carry ids) */
  readonly ids: readonly string[];
}

export function findingsAtOrAbove(findings: Findings, threshold: Severity): FindingsAtOrAbove {
  const included = SEVERITIES_DESCENDING.slice(0, SEVERITIES_DESCENDING.indexOf(threshold) + 1);
  const count = included.reduce((sum, severity) => sum + findings[severity], 0);
  const ids = [
    ...(included.includes('critical') ? findings.criticalIds : []),
    ...(included.includes('high') ? findings.highIds : []),
  ];
  return { count, ids };
}

export function describeFindings(found: FindingsAtOrAbove, threshold: Severity): string {
  const named =
    found.ids.length === 0
      ? ''
      : ` (${found.ids.slice(0, 10).join(', ')}${found.ids.length > 10 ? ', …' : ''})`;
  return `${found.count} finding(s) at or above ${threshold}${named}`;
}
