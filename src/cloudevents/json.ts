import { CdstreamError } from '../errors.js';

export const DEFAULT_MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8: invalid sequences are an error, not U+FFFD. A leading BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array, path?: string): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    return fail('DECODE_UTF8', 'the bytes are not valid UTF-8', path, cause);
  }
}

/**
 * JSON.parse, refusing documents nested deeper than `maxDepth` before parsing
 * them, so that no later recursive walk (schema validation, mapping) can
 * overflow the stack on hostile input.
 */
export function parseJson(text: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): unknown {
  // no more opening brackets than the limit in all: it cannot nest deeper (the cheap check first)
  if (openingBrackets(text, maxDepth) > maxDepth && nestingDepth(text, maxDepth) > maxDepth) {
    fail('DECODE_JSON', `the JSON is nested deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return fail('DECODE_JSON', `the value is not valid JSON: ${reason}`, undefined, cause);
  }
}

/** Depth of [ and { outside strings, counted until it passes `limit`. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (char === 0x5d || char === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/**
 * [ and { anywhere in the text (in strings too), counted until the count
 * passes `limit`: indexOf is far cheaper than following strings character
 * by character, as nestingDepth has to.
 */
function openingBrackets(text: string, limit: number): number {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      if (++count > limit) return count;
    }
  }
  return count;
}

function fail(
  code: 'DECODE_UTF8' | 'DECODE_JSON',
  message: string,
  path?: string,
  cause?: unknown,
): never {
  throw new CdstreamError(code, message, {
    ...(path === undefined ? {} : { path }),
    ...(cause === undefined ? {} : { cause }),
  });
}
