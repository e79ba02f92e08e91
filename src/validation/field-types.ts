/**
 * The small type language of schemas/cdevents/vocabulary.yaml, turned into
 * JSON Schema fragments. See the legend at the top of that file.
 */
export type JsonSchema = Record<string, unknown>;

/** A field map as written in the table: name → type (with `!` when required). */
export type FieldMap = Readonly<Record<string, string>>;

export interface FieldContext {
  shapes: Readonly<Record<string, FieldMap>>;
  /** false for releases that did not yet require URI-references (0.1.2) */
  uriFormats: boolean;
}

const OPEN_OBJECT_KEY = '*';

export function objectSchema(fields: FieldMap, context: FieldContext): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  let open = false;
  for (const [name, spec] of Object.entries(fields)) {
    if (name === OPEN_OBJECT_KEY) {
      open = true;
      continue;
    }
    const isRequired = spec.endsWith('!');
    properties[name] = fieldSchema(isRequired ? spec.slice(0, -1) : spec, context);
    if (isRequired) required.push(name);
  }
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(open ? {} : { additionalProperties: false }),
  };
}

export function fieldSchema(type: string, context: FieldContext): JsonSchema {
  switch (type) {
    case 'string':
      return { type: 'string' };
    case 'text':
    case 'purl':
      return { type: 'string', minLength: 1 };
    case 'uri':
      return { type: 'string', format: 'uri' };
    case 'uri-reference':
      return context.uriFormats
        ? { type: 'string', minLength: 1, format: 'uri-reference' }
        : { type: 'string', minLength: 1 };
    case 'string-list':
      return { type: 'array', items: { type: 'string' } };
    case 'object':
      return { type: 'object' };
    case 'any':
      return {};
  }
  const listed = /^(open-enum|enum)\(([^)]*)\)$/.exec(type);
  if (listed?.[1] === 'enum' && listed[2] !== undefined) {
    return { type: 'string', enum: listed[2].split('|') };
  }
  if (listed?.[1] === 'open-enum') {
    return { type: 'string', examples: listed[2]?.split('|') ?? [] };
  }
  const shape = context.shapes[type];
  if (shape !== undefined) return objectSchema(shape, context);
  throw new Error(`unknown field type "${type}"`);
}
