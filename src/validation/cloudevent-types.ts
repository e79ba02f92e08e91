import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import type { DecodedEvent } from '../cloudevents/types.js';
import type { CdstreamError } from '../errors.js';
import { schemaError } from './cdevent-validators.js';

export interface CloudEventTypeDefinition {
  type: string;
  version?: string;
  schema: string;
}

const SCHEMA_DIRECTORY = new URL('../../schemas/cloudevents/', import.meta.url);

/** The non-CDEvents types of schemas/cloudevents/types.yaml, with their schemas compiled on first use. */
export class CloudEventTypeValidators {
  readonly types: ReadonlyMap<string, CloudEventTypeDefinition>;
  private readonly ajv: Ajv2020;
  private readonly directory: URL;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(ajv: Ajv2020, directory: URL = SCHEMA_DIRECTORY) {
    this.ajv = ajv;
    this.directory = directory;
    const table = parse(readFileSync(new URL('types.yaml', directory), 'utf8')) as Record<
      string,
      CloudEventTypeDefinition
    >;
    this.types = new Map(Object.entries(table));
  }

  validate(definition: CloudEventTypeDefinition, event: DecodedEvent): CdstreamError[] {
    const validate = this.validatorFor(definition.schema);
    // the schema sees the event as in the structured format: attributes, extensions and data side by side
    const view = { ...event.extensions, ...event.attributes, data: event.data };
    if (validate(view)) return [];
    return (validate.errors ?? []).map((error) => schemaError(error));
  }

  private validatorFor(file: string): ValidateFunction {
    let validate = this.compiled.get(file);
    if (validate === undefined) {
      const schema = JSON.parse(readFileSync(new URL(file, this.directory), 'utf8')) as object;
      validate = this.ajv.compile(schema);
      this.compiled.set(file, validate);
    }
    return validate;
  }
}
