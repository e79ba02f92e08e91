import type { Severity } from './severity.js';

export type ScanFormat = 'cyclonedx-xml' | 'cyclonedx-json' | 'spdx-json';

/** The scanned artifact (an image, usually). */
export interface ScanSubject {
  readonly purl: string | null;
  /** the primary digest: the first of `digests` */
  readonly digest: string | null;
  /** every image digest the report names for the subject (purl, version, repo digests), lower-case */
  readonly digests: readonly string[];
  readonly name: string | null;
  /** the join key: the primary digest, else the purl's artifact key */
  readonly artifactKey: string | null;
}

export interface ScanComponent {
  /** canonical purl */
  readonly purl: string;
  readonly artifactKey: string;
  readonly name: string | null;
  readonly version: string | null;
}

/** One finding: a vulnerability in one component (a vulnerability affecting two components is two findings). */
export interface ScanVulnerability {
  readonly id: string;
  readonly severity: Severity;
  /** canonical purl of the affected component; null when the report names none we can resolve */
  readonly componentPurl: string | null;
  readonly componentKey: string | null;
  readonly source: string | null;
}

export type SeverityCounts = Readonly<Record<Severity, number>> & { readonly total: number };

export interface ScanReport {
  readonly format: ScanFormat;
  readonly specVersion: string;
  readonly subject: ScanSubject;
  readonly components: readonly ScanComponent[];
  readonly vulnerabilities: readonly ScanVulnerability[];
  readonly counts: SeverityCounts;
  /** components whose purl is missing or invalid, left out of `components` */
  readonly skippedComponents: number;
}

export function countSeverities(vulnerabilities: readonly ScanVulnerability[]): SeverityCounts {
  const counts = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0, total: 0 };
  for (const { severity } of vulnerabilities) {
    counts[severity] += 1;
    counts.total += 1;
  }
  return counts;
}
