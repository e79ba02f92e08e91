export { parsePurl, canonicalPurl, MAX_PURL_LENGTH, type PurlResult } from './purl.js';
export type { PurlParts } from './purl-parts.js';
export { formatPurl } from './format-purl.js';
export { parseImageRef, type ImageRef, type ImageRefResult } from './image-ref.js';
export {
  artifactKeyOf,
  imageRefToPurl,
  imageArtifactKeys,
  type ArtifactKeyResult,
  type ImagePurlResult,
  type ImageArtifactKeys,
} from './artifact-key.js';
export { DISPLAY_ONLY_QUALIFIERS, type ArtifactKey } from './purl-key.js';
export { normaliseDigest } from './digest.js';
