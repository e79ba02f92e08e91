import { CdstreamError } from '../../errors.js';
import { asObject, type JsonObject } from './json-access.js';
import type { ParseLimits } from './limits.js';
import { parseUntrustedXml } from './untrusted-xml.js';

/** CycloneDX XML wraps repeated elements (`<components><component/>…`); JSON uses a plain array. */
const WRAPPERS: Readonly<Record<string, string>> = {
  components: 'component',
  vulnerabilities: 'vulnerability',
  ratings: 'rating',
  affects: 'target',
  properties: 'property',
  tools: 'tool',
  references: 'reference',
  advisories: 'advisory',
  hashes: 'hash',
  licenses: 'license',
  cwes: 'cwe',
  dependencies: 'dependency',
  externalReferences: 'reference',
  versions: 'version',
  services: 'service',
};

const SPEC_VERSION =
  /xmlns(?::\w+)?\s*=\s*["']http:\/\/cyclonedx\.org\/schema\/bom\/(\d+\.\d+)["']/;

function isWrappedElement(jPath: string): boolean {
  const segments = jPath.split('.');
  const parent = segments.at(-2);
  return parent !== undefined && WRAPPERS[parent] === segments.at(-1);
}

/** `@attr` → `attr`, `#text` → `value` (as in `<property name="…">value</property>`), wrappers → arrays. */
function toJsonShape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonShape);
  const object = asObject(node);
  if (object === undefined) return node;
  const shaped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (key.startsWith('@')) shaped[key.slice(1)] = value;
    else if (key === '#text') shaped['value'] = value;
    else {
      const singular = WRAPPERS[key];
      const wrapped = singular === undefined ? undefined : asObject(value)?.[singular];
      shaped[key] = toJsonShape(wrapped ?? value);
    }
  }
  return shaped;
}

/** Parses CycloneDX XML into the JSON shape of the same BOM, with its spec version. */
export function cycloneDxXmlToJsonShape(
  text: string,
  limits: ParseLimits,
): { bom: JsonObject; specVersion: string | undefined } {
  const tree = parseUntrustedXml(text, limits, isWrappedElement);
  const root = asObject(tree['bom']);
  if (root === undefined) {
    throw new CdstreamError(
      'SBOM_UNSUPPORTED_FORMAT',
      'the XML document is not a CycloneDX BOM (no <bom> root)',
    );
  }
  const rootTag = text.slice(text.indexOf('<bom'), text.indexOf('>', text.indexOf('<bom')) + 1);
  return { bom: toJsonShape(root) as JsonObject, specVersion: SPEC_VERSION.exec(rootTag)?.[1] };
}
