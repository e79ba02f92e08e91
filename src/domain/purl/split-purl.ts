import { decodePurlComponent } from './encoding.js';

/** The decoded components of a purl string, before any normalisation. */
export interface RawPurl {
  type: string;
  namespaceSegments: string[];
  name: string;
  version: string | undefined;
  qualifiers: Map<string, string>;
  subpath: string | undefined;
}

export type SplitResult = { ok: true; raw: RawPurl } | { ok: false; reason: string };

function failure(reason: string): SplitResult {
  return { ok: false, reason };
}

/** Splits `head<separator>tail` at the last separator; no separator means no tail. */
function splitFromRight(text: string, separator: string): [string, string | undefined] {
  const index = text.lastIndexOf(separator);
  return index === -1 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

function decodeQualifiers(text: string): Map<string, string> | string {
  const qualifiers = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = (equals === -1 ? pair : pair.slice(0, equals)).toLowerCase();
    const value = decodePurlComponent(equals === -1 ? '' : pair.slice(equals + 1));
    if (value === undefined) return `qualifier "${key}" has an invalid percent-encoding`;
    if (qualifiers.has(key)) return `qualifier "${key}" appears more than once`;
    qualifiers.set(key, value);
  }
  return qualifiers;
}

function decodeSegments(text: string, component: string): string[] | string {
  const segments: string[] = [];
  for (const encoded of text.split('/')) {
    if (encoded === '') continue;
    const segment = decodePurlComponent(encoded);
    if (segment === undefined) return `${component} has an invalid percent-encoding`;
    segments.push(segment);
  }
  return segments;
}

/**
 * Splits a purl string into decoded components following the parsing
 * algorithm of the purl specification. Qualifier values are percent-decoded
 * only (packageurl-js form-decodes them, turning `+` into a space).
 */
export function splitPurl(input: string): SplitResult {
  const [beforeSubpath, encodedSubpath] = splitFromRight(input, '#');
  const [beforeQualifiers, encodedQualifiers] = splitFromRight(beforeSubpath, '?');

  const colon = beforeQualifiers.indexOf(':');
  if (colon === -1 || beforeQualifiers.slice(0, colon).toLowerCase() !== 'pkg') {
    return failure('missing the "pkg:" scheme');
  }
  const path = beforeQualifiers.slice(colon + 1).replace(/^\/+/, '');

  const typeEnd = path.indexOf('/');
  if (typeEnd <= 0) return failure('missing the type or the name');
  const type = path.slice(0, typeEnd);
  let rest = path.slice(typeEnd + 1).replace(/\/+$/, '');

  let encodedVersion: string | undefined;
  const at = rest.lastIndexOf('@');
  // An unencoded '@' that starts a segment (npm scopes) is not a version separator.
  if (at > 0 && rest[at - 1] !== '/') {
    encodedVersion = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }

  const [encodedNamespace, encodedName] = rest.includes('/')
    ? splitFromRight(rest, '/')
    : ['', rest];
  const name = decodePurlComponent(encodedName ?? '');
  if (name === undefined) return failure('name has an invalid percent-encoding');
  if (name.trim() === '') return failure('missing the name');

  const namespaceSegments = decodeSegments(encodedNamespace, 'namespace');
  if (typeof namespaceSegments === 'string') return failure(namespaceSegments);

  const version = encodedVersion === undefined ? undefined : decodePurlComponent(encodedVersion);
  if (encodedVersion !== undefined && version === undefined) {
    return failure('version has an invalid percent-encoding');
  }

  const qualifiers = decodeQualifiers(encodedQualifiers ?? '');
  if (typeof qualifiers === 'string') return failure(qualifiers);

  const subpathSegments = decodeSegments(encodedSubpath ?? '', 'subpath');
  if (typeof subpathSegments === 'string') return failure(subpathSegments);

  return {
    ok: true,
    raw: {
      type,
      namespaceSegments,
      name,
      version: version === '' ? undefined : version,
      qualifiers,
      subpath: subpathSegments.length === 0 ? undefined : subpathSegments.join('/'),
    },
  };
}
