import { CdstreamError } from '../errors.js';
import { parseAttributes } from './attributes.js';
import type { ContentMode, DecodedEvent } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)
  );
}

/** One event in the CloudEvents JSON format (structured mode, or one entry of a batch). */
export function decodeStructuredEvent(
  value: unknown,
  mode: ContentMode,
  encoding: DecodedEvent['encoding'],
  pathPrefix = '',
): DecodedEvent {
  if (!isPlainObject(value)) {
    throw new CdstreamError(
      'CE_INVALID_ATTRIBUTE',
      'a structured CloudEvent must be a JSON object',
      {
        path: pathPrefix,
      },
    );
  }
  const { attributes, extensions } = parseAttributes(value, pathPrefix);
  return {
    attributes,
    extensions,
    data: structuredData(value, pathPrefix),
    dataPath: `${pathPrefix}/data`,
    mode,
    encoding,
  };
}

function structuredData(event: Record<string, unknown>, pathPrefix: string): unknown {
  const { data, data_base64: base64 } = event;
  if (base64 === undefined || base64 === null) return data ?? undefined;
  if (data !== undefined && data !== null) {
    throw new CdstreamError(
      'CE_INVALID_ATTRIBUTE',
      'an event cannot carry both data and data_base64',
      {
        path: `${pathPrefix}/data_base64`,
      },
    );
  }
  if (typeof base64 !== 'string' || !BASE64.test(base64)) {
    throw new CdstreamError('CE_INVALID_ATTRIBUTE', 'data_base64 is not base64', {
      path: `${pathPrefix}/data_base64`,
    });
  }
  return Buffer.from(base64, 'base64');
}
