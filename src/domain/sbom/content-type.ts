import { CdstreamError } from '../../errors.js';
import type { ScanFormat } from './scan-report.js';

/** What the content type promises: a format, or only a syntax to sniff. */
export type DeclaredFormat = ScanFormat | 'json' | 'xml' | 'sniff';

const BY_MEDIA_TYPE: Readonly<Record<string, DeclaredFormat>> = {
  'application/vnd.cyclonedx+xml': 'cyclonedx-xml',
  'application/vnd.cyclonedx+json': 'cyclonedx-json',
  'application/spdx+json': 'spdx-json',
  'application/json': 'json',
  'text/json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/octet-stream': 'sniff',
  'text/plain': 'sniff',
};

/**
 * Reads a datacontenttype such as `application/vnd.cyclonedx+xml;version=1.4`.
 * Parameters are ignored: the document states its own version. Absent means
 * sniff; a media type we do not read (SPDX tag-value, CycloneDX protobuf) is
 * SBOM_UNSUPPORTED_FORMAT.
 */
export function declaredFormat(contentType: string | undefined): DeclaredFormat {
  if (contentType === undefined || contentType.trim() === '') return 'sniff';
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const known = BY_MEDIA_TYPE[mediaType];
  if (known !== undefined) return known;
  if (mediaType.endsWith('+json')) return 'json';
  if (mediaType.endsWith('+xml')) return 'xml';
  throw new CdstreamError(
    'SBOM_UNSUPPORTED_FORMAT',
    `scan reports of type "${mediaType}" are not read`,
  );
}

/** The syntax of text whose content type did not say: by its first significant character. */
export function sniffSyntax(text: string): 'json' | 'xml' {
  const first = /\S/.exec(text)?.[0];
  if (first === '{') return 'json';
  if (first === '<') return 'xml';
  throw new CdstreamError('SBOM_UNSUPPORTED_FORMAT', 'the report is neither JSON nor XML');
}
