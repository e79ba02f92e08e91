import { normaliseDigest } from './digest.js';
import { formatPurl } from './format-purl.js';
import { parseImageRef } from './image-ref.js';
import type { PurlParts } from './purl-parts.js';

/**
 * The join key of an artifact: its identity, not its spelling.
 * - `sha256:<hex>` (any `algorithm:hex`) when an image digest is known;
 * - `tag:<registry/path>:<tag>` for an image known only by a tag, which can
 *   move: `digestKnown` is false and such a key never matches a digest key;
 * - otherwise the canonical purl without display-only qualifiers.
 */
export interface ArtifactKey {
  readonly key: string;
  readonly digestKnown: boolean;
}

/** Qualifiers that say how an artifact was seen or listed, not which artifact it is. */
export const DISPLAY_ONLY_QUALIFIERS: ReadonlySet<string> = new Set(['tag', 'arch', 'package-id']);

export function tagKey(repository: string, tag: string | null): ArtifactKey {
  return { key: `tag:${repository}:${tag ?? 'latest'}`, digestKnown: false };
}

function ociKey(parts: PurlParts): ArtifactKey {
  if (parts.version !== null) return { key: parts.version, digestKnown: true };
  return tagKey(parts.qualifiers['repository_url'] ?? parts.name, parts.qualifiers['tag'] ?? null);
}

function dockerKey(parts: PurlParts): ArtifactKey | undefined {
  const digest = parts.version === null ? undefined : normaliseDigest(parts.version, false);
  if (digest !== undefined) return { key: digest, digestKnown: true };
  const registry = parts.qualifiers['repository_url']?.replace(/^[a-z]+:\/\//i, '');
  const repository = [registry, parts.namespace, parts.name].filter((s) => s != null).join('/');
  const parsed = parseImageRef(repository);
  return parsed.ok ? tagKey(parsed.ref.repository, parts.version) : undefined;
}

export function artifactKeyOfParts(parts: PurlParts): ArtifactKey {
  if (parts.type === 'oci') return ociKey(parts);
  if (parts.type === 'docker') {
    const key = dockerKey(parts);
    if (key !== undefined) return key;
  }
  return { key: formatPurl(parts, DISPLAY_ONLY_QUALIFIERS), digestKnown: false };
}
