import { CdstreamError } from '../errors.js';
import { isPlainObject } from './structured-mode.js';
import type { DecodedEvent } from './types.js';

/** A CDEvent sent as is, without a CloudEvents envelope: `{ context, subject, … }`. */
export function isBareCDEvent(value: unknown): value is Record<string, unknown> {
  return (
    isPlainObject(value) &&
    value.specversion === undefined &&
    isPlainObject(value.context) &&
    value.subject !== undefined
  );
}

/**
 * Wraps a bare CDEvent into the CloudEvent its producer would have sent: the
 * identity and time come from the context, the whole CDEvent is the data.
 */
export function decodeBareCDEvent(
  cdevent: Record<string, unknown>,
  encoding: DecodedEvent['encoding'],
  pathPrefix = '',
): DecodedEvent {
  const context = cdevent.context as Record<string, unknown>;
  const field = (name: string): string => {
    const value = context[name];
    if (typeof value === 'string' && value !== '') return value;
    // the producer sent a CDEvent, so what is wrong is its context, not an envelope it never had
    throw new CdstreamError('SCHEMA_VIOLATION', `context.${name} must be a non-empty string`, {
      path: `${pathPrefix}/context/${name}`,
    });
  };
  const timestamp = context.timestamp;
  return {
    attributes: {
      specversion: '1.0',
      id: field('id'),
      source: field('source'),
      type: field('type'),
      ...(typeof timestamp === 'string' ? { time: timestamp } : {}),
      datacontenttype: 'application/json',
    },
    extensions: {},
    data: cdevent,
    dataPath: pathPrefix,
    mode: 'bare-cdevent',
    encoding,
  };
}
