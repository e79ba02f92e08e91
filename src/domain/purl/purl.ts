import { PackageURL } from 'packageurl-js';
import { CdstreamError } from '../../errors.js';
import { withRecentResults } from '../../recent-results.js';
import { formatPurl } from './format-purl.js';
import type { PurlParts } from './purl-parts.js';
import { artifactKeyOfParts } from './purl-key.js';
import { splitPurl, type RawPurl } from './split-purl.js';
import { applyTypeRules, relocateOciRepositoryPath } from './type-rules.js';

export type PurlResult =
  | {
      readonly ok: true;
      readonly input: string;
      /** canonical per the current purl spec */
      readonly canonical: string;
      readonly parts: PurlParts;
      /** the join key, see ArtifactKey */
      readonly artifactKey: string;
      readonly digestKnown: boolean;
    }
  | { readonly ok: false; readonly input: string; readonly reason: string };

/** Purls longer than this are refused: artifact ids are short, and this bounds the work. */
export const MAX_PURL_LENGTH = 4096;

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Invalid purl: /, '');
}

/** packageurl-js validates the type, qualifier keys and per-type rules, and lower-cases where its type table says so. */
function normaliseWithPackageUrl(raw: RawPurl): PurlParts | string {
  try {
    const purl = new PackageURL(
      raw.type,
      raw.namespaceSegments.length === 0 ? undefined : raw.namespaceSegments.join('/'),
      raw.name,
      raw.version,
      Object.fromEntries(raw.qualifiers),
      raw.subpath,
    );
    return {
      type: purl.type,
      namespace: purl.namespace === undefined || purl.namespace === '' ? null : purl.namespace,
      name: purl.name,
      version: purl.version === undefined || purl.version === '' ? null : purl.version,
      qualifiers: { ...(purl.qualifiers ?? {}) },
      subpath: purl.subpath === undefined || purl.subpath === '' ? null : purl.subpath,
    };
  } catch (error) {
    return errorMessage(error);
  }
}

/**
 * Results of recent inputs: the same artifact ids and SBOM component purls
 * come again and again, and parsing one costs a packageurl-js object, its
 * type rules and a canonical spelling. Bounded; emptied when full.
 */
const parseRemembered = withRecentResults((input) => frozen(parseUncached(input)), {
  limit: 4096,
});

/** Parses, validates and canonicalises a package-url. Never throws. The result is frozen (it may be shared). */
export function parsePurl(input: string): PurlResult {
  return parseRemembered(input);
}

function frozen(result: PurlResult): PurlResult {
  if (result.ok) {
    Object.freeze(result.parts.qualifiers);
    Object.freeze(result.parts);
  }
  return Object.freeze(result);
}

function parseUncached(input: string): PurlResult {
  const fail = (reason: string): PurlResult => ({ ok: false, input, reason });
  if (input.length > MAX_PURL_LENGTH) return fail(`longer than ${MAX_PURL_LENGTH} characters`);

  const split = splitPurl(input.trim());
  if (!split.ok) return fail(split.reason);
  const isOci = split.raw.type.toLowerCase() === 'oci';
  const raw = isOci ? relocateOciRepositoryPath(split.raw) : split.raw;
  if (raw.namespaceSegments.some((segment) => segment.includes('/'))) {
    return fail('a namespace segment contains an encoded "/"');
  }

  const normalised = normaliseWithPackageUrl(raw);
  if (typeof normalised === 'string') return fail(normalised);
  const parts = applyTypeRules(normalised);
  if (typeof parts === 'string') return fail(parts);

  const { key, digestKnown } = artifactKeyOfParts(parts);
  return { ok: true, input, canonical: formatPurl(parts), parts, artifactKey: key, digestKnown };
}

/** The canonical spelling of a purl; throws CdstreamError(PURL_INVALID) with the reason. */
export function canonicalPurl(input: string): string {
  const result = parsePurl(input);
  if (!result.ok)
    throw new CdstreamError('PURL_INVALID', `invalid purl "${input}": ${result.reason}`);
  return result.canonical;
}
