import { CdstreamError } from '../errors.js';
import { decodeUtf8 } from './json.js';
import type { HeaderValue, KafkaHeaders } from './types.js';

export const CONTENT_TYPE_HEADER = 'content-type';
export const CE_HEADER_PREFIX = 'ce_';

/**
 * The headers cdstream reads (`content-type` and `ce_*`), names lower-cased,
 * values as UTF-8 text. A header repeated with different values is refused:
 * which one the producer meant cannot be known.
 */
export function readHeaders(headers: KafkaHeaders | undefined): ReadonlyMap<string, string> {
  const read = new Map<string, string>();
  if (headers === undefined) return read;
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (name !== CONTENT_TYPE_HEADER && !name.startsWith(CE_HEADER_PREFIX)) continue;
    const text = headerText(name, value);
    if (text === undefined) continue;
    const earlier = read.get(name);
    if (earlier !== undefined && earlier !== text) throw repeated(name);
    read.set(name, text);
  }
  return read;
}

function headerText(name: string, value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  const path = `/${name.startsWith(CE_HEADER_PREFIX) ? name.slice(CE_HEADER_PREFIX.length) : name}`;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return decodeUtf8(value, path);
  const texts = new Set(
    (value as readonly (Buffer | string)[]).map((item) => headerText(name, item)),
  );
  texts.delete(undefined);
  if (texts.size > 1) throw repeated(name);
  return texts.values().next().value;
}

function repeated(name: string): CdstreamError {
  return new CdstreamError(
    'CE_INVALID_ATTRIBUTE',
    `the header ${name} appears more than once with different values`,
    { path: `/${name}` },
  );
}
