import { stringAt } from './json-fields.js';

/**
 * The service and environment a CDEvent names itself. For service events the
 * service is the subject id; incidents name it in `content.service.id`. The
 * environment is `content.environment.id` in every version.
 */
export interface NamedPlacement {
  readonly service: string | undefined;
  readonly environment: string | undefined;
}

export function servicePlacementOf(cdevent: unknown): NamedPlacement {
  return {
    service: stringAt(cdevent, ['subject', 'id']),
    environment: stringAt(cdevent, ['subject', 'content', 'environment', 'id']),
  };
}

export function incidentPlacementOf(cdevent: unknown): NamedPlacement {
  return {
    service: stringAt(cdevent, ['subject', 'content', 'service', 'id']),
    environment: stringAt(cdevent, ['subject', 'content', 'environment', 'id']),
  };
}
