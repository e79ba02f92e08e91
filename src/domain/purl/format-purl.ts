import { encodePurlComponent, encodePurlPath } from './encoding.js';
import type { PurlParts } from './purl-parts.js';

/** Serialises parts in canonical form: sorted qualifiers, literal colons, spec encoding. */
export function formatPurl(
  parts: PurlParts,
  omitQualifiers: ReadonlySet<string> = new Set(),
): string {
  let purl = `pkg:${parts.type}/`;
  if (parts.namespace !== null) purl += `${encodePurlPath(parts.namespace.split('/'))}/`;
  purl += encodePurlComponent(parts.name);
  if (parts.version !== null) purl += `@${encodePurlComponent(parts.version)}`;
  const qualifiers = Object.keys(parts.qualifiers)
    .filter((key) => !omitQualifiers.has(key))
    .sort()
    .map((key) => `${key}=${encodePurlComponent(parts.qualifiers[key] ?? '')}`);
  if (qualifiers.length > 0) purl += `?${qualifiers.join('&')}`;
  if (parts.subpath !== null) purl += `#${encodePurlPath(parts.subpath.split('/'))}`;
  return purl;
}
