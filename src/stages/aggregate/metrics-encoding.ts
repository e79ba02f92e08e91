/**
 * Encodings of the metrics output a topology can choose: structured
 * CloudEvents JSON (as the stage writes it), binary-mode CloudEvents (ce_*
 * headers, the data as the value), or Avro through the schema registry.
 *
 * Avro: one schema per topic (the topic-name strategy, subject
 * `<topic>-value`), a record of the CloudEvents attributes whose `data` is a
 * union of the metrics records of schemas/metrics/*.avsc. A new metric is
 * a new union branch, a backward-compatible change.
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { decodeStructured } from '../../cloudevents/envelope.js';
import type { OutputRecord } from '../../runtime/record.js';

export type MetricsEncoder = (record: OutputRecord) => OutputRecord;

const METRICS = [
  'deploymentfrequency',
  'changefailurerate',
  'timetorestore',
  'leadtime',
  'deploymentreworkrate',
  'faileddeploymentrecoverytime',
] as const;
const SCHEMA_DIRECTORY = new URL('../../../schemas/metrics/', import.meta.url);

type Schema =
  string | { type?: unknown; name?: string; namespace?: string; [key: string]: unknown } | Schema[];

/** structured JSON → binary mode */
export const binaryModeMetrics: MetricsEncoder = (record) => {
  const event = decodeStructured(
    Buffer.isBuffer(record.value) ? record.value : Buffer.from(record.value ?? ''),
  );
  const headers: Record<string, string> = {
    'content-type': event.attributes.datacontenttype ?? 'application/json',
  };
  for (const [name, value] of Object.entries({ ...event.attributes, ...event.extensions })) {
    if (name !== 'datacontenttype')
      headers[`ce_${name}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return {
    ...record,
    headers: { ...record.headers, ...headers },
    value: JSON.stringify(event.data ?? null),
  };
};

/** The topic's value schema: CloudEvents attributes + a union of the metrics records. */
export function metricsEventSchema(): object {
  const defined = new Set<string>();
  const branches = METRICS.map((metric) =>
    dedupeNamedTypes(
      JSON.parse(readFileSync(new URL(`${metric}.v1.avsc`, SCHEMA_DIRECTORY), 'utf8')) as Schema,
      defined,
      'dev.cdstream.metrics',
    ),
  );
  return {
    type: 'record',
    name: 'MetricsEvent',
    namespace: 'dev.cdstream',
    doc: 'A cdstream metrics CloudEvent: its attributes, and its data as one of the metrics records.',
    fields: [
      { name: 'specversion', type: 'string' },
      { name: 'id', type: 'string' },
      { name: 'source', type: 'string' },
      { name: 'type', type: 'string' },
      { name: 'subject', type: ['null', 'string'], default: null },
      { name: 'time', type: ['null', 'string'], default: null },
      { name: 'data', type: branches },
    ],
  };
}

/**
 * Each metrics schema defines the shared types (DoraBand) again; in one
 * schema a name may be defined once, so later definitions become references.
 */
function dedupeNamedTypes(schema: Schema, defined: Set<string>, namespace: string): Schema {
  if (Array.isArray(schema)) return schema.map((s) => dedupeNamedTypes(s, defined, namespace));
  if (typeof schema !== 'object') return schema;
  const ownNamespace = typeof schema.namespace === 'string' ? schema.namespace : namespace;
  if (
    typeof schema.name === 'string' &&
    ['record', 'enum', 'fixed'].includes(String(schema.type))
  ) {
    const fullName = schema.name.includes('.') ? schema.name : `${ownNamespace}.${schema.name}`;
    if (defined.has(fullName)) return fullName;
    defined.add(fullName);
  }
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'fields' && Array.isArray(value)) {
      copy.fields = value.map((field: Record<string, unknown>) => ({
        ...field,
        type: dedupeNamedTypes(field.type as Schema, defined, ownNamespace),
      }));
    } else if (key === 'type' || key === 'items' || key === 'values') {
      copy[key] = dedupeNamedTypes(value as Schema, defined, ownNamespace);
    } else copy[key] = value;
  }
  return copy;
}

const RECORD_OF_TYPE: Record<string, string> = {
  'dev.cdstream.metrics.deploymentfrequency.v1': 'dev.cdstream.metrics.DeploymentFrequency',
  'dev.cdstream.metrics.changefailurerate.v1': 'dev.cdstream.metrics.ChangeFailureRate',
  'dev.cdstream.metrics.timetorestore.v1': 'dev.cdstream.metrics.TimeToRestore',
  'dev.cdstream.metrics.leadtime.v1': 'dev.cdstream.metrics.LeadTime',
  'dev.cdstream.metrics.deploymentreworkrate.v1': 'dev.cdstream.metrics.DeploymentReworkRate',
  'dev.cdstream.metrics.faileddeploymentrecoverytime.v1':
    'dev.cdstream.metrics.FailedDeploymentRecoveryTime',
};

/**
 * Structured JSON → Confluent wire format (magic byte 0, schema id, Avro).
 * `schemaId` is the id the registry gave metricsEventSchema() for the topic.
 */
export function avroMetrics(schemaId: number): MetricsEncoder {
  const type = avro.Type.forSchema(metricsEventSchema() as avro.Schema);
  return (record) => {
    const event = decodeStructured(
      Buffer.isBuffer(record.value) ? record.value : Buffer.from(record.value ?? ''),
    );
    const branch = RECORD_OF_TYPE[event.attributes.type];
    if (!branch) throw new Error(`no Avro record for metrics type ${event.attributes.type}`);
    const body = type.toBuffer({
      specversion: '1.0',
      id: event.attributes.id,
      source: event.attributes.source,
      type: event.attributes.type,
      subject: event.attributes.subject ?? null,
      time: event.attributes.time ?? null,
      data: { [branch]: event.data },
    });
    const header = Buffer.alloc(5);
    header.writeUInt8(0, 0);
    header.writeInt32BE(schemaId, 1);
    return {
      ...record,
      headers: { ...record.headers, 'content-type': 'application/avro' },
      value: Buffer.concat([header, body]),
    };
  };
}
