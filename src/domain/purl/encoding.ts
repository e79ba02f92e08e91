/**
 * Percent-encoding of purl components as the current purl specification
 * defines it: everything but the alphanumerics, `.-_~` and the colon is
 * encoded, as UTF-8, with upper-case hex digits. Unlike encodeURIComponent,
 * `!'()*` are encoded too, and a colon never is.
 */
export function encodePurlComponent(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%3A/g, ':');
}

/** Encodes each `/`-separated segment and keeps the separators. */
export function encodePurlPath(segments: readonly string[]): string {
  return segments.map(encodePurlComponent).join('/');
}

/** Percent-decodes only: a `+` stays a `+` (purls are not form-encoded). */
export function decodePurlComponent(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
