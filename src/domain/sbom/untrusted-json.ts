import { CdstreamError } from '../../errors.js';
import type { ParseLimits } from './limits.js';

/** Deepest array/object nesting of JSON text, counted without parsing; stops early past `limit`. */
function exceedsJsonDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c /* \ */) i += 1;
      else if (char === 0x22 /* " */) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b /* { */ || char === 0x5b /* [ */) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === 0x7d /* } */ || char === 0x5d /* ] */) {
      depth -= 1;
    }
  }
  return false;
}

/** Parses untrusted JSON text (already size-checked) within the depth limit. */
export function parseUntrustedJson(text: string, limits: ParseLimits): unknown {
  if (exceedsJsonDepth(text, limits.maxDepth)) {
    throw new CdstreamError(
      'SBOM_HOSTILE',
      `the report nests deeper than ${limits.maxDepth} levels`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CdstreamError(
      'SBOM_MALFORMED',
      `the report is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Depth of an already-parsed value (a structured CloudEvent's JSON data), bounded by `limit`. */
export function exceedsValueDepth(value: unknown, limit: number, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth + 1 > limit) return true;
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => exceedsValueDepth(child, limit, depth + 1));
}
