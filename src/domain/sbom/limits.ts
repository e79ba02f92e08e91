/** Bounds on an untrusted scan report: every parse stays within them or fails with SBOM_HOSTILE. */
export interface ParseLimits {
  /** largest accepted document, in bytes (UTF-8) */
  readonly maxBytes: number;
  /** deepest accepted element (XML) or array/object (JSON) nesting */
  readonly maxDepth: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64 };
