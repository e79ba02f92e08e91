/** What stage 1 (ingest) and `cdstream validate` use: decode and validate. Dead-letter records are built by the runtime (src/runtime/dead-letter.ts). */
export { decodeRecord, DEFAULT_MAX_BYTES } from '../cloudevents/decode.js';
export type { DecodeOptions } from '../cloudevents/decode.js';
export { registryAvroDecoder } from '../cloudevents/avro.js';
export type {
  AvroDecoder,
  CloudEventAttributes,
  DecodeResult,
  DecodedEvent,
  KafkaHeaders,
  KafkaRecordInput,
} from '../cloudevents/types.js';
export { EventValidator, dedupeKey } from './validate.js';
export type { RecordContext, ValidatorOptions } from './validate.js';
export type { NormalisedEvent, ValidationResult, ValidationWarning } from './result.js';
export { ingestRecord } from './ingest.js';
export type { IngestResult } from './ingest.js';
