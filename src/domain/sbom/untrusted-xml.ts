import { XMLParser } from 'fast-xml-parser';
import { CdstreamError } from '../../errors.js';
import type { ParseLimits } from './limits.js';

const DECLARATION = /<!\s*(?:DOCTYPE|ENTITY)/i;
const PREDEFINED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};
const REFERENCE = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][\w.-]{0,31});/g;

function hostile(message: string): CdstreamError {
  return new CdstreamError('SBOM_HOSTILE', message);
}

function malformed(message: string, cause?: unknown): CdstreamError {
  return new CdstreamError('SBOM_MALFORMED', message, { cause });
}

/**
 * Element nesting depth, counted in one pass over the text without building
 * anything, so a 10 000-deep document is refused before the parser allocates
 * for it. Comments, CDATA, processing instructions and quoted attribute
 * values are skipped; anything unterminated is left for the parser to reject.
 */
function exceedsXmlDepth(text: string, limit: number): boolean {
  let depth = 0;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    const next = text[i + 1];
    let end: number;
    if (text.startsWith('<!--', i)) end = text.indexOf('-->', i + 4) + 2;
    else if (text.startsWith('<![CDATA[', i)) end = text.indexOf(']]>', i + 9) + 2;
    else if (next === '?' || next === '!') end = text.indexOf('>', i);
    else {
      end = i + 1;
      let quote: string | null = null;
      while (end < text.length && (quote !== null || text[end] !== '>')) {
        const char = text[end];
        if (quote !== null) {
          if (char === quote) quote = null;
        } else if (char === '"' || char === "'") quote = char;
        end += 1;
      }
      if (next === '/') depth -= 1;
      else if (text[end - 1] !== '/') {
        depth += 1;
        if (depth > limit) return true;
      }
    }
    if (end < i) return false;
    i = text.indexOf('<', end + 1);
  }
  return false;
}

/** Decodes the five predefined entities and numeric character references; any other entity is an error. */
export function decodeXmlReferences(value: string): string {
  if (!value.includes('&')) return value;
  let decoded = 0;
  const result = value.replace(REFERENCE, (_match, body: string) => {
    decoded += 1;
    if (!body.startsWith('#')) {
      const predefined = PREDEFINED[body];
      if (predefined === undefined) throw malformed(`undefined entity &${body};`);
      return predefined;
    }
    const codePoint =
      body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    const valid =
      codePoint === 0x9 ||
      codePoint === 0xa ||
      codePoint === 0xd ||
      (codePoint >= 0x20 &&
        codePoint <= 0x10ffff &&
        !(codePoint >= 0xd800 && codePoint <= 0xdfff) &&
        codePoint !== 0xfffe &&
        codePoint !== 0xffff);
    if (!valid) throw malformed(`&${body}; is not a valid XML character`);
    return String.fromCodePoint(codePoint);
  });
  if (decoded !== value.split('&').length - 1)
    throw malformed('a "&" does not start a valid reference');
  return result;
}

/** Decodes references in every string of a parsed tree (whose depth is already bounded). */
function decodeTree(node: unknown): unknown {
  if (typeof node === 'string') return decodeXmlReferences(node);
  if (Array.isArray(node)) return node.map(decodeTree);
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, decodeTree(child)]));
  }
  return node;
}

/**
 * Parses untrusted XML text (already size-checked) into a plain tree:
 * attributes as `@name`, text beside attributes as `#text`, namespace
 * prefixes removed, every value a string. Refuses any DOCTYPE or ENTITY
 * declaration before parsing, so no entity is ever defined, let alone
 * expanded; fast-xml-parser's own entity processing is off and only the
 * predefined and numeric references are decoded, here.
 */
export function parseUntrustedXml(
  text: string,
  limits: ParseLimits,
  isArray: (jPath: string) => boolean,
): Record<string, unknown> {
  if (DECLARATION.test(text)) throw hostile('the report contains a DOCTYPE or ENTITY declaration');
  if (exceedsXmlDepth(text, limits.maxDepth)) {
    throw hostile(`the report nests elements deeper than ${limits.maxDepth} levels`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    textNodeName: '#text',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: limits.maxDepth + 1,
    isArray: (_name, jPath) => isArray(String(jPath)),
  });
  let tree: unknown;
  try {
    // The separate fast-xml-validator package is not a dependency; the
    // validator built into fast-xml-parser 5 is the same code, and without it
    // unbalanced tags would be accepted.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    tree = parser.parse(text, true);
  } catch (error) {
    throw malformed(`the report is not well-formed XML: ${(error as Error).message}`, error);
  }
  return decodeTree(tree) as Record<string, unknown>;
}
