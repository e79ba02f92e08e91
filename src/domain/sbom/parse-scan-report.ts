import { CdstreamError } from '../../errors.js';
import { declaredFormat, sniffSyntax, type DeclaredFormat } from './content-type.js';
import { cycloneDxXmlToJsonShape } from './cyclonedx-xml.js';
import { readCycloneDx } from './cyclonedx.js';
import { asObject, asString, type JsonObject } from './json-access.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './limits.js';
import { reportText } from './report-text.js';
import type { ScanReport } from './scan-report.js';
import { readSpdx } from './spdx.js';
import { exceedsValueDepth, parseUntrustedJson } from './untrusted-json.js';

const CYCLONEDX_VERSIONS = new Set(['1.4', '1.5', '1.6']);
const SPDX_VERSIONS = new Set(['2.2', '2.3']);

/** Report data as a CloudEvent carries it: bytes (binary mode), text, or already-parsed JSON (structured mode). */
export type ScanReportData = string | Uint8Array | Readonly<Record<string, unknown>>;

function unsupported(message: string): CdstreamError {
  return new CdstreamError('SBOM_UNSUPPORTED_FORMAT', message);
}

function checkDeclared(declared: DeclaredFormat, actual: 'cyclonedx-json' | 'spdx-json'): void {
  if (declared !== actual && declared !== 'json' && declared !== 'sniff') {
    throw new CdstreamError(
      'SBOM_MALFORMED',
      `the content type says ${declared} but the document is ${actual}`,
    );
  }
}

function readJsonDocument(document: JsonObject, declared: DeclaredFormat): ScanReport {
  if (asString(document['bomFormat']) === 'CycloneDX') {
    checkDeclared(declared, 'cyclonedx-json');
    const version = asString(document['specVersion']) ?? '';
    if (!CYCLONEDX_VERSIONS.has(version))
      throw unsupported(`CycloneDX ${version || '(no specVersion)'} is not read (1.4–1.6 are)`);
    return readCycloneDx(document, 'cyclonedx-json', version);
  }
  const spdxVersion = asString(document['spdxVersion']);
  if (spdxVersion !== undefined) {
    checkDeclared(declared, 'spdx-json');
    const version = spdxVersion.replace(/^SPDX-/i, '');
    if (!SPDX_VERSIONS.has(version))
      throw unsupported(`SPDX ${version} is not read (2.2 and 2.3 are)`);
    return readSpdx(document, version);
  }
  throw unsupported('the JSON document is neither CycloneDX (bomFormat) nor SPDX (spdxVersion)');
}

function readXmlDocument(text: string, declared: DeclaredFormat, limits: ParseLimits): ScanReport {
  if (declared !== 'cyclonedx-xml' && declared !== 'xml' && declared !== 'sniff') {
    throw new CdstreamError(
      'SBOM_MALFORMED',
      `the content type says ${declared} but the document is XML`,
    );
  }
  const { bom, specVersion } = cycloneDxXmlToJsonShape(text, limits);
  if (specVersion === undefined || !CYCLONEDX_VERSIONS.has(specVersion)) {
    throw unsupported(
      `CycloneDX XML ${specVersion ?? '(no schema namespace)'} is not read (1.4–1.6 are)`,
    );
  }
  return readCycloneDx(bom, 'cyclonedx-xml', specVersion);
}

/**
 * Parses the scan report of an `sbom.pushed` event: CycloneDX 1.4–1.6 XML or
 * JSON, SPDX 2.2/2.3 JSON. Untrusted input: anything malformed, hostile or
 * over the limits fails with a CdstreamError (SBOM_MALFORMED, SBOM_HOSTILE,
 * SBOM_UNSUPPORTED_FORMAT), in time and memory bounded by the limits.
 */
export function parseScanReport(
  data: ScanReportData,
  contentType?: string,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): ScanReport {
  const declared = declaredFormat(contentType);
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    if (declared === 'cyclonedx-xml' || declared === 'xml')
      throw new CdstreamError('SBOM_MALFORMED', 'XML report data must be text or bytes');
    if (exceedsValueDepth(data, limits.maxDepth))
      throw new CdstreamError(
        'SBOM_HOSTILE',
        `the report nests deeper than ${limits.maxDepth} levels`,
      );
    return readJsonDocument(data, declared);
  }
  const text = reportText(data, limits);
  const syntax =
    declared === 'cyclonedx-xml' || declared === 'xml'
      ? 'xml'
      : declared === 'sniff'
        ? sniffSyntax(text)
        : 'json';
  if (syntax === 'xml') return readXmlDocument(text, declared, limits);
  const document = asObject(parseUntrustedJson(text, limits));
  if (document === undefined)
    throw new CdstreamError('SBOM_MALFORMED', 'the JSON report is not an object');
  return readJsonDocument(document, declared);
}
