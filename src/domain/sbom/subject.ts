import {
  artifactKeyOf,
  imageRefToPurl,
  normaliseDigest,
  parseImageRef,
  parsePurl,
} from '../purl/index.js';
import type { ScanSubject } from './scan-report.js';

/** What a report says about its subject, in the report's own spelling. */
export interface SubjectClues {
  readonly purl?: string | undefined;
  readonly name?: string | undefined;
  readonly version?: string | undefined;
  /** `repo@sha256:…` strings (Trivy's RepoDigests) */
  readonly repoDigests?: readonly string[];
}

function digestOfReference(reference: string): string | undefined {
  const parsed = parseImageRef(reference);
  return parsed.ok ? (parsed.ref.digest ?? undefined) : undefined;
}

/**
 * Builds the subject from the clues: digests from the purl, a digest-shaped
 * version, a `name@digest` and repo digests, in that order, deduplicated. When
 * there is no purl but a name and a digest, the purl is built from them.
 */
export function resolveSubject(clues: SubjectClues): ScanSubject {
  const parsedPurl = clues.purl === undefined ? undefined : parsePurl(clues.purl);
  const purl = parsedPurl?.ok === true ? parsedPurl : undefined;
  const candidates = [
    purl?.digestKnown === true ? purl.artifactKey : undefined,
    clues.version === undefined ? undefined : normaliseDigest(clues.version, true),
    clues.name?.includes('@') === true ? digestOfReference(clues.name) : undefined,
    ...(clues.repoDigests ?? []).map(digestOfReference),
  ];
  const digests = [
    ...new Set(candidates.filter((digest): digest is string => digest !== undefined)),
  ];
  const digest = digests[0] ?? null;

  let canonical = purl?.canonical ?? null;
  if (canonical === null && clues.name !== undefined && digest !== null) {
    const image = imageRefToPurl(clues.name.includes('@') ? clues.name : `${clues.name}@${digest}`);
    if (image.ok) canonical = image.purl;
  }
  const keyFromPurl = canonical === null ? null : artifactKeyOf(canonical);
  return {
    purl: canonical,
    digest,
    digests,
    name: clues.name ?? null,
    artifactKey: digest ?? (keyFromPurl?.ok === true ? keyFromPurl.key : null),
  };
}
