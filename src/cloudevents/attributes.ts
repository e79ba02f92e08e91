import { CdstreamError } from '../errors.js';
import { parseMediaType } from './media-type.js';
import type { CloudEventAttributes, ExtensionValue } from './types.js';

/** The CloudEvents 1.0 context attributes; every other attribute is an extension. */
export const CORE_ATTRIBUTES = [
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'datacontenttype',
  'dataschema',
  'subject',
] as const;

/** Names in the structured JSON format that are not attributes. */
const PAYLOAD_MEMBERS = new Set(['data', 'data_base64']);
const CORE: ReadonlySet<string> = new Set(CORE_ATTRIBUTES);

/** CloudEvents 1.0: attribute names MUST be lower-case ASCII letters and digits. */
const EXTENSION_NAME = /^[a-z0-9]+$/;
/** a URI-reference has no whitespace nor control characters */
const URI_REFERENCE = /^[^\s\p{Cc}]+$/u;

export interface ParsedAttributes {
  attributes: CloudEventAttributes;
  extensions: Record<string, ExtensionValue>;
}

/**
 * Reads and checks the attributes of one event given as a flat record of
 * attribute name → value (a structured JSON object, or binary-mode headers).
 * `pathPrefix` locates the event, e.g. `/3` for the fourth of a batch.
 */
export function parseAttributes(
  record: Readonly<Record<string, unknown>>,
  pathPrefix = '',
): ParsedAttributes {
  const at = (name: string): string => `${pathPrefix}/${name}`;
  const specversion = record.specversion;
  if (specversion === undefined) {
    throw new CdstreamError(
      'CE_MISSING_ATTRIBUTE',
      'the CloudEvents attribute specversion is missing',
      {
        path: at('specversion'),
      },
    );
  }
  if (specversion !== '1.0') {
    throw new CdstreamError(
      'CE_UNSUPPORTED_SPECVERSION',
      `CloudEvents specversion ${JSON.stringify(specversion)} is not supported; cdstream reads 1.0`,
      { path: at('specversion') },
    );
  }
  const attributes: CloudEventAttributes = {
    specversion,
    id: requiredString(record, 'id', at),
    source: requiredString(record, 'source', at),
    type: requiredString(record, 'type', at),
  };
  if (!URI_REFERENCE.test(attributes.source)) {
    throw invalid('source', 'is not a URI-reference', at);
  }
  // time is kept as sent: a time that is not RFC 3339 is a warning of validation, not a decode error
  for (const name of ['time', 'dataschema', 'subject', 'datacontenttype'] as const) {
    const value = optionalString(record, name, at);
    if (value !== undefined) attributes[name] = value;
  }
  if (
    attributes.datacontenttype !== undefined &&
    parseMediaType(attributes.datacontenttype) === undefined
  ) {
    throw invalid('datacontenttype', 'is not a media type', at);
  }
  return { attributes, extensions: parseExtensions(record, at) };
}

function parseExtensions(
  record: Readonly<Record<string, unknown>>,
  at: (name: string) => string,
): Record<string, ExtensionValue> {
  const extensions: Record<string, ExtensionValue> = {};
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue;
    const value = record[name];
    if (CORE.has(name) || PAYLOAD_MEMBERS.has(name) || value === undefined || value === null)
      continue;
    if (!EXTENSION_NAME.test(name)) {
      throw invalid(name, 'is not a valid extension name (lower-case letters and digits only)', at);
    }
    if (typeof value === 'string' || typeof value === 'boolean') {
      extensions[name] = value;
    } else if (typeof value === 'number' && Number.isSafeInteger(value)) {
      extensions[name] = value;
    } else {
      throw invalid(name, 'must be a string, an integer or a boolean', at);
    }
  }
  return extensions;
}

function requiredString(
  record: Readonly<Record<string, unknown>>,
  name: string,
  at: (name: string) => string,
): string {
  const value = record[name];
  if (value === undefined || value === null) {
    throw new CdstreamError(
      'CE_MISSING_ATTRIBUTE',
      `the CloudEvents attribute ${name} is missing`,
      {
        path: at(name),
      },
    );
  }
  if (typeof value !== 'string' || value === '') {
    throw invalid(name, 'must be a non-empty string', at);
  }
  return value;
}

function optionalString(
  record: Readonly<Record<string, unknown>>,
  name: string,
  at: (name: string) => string,
): string | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '')
    throw invalid(name, 'must be a non-empty string', at);
  return value;
}

function invalid(name: string, reason: string, at: (name: string) => string): CdstreamError {
  return new CdstreamError('CE_INVALID_ATTRIBUTE', `the CloudEvents attribute ${name} ${reason}`, {
    path: at(name),
  });
}
