import type { CdstreamError } from '../errors.js';

/** A Kafka header value as kafkajs hands it over. */
export type HeaderValue = Buffer | string | readonly (Buffer | string)[] | undefined;
export type KafkaHeaders = Readonly<Record<string, HeaderValue>>;

/** The parts of a Kafka record that decoding reads. */
export interface KafkaRecordInput {
  key?: Buffer | string | null;
  value: Buffer | null;
  headers?: KafkaHeaders;
}

export type ExtensionValue = string | number | boolean;

/** The context attributes of a CloudEvents 1.0 event (extensions apart). */
export interface CloudEventAttributes {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  subject?: string;
}

/** How the event arrived: binary (ce_* headers), structured, one of a batch, or a bare CDEvent. */
export type ContentMode = 'binary' | 'structured' | 'batch' | 'bare-cdevent';

/**
 * The record value a structured-mode JSON event was decoded from, whole: an
 * event passed on with only extensions added is written as these bytes with
 * the new members appended, not encoded again (see encodeStructuredFrom).
 */
export interface StructuredSource {
  readonly bytes: Buffer;
  /** members of the JSON whose value was null: the decoder skips them */
  readonly nullMembers: ReadonlySet<string> | undefined;
}

export interface DecodedEvent {
  attributes: CloudEventAttributes;
  extensions: Readonly<Record<string, ExtensionValue>>;
  /** parsed JSON for JSON content, a string for text/XML, bytes otherwise, undefined when absent */
  data: unknown;
  /** the whole record value, when it is this one structured-mode JSON event */
  source?: StructuredSource;
  /** JSON pointer of `data` inside the record value: '' (binary, bare CDEvent), '/data', '/3/data' */
  dataPath: string;
  mode: ContentMode;
  /** Avro when the value came through the schema registry */
  encoding: 'json' | 'avro';
}

/** One decoded event, or why it could not be decoded. `index` is the position inside a batch. */
export type DecodeResult =
  | { ok: true; event: DecodedEvent; index?: number }
  | { ok: false; error: CdstreamError; index?: number };

/** The schema-registry Avro decoder (Confluent wire format), injected so decoding stays pure. */
export interface AvroDecoder {
  decode(buffer: Buffer): Promise<unknown>;
}
