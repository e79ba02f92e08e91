import { fieldSchema, objectSchema } from './field-types.js';
import type { FieldContext, JsonSchema } from './field-types.js';
import type { EventDefinition, Vocabulary } from './vocabulary.js';

/**
 * Builds the JSON Schema of one CDEvents (type, version) from its vocabulary
 * row and its release's envelope. The envelope rules (context, subject,
 * customData) live here once; everything event-specific comes from the table.
 */
export function cdeventSchema(definition: EventDefinition, vocabulary: Vocabulary): JsonSchema {
  const fields: FieldContext = {
    shapes: vocabulary.shapes,
    uriFormats: definition.envelope.uriFormats,
  };
  return {
    $id: `urn:cdstream:cdevents:${definition.type}.${definition.version}`,
    type: 'object',
    properties: {
      context: contextSchema(definition, fields),
      subject: subjectSchema(definition, fields),
      customData: { type: ['object', 'array', 'string'] },
      customDataContentType: { type: 'string', minLength: 1 },
    },
    required: ['context', 'subject'],
    additionalProperties: false,
    // customData is inline JSON when its content type is JSON (the default),
    // and a base64 string otherwise.
    if: {
      properties: {
        customDataContentType: {
          type: 'string',
          not: { type: 'string', pattern: JSON_MEDIA_TYPE },
        },
      },
      required: ['customDataContentType', 'customData'],
    },
    then: { properties: { customData: { type: 'string', pattern: BASE64 } } },
  };
}

const JSON_MEDIA_TYPE = '^application/([a-z0-9.+-]+\\+)?json\\s*(;.*)?$';
const BASE64 = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

function contextSchema(definition: EventDefinition, fields: FieldContext): JsonSchema {
  const { envelope } = definition;
  const text = fieldSchema('text', fields);
  const properties: Record<string, JsonSchema> = {
    id: text,
    source: fieldSchema('uri-reference', fields),
    type: { type: 'string', const: `${definition.type}.${definition.version}` },
    timestamp: { type: 'string', format: 'date-time' },
  };
  const required = ['id', 'source', 'type', 'timestamp'];
  const versionKeys =
    envelope.versionKey === 'either' ? ['version', 'specversion'] : [envelope.versionKey];
  for (const key of versionKeys) properties[key] = text;
  if (envelope.versionKey !== 'either') required.push(envelope.versionKey);
  if (envelope.links) {
    properties.schemaUri = fieldSchema('uri', fields);
    properties.chainId = text;
    properties.links = {
      type: 'array',
      items: {
        anyOf: ['linkRelation', 'linkPath', 'linkEnd'].map((shape) => fieldSchema(shape, fields)),
      },
    };
  }
  return {
    type: 'object',
    properties,
    required,
    additionalProperties: false,
    ...(envelope.versionKey === 'either'
      ? { anyOf: [{ required: ['version'] }, { required: ['specversion'] }] }
      : {}),
  };
}

function subjectSchema(definition: EventDefinition, fields: FieldContext): JsonSchema {
  const { subjectType } = definition.envelope;
  const properties: Record<string, JsonSchema> = {
    id: fieldSchema('text', fields),
    source: fieldSchema('uri-reference', fields),
    content: objectSchema(definition.content, fields),
  };
  const required = ['id', 'content'];
  if (subjectType !== 'absent') {
    properties.type = { type: 'string', const: definition.subjectType };
  }
  if (subjectType === 'required') required.push('type');
  return { type: 'object', properties, required, additionalProperties: false };
}
