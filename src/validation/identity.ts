import type { CloudEventAttributes } from '../cloudevents/types.js';
import { rfc3339Millis } from './timestamps.js';
import type { ValidationWarning } from './result.js';

/** The identity and time of a CDEvent, from its context. */
export interface CDEventIdentity {
  id: string;
  source: string;
  timestamp: string;
}

/**
 * The CDEvent context is the truth for identity and time; a CloudEvents
 * envelope that disagrees is recorded, not refused, because common producers
 * do (sdk-java sends a random CloudEvents id, sdk-go no time, sdk-python a
 * time that is not RFC 3339).
 */
export function identityWarnings(
  attributes: CloudEventAttributes,
  context: CDEventIdentity,
): ValidationWarning[] {
  const warnings: ValidationWarning[] = [];
  for (const name of ['id', 'source'] as const) {
    if (attributes[name] !== context[name]) {
      warnings.push({
        code: 'CE_CONTEXT_MISMATCH',
        path: `/${name}`,
        message: `CloudEvents ${name} ${JSON.stringify(attributes[name])} differs from context.${name} ${JSON.stringify(context[name])}; the context is used`,
      });
    }
  }
  if (attributes.time !== undefined) {
    const time = rfc3339Millis(attributes.time);
    if (time === undefined) {
      warnings.push(timeWarning(attributes.time));
    } else if (time !== rfc3339Millis(context.timestamp)) {
      warnings.push({
        code: 'CE_CONTEXT_MISMATCH',
        path: '/time',
        message: `CloudEvents time ${attributes.time} differs from context.timestamp ${context.timestamp}; the context is used`,
      });
    }
  }
  return warnings;
}

export function timeWarning(time: string): ValidationWarning {
  return {
    code: 'INVALID_TIMESTAMP',
    path: '/time',
    message: `CloudEvents time ${JSON.stringify(time)} is not RFC 3339 and is ignored`,
  };
}
