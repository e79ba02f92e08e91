import type { IncidentAction, IncidentPhase } from './derived-incident.js';
import { deterministicUuid } from './incident-ids.js';

/**
 * Derived incidents are CDEvents of spec 0.5.1, whose incident events are at
 * version 0.3.0 (schemas incidentdetected.json / incidentresolved.json).
 */
export const CDEVENTS_SPEC_VERSION = '0.5.1';

export const DERIVED_INCIDENT_TYPES: Readonly<Record<IncidentPhase, string>> = {
  detected: 'dev.cdevents.incident.detected.0.3.0',
  resolved: 'dev.cdevents.incident.resolved.0.3.0',
};

export interface IncidentCDEvent {
  readonly context: {
    readonly specversion: string;
    readonly id: string;
    readonly source: string;
    readonly type: string;
    readonly timestamp: string;
  };
  readonly subject: {
    readonly id: string;
    readonly source: string;
    readonly content: {
      readonly description: string;
      readonly environment: { readonly id: string };
      readonly service: { readonly id: string };
      readonly artifactId?: string;
    };
  };
}

export interface IncidentScope {
  readonly service: string;
  readonly environment: string;
  /** the cdstream source URI of the topology */
  readonly source: string;
}

export function incidentCDEvent(action: IncidentAction, scope: IncidentScope): IncidentCDEvent {
  const content = {
    description: action.description,
    environment: { id: scope.environment },
    service: { id: scope.service },
    ...(action.artifactPurl === undefined ? {} : { artifactId: action.artifactPurl }),
  };
  return {
    context: {
      specversion: CDEVENTS_SPEC_VERSION,
      id: deterministicUuid(action.incidentId, action.phase),
      source: scope.source,
      type: DERIVED_INCIDENT_TYPES[action.phase],
      timestamp: new Date(action.time).toISOString(),
    },
    subject: { id: action.incidentId, source: scope.source, content },
  };
}
