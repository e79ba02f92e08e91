/**
 * Turns metrics and derived incidents into CloudEvents records on the
 * stage's outputs. Derived incidents are validated as CDEvents first: one
 * that fails is a bug, dead-lettered with PROCESSING_FAILED, never emitted.
 */
import {
  encodeStructured,
  STRUCTURED_CONTENT_TYPE,
  type CloudEventEnvelope,
} from '../../cloudevents/envelope.js';
import { EXTENSIONS, serviceEnvironmentKey } from '../../cloudevents/extensions.js';
import type { ExtensionValue } from '../../cloudevents/types.js';
import {
  deterministicUuid,
  incidentCDEvent,
  type IncidentAction,
} from '../../domain/incidents/index.js';
import type { ProcessorContext } from '../../runtime/processor.js';
import type { EventValidator } from '../../validation/index.js';
import type { WindowMetrics } from './metrics-data.js';

export const OUTPUTS = { metrics: 'metrics', incidents: 'incidents' } as const;

const HEADERS = { 'content-type': STRUCTURED_CONTENT_TYPE };

export interface ServiceScope {
  readonly service: string;
  readonly environment: string;
}

/** Forwards the metrics events of one window (one per type); `revision` tells early updates apart. */
export function forwardWindowMetrics(
  context: ProcessorContext,
  source: string,
  scope: ServiceScope,
  metrics: WindowMetrics,
  revision: string,
): void {
  const key = serviceEnvironmentKey(scope.service, scope.environment);
  for (const [type, data] of Object.entries(metrics) as [
    string,
    WindowMetrics[keyof WindowMetrics],
  ][]) {
    const envelope: CloudEventEnvelope = {
      attributes: {
        specversion: '1.0',
        id: deterministicUuid(type, key, data.window, data.windowStartMs, revision),
        source,
        type,
        time: data.windowEnd,
        subject: key,
        datacontenttype: 'application/json',
      },
      extensions: {
        [EXTENSIONS.service]: scope.service,
        [EXTENSIONS.environment]: scope.environment,
      },
      data,
    };
    context.forward(OUTPUTS.metrics, {
      key,
      value: encodeStructured(envelope),
      headers: HEADERS,
      timestamp: data.windowEndMs - 1,
    });
  }
}

/** Validates and forwards derived incidents; an invalid one is dead-lettered instead. */
export function forwardIncidents(
  context: ProcessorContext,
  validator: EventValidator,
  source: string,
  scope: ServiceScope,
  actions: readonly IncidentAction[],
  count: (name: string) => void,
): void {
  const key = serviceEnvironmentKey(scope.service, scope.environment);
  for (const action of actions) {
    const cdevent = incidentCDEvent(action, { ...scope, source });
    const extensions: Record<string, ExtensionValue> = {
      [EXTENSIONS.service]: scope.service,
      [EXTENSIONS.environment]: scope.environment,
    };
    if (action.artifact !== undefined) extensions[EXTENSIONS.artifactKey] = action.artifact;
    if (action.artifactPurl !== undefined) extensions[EXTENSIONS.artifact] = action.artifactPurl;
    const envelope: CloudEventEnvelope = {
      attributes: {
        specversion: '1.0',
        id: cdevent.context.id,
        source,
        type: cdevent.context.type,
        time: cdevent.context.timestamp,
        subject: action.incidentId,
        datacontenttype: 'application/json',
      },
      extensions,
      data: cdevent,
    };
    const result = validator.validate({
      ...envelope,
      dataPath: '/data',
      mode: 'structured',
      encoding: 'json',
    });
    if (!result.ok) {
      const [error] = result.errors;
      context.deadLetter({
        code: 'PROCESSING_FAILED',
        message: `derived incident ${cdevent.context.id} (rule ${action.rule}) is not a valid ${cdevent.context.type}: ${error.message}`,
        path: error.path,
      });
      count('incidents.invalid');
      continue;
    }
    context.forward(OUTPUTS.incidents, {
      key,
      value: encodeStructured(envelope),
      headers: HEADERS,
      timestamp: action.time,
    });
    count(action.phase === 'detected' ? 'incidents.opened' : 'incidents.resolved');
  }
}
