import { bareSha256, normaliseDigest } from './digest.js';
import { formatPurl } from './format-purl.js';
import { parseImageRef, type ImageRef } from './image-ref.js';
import { parsePurl } from './purl.js';
import { tagKey, type ArtifactKey } from './purl-key.js';

export type ArtifactKeyResult =
  | (ArtifactKey & {
      readonly ok: true;
      /** the canonical purl of the input; null for a bare digest */
      readonly purl: string | null;
    })
  | { readonly ok: false; readonly reason: string };

export type ImagePurlResult =
  | (ArtifactKey & { readonly ok: true; readonly purl: string; readonly ref: ImageRef })
  | { readonly ok: false; readonly reason: string };

/**
 * Maps an image reference to `pkg:oci/<name>@<digest>?repository_url=<registry/path>&tag=<tag>`.
 * Without a digest the purl has no version and `digestKnown` is false: it
 * names a repository and tag, which can move, so it is keyed by them
 * (`tag:<registry/path>:<tag or latest>`) and never joins a digest.
 */
export function imageRefToPurl(reference: string): ImagePurlResult {
  const parsed = parseImageRef(reference);
  if (!parsed.ok) return parsed;
  const { ref } = parsed;
  const qualifiers: Record<string, string> = { repository_url: ref.repository };
  if (ref.tag !== null) qualifiers['tag'] = ref.tag;
  const purl = formatPurl({
    type: 'oci',
    namespace: null,
    name: ref.name,
    version: ref.digest,
    qualifiers,
    subpath: null,
  });
  const key: ArtifactKey =
    ref.digest === null ? tagKey(ref.repository, ref.tag) : { key: ref.digest, digestKnown: true };
  return { ok: true, purl, ref, ...key };
}

/**
 * The join key of a purl, an image reference, an `algorithm:hex` digest or a
 * bare 64-hex sha256 (as early CDEvents examples write artifact ids).
 */
export function artifactKeyOf(purlOrImageRef: string): ArtifactKeyResult {
  const input = purlOrImageRef.trim();
  if (/^pkg:/i.test(input)) {
    const result = parsePurl(input);
    if (!result.ok) return { ok: false, reason: result.reason };
    return {
      ok: true,
      key: result.artifactKey,
      digestKnown: result.digestKnown,
      purl: result.canonical,
    };
  }
  if (/^sha(256|512):/i.test(input) || /^[0-9a-f]{64}$/i.test(input)) {
    const digest = bareSha256(input) ?? normaliseDigest(input, true);
    if (digest === undefined) return { ok: false, reason: `"${input}" is not a complete digest` };
    return { ok: true, key: digest, digestKnown: true, purl: null };
  }
  const image = imageRefToPurl(input);
  if (!image.ok) return image;
  return { ok: true, key: image.key, digestKnown: image.digestKnown, purl: image.purl };
}

/** Every join key of one image, primary first; see imageArtifactKeys. */
export interface ImageArtifactKeys {
  readonly primary: string;
  readonly all: readonly string[];
}

/**
 * A multi-platform image has an index digest (what `docker pull` and most
 * deployment manifests name) and one manifest digest per platform (what a
 * scanner of one platform reports, and what a node's imageID may show). Both
 * identify the same deployed artifact, so the join table stores a row under
 * every key in `all`, and a lookup with any one of them finds it. The index
 * digest is primary when known. Invalid digests are ignored; undefined when
 * none is valid.
 */
export function imageArtifactKeys(digests: {
  readonly index?: string | null;
  readonly platform?: readonly string[] | string | null;
}): ImageArtifactKeys | undefined {
  const platform =
    typeof digests.platform === 'string' ? [digests.platform] : (digests.platform ?? []);
  const all = [digests.index ?? '', ...platform]
    .map((digest) => normaliseDigest(digest, false))
    .filter((digest): digest is string => digest !== undefined);
  const unique = [...new Set(all)];
  const primary = unique[0];
  return primary === undefined ? undefined : { primary, all: unique };
}
