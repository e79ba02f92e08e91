/**
 * @confluentinc/kafka-javascript, loaded from .local/confluent when
 * scripts/install-confluent-client put it there; never a dependency of the
 * project, so `npm ci` and the typecheck do not need it. The types below are
 * the small part of its KafkaJS-compatible API the benchmark uses.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const PACKAGE_JSON = new URL('../../.local/confluent/package.json', import.meta.url);

export interface ConfluentMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  readonly offset: string;
}

export interface ConfluentBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConfluentMessage[];
  lastOffset(): string;
}

export interface ConfluentTopicOffsets {
  readonly topic: string;
  readonly partitions: readonly { partition: number; offset: string }[];
}

export interface ConfluentOutgoing {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: ConfluentMessage['headers'];
}

export interface ConfluentConsumer {
  connect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(options: {
    partitionsConsumedConcurrently?: number;
    eachBatch: (payload: { batch: ConfluentBatch }) => Promise<void>;
  }): Promise<void>;
  disconnect(): Promise<void>;
}

/** A transactional producer: in this API the producer is its own transaction. */
export interface ConfluentProducer {
  connect(): Promise<void>;
  transaction(): Promise<ConfluentProducer>;
  send(record: { topic: string; messages: ConfluentOutgoing[] }): Promise<unknown>;
  sendOffsets(offsets: {
    consumer: ConfluentConsumer;
    topics: ConfluentTopicOffsets[];
  }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Top-level keys are librdkafka settings; `kafkaJS` holds the KafkaJS-style ones. */
export type ConfluentConfig = Record<string, unknown> & { kafkaJS?: Record<string, unknown> };

export interface ConfluentKafka {
  consumer(config: ConfluentConfig): ConfluentConsumer;
  producer(config: ConfluentConfig): ConfluentProducer;
}

/** librdkafka's own callback API (node-rdkafka style); headers as `[{ name: value }]`. */
export interface NativeError {
  readonly code: number;
  readonly message: string;
}
export type NativeCallback = (error: NativeError | null) => void;
export type NativeHeaders = Record<string, Buffer | string>[];

export interface NativeMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key?: Buffer | string | null;
  readonly value: Buffer | null;
  readonly timestamp?: number;
  readonly headers?: NativeHeaders;
}

export interface NativePartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset?: number;
}

export interface NativeClient {
  connect(options: object, callback: NativeCallback): void;
  disconnect(callback: NativeCallback): void;
}

export interface NativeConsumer extends NativeClient {
  subscribe(topics: string[]): void;
  consume(
    count: number,
    callback: (error: NativeError | null, messages: NativeMessage[]) => void,
  ): void;
  assign(partitions: NativePartition[]): void;
  unassign(): void;
}

export interface NativeProducer extends NativeClient {
  produce(
    topic: string,
    partition: number | null,
    value: Buffer | null,
    key?: Buffer | string | null,
    timestamp?: number | null,
    opaque?: unknown,
    headers?: NativeHeaders,
  ): void;
  initTransactions(timeoutMs: number, callback: NativeCallback): void;
  beginTransaction(callback: NativeCallback): void;
  sendOffsetsToTransaction(
    offsets: NativePartition[],
    consumer: NativeConsumer,
    timeoutMs: number,
    callback: NativeCallback,
  ): void;
  commitTransaction(timeoutMs: number, callback: NativeCallback): void;
  abortTransaction(timeoutMs: number, callback: NativeCallback): void;
}

export interface ConfluentModule {
  readonly librdkafkaVersion: string;
  readonly KafkaJS: { Kafka: new (config: ConfluentConfig) => ConfluentKafka };
  readonly KafkaConsumer: new (
    config: Record<string, unknown>,
    topicConfig: Record<string, unknown>,
  ) => NativeConsumer;
  readonly Producer: new (config: Record<string, unknown>) => NativeProducer;
}

export function confluentInstalled(): boolean {
  return (
    existsSync(PACKAGE_JSON) && existsSync(new URL('node_modules/@confluentinc/', PACKAGE_JSON))
  );
}

/** The module, or an error that says how to install it. */
export function loadConfluent(): ConfluentModule {
  if (!confluentInstalled()) {
    throw new Error(
      '@confluentinc/kafka-javascript is not installed: run scripts/install-confluent-client',
    );
  }
  return createRequire(PACKAGE_JSON)('@confluentinc/kafka-javascript') as ConfluentModule;
}
