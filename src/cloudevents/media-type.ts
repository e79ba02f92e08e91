import { withRecentResults } from '../recent-results.js';

/** A parsed media type: `application/cloudevents+json; charset=utf-8` → essence and parameters. */
export interface MediaType {
  /** lower-case type/subtype without parameters */
  readonly essence: string;
  readonly parameters: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Every record of a stream carries the same content type: each is parsed once. */
const parseRemembered = withRecentResults(parseUncached, { limit: 64, maxInputLength: 256 });

/** Returns undefined when the text is not a media type. The result is frozen and may be shared. */
export function parseMediaType(text: string): MediaType | undefined {
  return parseRemembered(text);
}

function parseUncached(text: string): MediaType | undefined {
  const [head = '', ...rest] = text.split(';');
  const essence = head.trim().toLowerCase();
  if (!TOKEN.test(essence)) return undefined;
  const parameters: Record<string, string> = {};
  for (const part of rest) {
    const separator = part.indexOf('=');
    if (separator <= 0) {
      if (part.trim() === '') continue;
      return undefined;
    }
    const name = part.slice(0, separator).trim().toLowerCase();
    parameters[name] = part
      .slice(separator + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return Object.freeze({ essence, parameters: Object.freeze(parameters) });
}

/** application/json and any +json type (application/vnd.cyclonedx+json, application/spdx+json, …). */
export function isJsonMediaType(essence: string): boolean {
  return essence === 'application/json' || essence === 'text/json' || essence.endsWith('+json');
}

/** Content that is text: decoded as a UTF-8 string rather than kept as bytes. */
export function isTextMediaType(essence: string): boolean {
  return essence.startsWith('text/') || essence === 'application/xml' || essence.endsWith('+xml');
}
