/**
 * What the join remembers about an artifact besides where it runs: its latest
 * scan summary (so a deployment can carry the findings of what it deploys)
 * and when it was first built, packaged or published (where lead time starts).
 */
export interface ScanSummary {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  /** comma-separated ids, as the scan report's extensions carry them */
  readonly criticalIds: string;
  readonly highIds: string;
  /** event time of the scan, epoch ms */
  readonly scannedAt: number;
}

export interface ArtifactFacts {
  readonly scan?: ScanSummary;
  /** earliest build.finished / artifact.packaged / artifact.published event time, epoch ms */
  readonly firstBuiltAt?: number;
  /** changes it was packaged from (change key → earliest artifact.packaged naming it), see changes.ts */
  readonly changes?: Readonly<Record<string, number>>;
}

/** Keeps the newest scan: a report delivered late does not replace a newer one. */
export function recordScan(facts: ArtifactFacts | undefined, scan: ScanSummary): ArtifactFacts {
  const current = facts?.scan;
  if (current !== undefined && current.scannedAt > scan.scannedAt) return { ...facts };
  return { ...facts, scan };
}

/** Keeps the earliest time: a rebuild or republish of the same artifact does not restart lead time. */
export function recordOrigin(facts: ArtifactFacts | undefined, at: number): ArtifactFacts {
  const current = facts?.firstBuiltAt;
  return { ...facts, firstBuiltAt: current === undefined ? at : Math.min(current, at) };
}

export function sameFacts(a: ArtifactFacts | undefined, b: ArtifactFacts | undefined): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}
