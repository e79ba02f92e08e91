import { parseAttributes } from './attributes.js';
import { CE_HEADER_PREFIX, CONTENT_TYPE_HEADER } from './headers.js';
import { decodeUtf8, parseJson } from './json.js';
import { isJsonMediaType, isTextMediaType, parseMediaType } from './media-type.js';
import type { DecodedEvent } from './types.js';

/** Binary content mode: attributes in `ce_*` headers, `content-type` is datacontenttype, the value is data. */
export function isBinaryMode(headers: ReadonlyMap<string, string>): boolean {
  return headers.has('ce_specversion') || headers.has('ce_id');
}

export function binaryModeAttributes(
  headers: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [name, value] of headers) {
    if (name.startsWith(CE_HEADER_PREFIX)) record[name.slice(CE_HEADER_PREFIX.length)] = value;
  }
  const contentType = headers.get(CONTENT_TYPE_HEADER);
  if (contentType !== undefined) record.datacontenttype = contentType;
  return record;
}

export function decodeBinaryMode(
  headers: ReadonlyMap<string, string>,
  value: Buffer,
  maxDepth: number,
): DecodedEvent {
  const { attributes, extensions } = parseAttributes(binaryModeAttributes(headers));
  return {
    attributes,
    extensions,
    data: binaryData(value, attributes.datacontenttype, maxDepth),
    dataPath: '',
    mode: 'binary',
    encoding: 'json',
  };
}

/** JSON content is parsed, text (XML included) becomes a string, anything else stays bytes. */
function binaryData(value: Buffer, contentType: string | undefined, maxDepth: number): unknown {
  const essence = parseMediaType(contentType ?? 'application/json')?.essence ?? '';
  if (isJsonMediaType(essence)) return parseJson(decodeUtf8(value, '/data'), maxDepth);
  if (isTextMediaType(essence)) return decodeUtf8(value, '/data');
  return value;
}
