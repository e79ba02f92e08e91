/**
 * Records a broker refuses, told in one line a person can act on: which
 * record, and why in the terms of the topic's own limits (timestamp range,
 * size), not a protocol error and a stack trace.
 *
 * The topic's limits are read once (DescribeConfigs) so that `produce` can
 * check every record before it sends any; the broker's verdict stays the
 * truth, and a refusal it gives is explained the same way.
 */
import { kafkajs, type Kafka, type Message } from '../runtime/kafka/kafkajs.js';
import { recordBytes } from '../runtime/record.js';
import { duration } from './demo/summary.js';

/** What the topic accepts, as its configuration says. */
export interface TopicLimits {
  readonly topic: string;
  /** message.timestamp.after.max.ms: how far ahead of the broker's clock a record may be dated */
  readonly afterMaxMs: number | undefined;
  /** message.timestamp.before.max.ms: how far behind */
  readonly beforeMaxMs: number | undefined;
  /** max.message.bytes: the largest record batch */
  readonly maxMessageBytes: number | undefined;
  /** message.timestamp.type=LogAppendTime: the broker sets the timestamps itself */
  readonly logAppendTime: boolean;
}

/** Kafka 4's default message.timestamp.after.max.ms */
export const DEFAULT_AFTER_MAX_MS = 3_600_000;

export interface Refusal {
  /** the broker's error name, e.g. INVALID_TIMESTAMP */
  readonly code: string;
  /** why, in words */
  readonly reason: string;
  /** true when only this record is refused and the others can still be sent */
  readonly recordOnly: boolean;
}

/** Refusals of one record: the others of the same input can still go. */
const RECORD_ERRORS = new Set([
  'INVALID_TIMESTAMP',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
]);
/** Refusals of every record of the topic. */
const TOPIC_ERRORS = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'POLICY_VIOLATION',
]);

/** The topic's limits; undefined when the broker does not say (for example, not authorised to describe). */
export async function topicLimits(kafka: Kafka, topic: string): Promise<TopicLimits | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name: topic,
          configNames: [
            'message.timestamp.after.max.ms',
            'message.timestamp.before.max.ms',
            'message.timestamp.type',
            'max.message.bytes',
          ],
        },
      ],
      includeSynonyms: false,
    });
    const entries = new Map(
      (described.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]),
    );
    const number = (name: string) => {
      const value = Number(entries.get(name));
      return Number.isFinite(value) && value < Number.MAX_SAFE_INTEGER ? value : undefined;
    };
    return {
      topic,
      afterMaxMs: number('message.timestamp.after.max.ms'),
      beforeMaxMs: number('message.timestamp.before.max.ms'),
      maxMessageBytes: number('max.message.bytes'),
      logAppendTime: entries.get('message.timestamp.type') === 'LogAppendTime',
    };
  } catch {
    return undefined;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Bytes of a message's key, value and headers. A record batch holding it is
 * larger still (about 70 bytes of batch and record headers), so a message
 * this size already over max.message.bytes is refused for sure.
 */
export function messageBytes(message: Message): number {
  return recordBytes(message);
}

/**
 * The refusal the topic's limits predict for a message, checked against this
 * machine's clock; undefined when the limits do not refuse it.
 */
export function predictRefusal(
  message: Message,
  limits: TopicLimits,
  now: number,
): Refusal | undefined {
  const timestamp = message.timestamp === undefined ? undefined : Number(message.timestamp);
  if (timestamp !== undefined && !limits.logAppendTime) {
    const ahead = timestamp - now;
    if (limits.afterMaxMs !== undefined && ahead > limits.afterMaxMs) {
      return timestampRefusal(timestamp, now, limits);
    }
    if (limits.beforeMaxMs !== undefined && -ahead > limits.beforeMaxMs) {
      return timestampRefusal(timestamp, now, limits);
    }
  }
  const bytes = messageBytes(message);
  if (limits.maxMessageBytes !== undefined && bytes > limits.maxMessageBytes) {
    return tooLarge(bytes, limits);
  }
  return undefined;
}

/**
 * The broker refusal an error of a send is, explained for this message;
 * undefined when the error is not a refusal (the broker unreachable, a bug).
 */
export function refusalOf(
  error: unknown,
  message: Message | undefined,
  topic: string,
  limits: TopicLimits | undefined,
  now: number,
): Refusal | undefined {
  const code = brokerErrorType(error);
  if (code === undefined || (!RECORD_ERRORS.has(code) && !TOPIC_ERRORS.has(code))) {
    return undefined;
  }
  const known = limits ?? {
    topic,
    afterMaxMs: undefined,
    beforeMaxMs: undefined,
    maxMessageBytes: undefined,
    logAppendTime: false,
  };
  switch (code) {
    case 'INVALID_TIMESTAMP': {
      const timestamp = message?.timestamp === undefined ? now : Number(message.timestamp);
      return timestampRefusal(timestamp, now, known);
    }
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return { ...tooLarge(message ? messageBytes(message) : undefined, known), code };
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return {
        code,
        reason: `topic ${topic} does not exist; create it first (cdstream topics create --topology FILE)`,
        recordOnly: false,
      };
    case 'TOPIC_AUTHORIZATION_FAILED':
    case 'CLUSTER_AUTHORIZATION_FAILED':
    case 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED':
      return {
        code,
        reason: `the user this client logs in as may not write to topic ${topic}; grant it WRITE on the topic (KAFKA_SASL_USERNAME)`,
        recordOnly: false,
      };
    default:
      return {
        code,
        reason: `the broker refused it: ${messageOf(error)}`,
        recordOnly: RECORD_ERRORS.has(code),
      };
  }
}

function timestampRefusal(timestamp: number, now: number, limits: TopicLimits): Refusal {
  const when = Number.isFinite(timestamp) ? new Date(timestamp).toISOString() : String(timestamp);
  const offset = timestamp - now;
  const ahead = offset >= 0;
  const limit = ahead ? limits.afterMaxMs : limits.beforeMaxMs;
  const setting = ahead ? 'message.timestamp.after.max.ms' : 'message.timestamp.before.max.ms';
  const range =
    limit === undefined
      ? ahead
        ? `the broker accepts at most ${duration(DEFAULT_AFTER_MAX_MS)} ahead by default (${setting})`
        : `the broker's ${setting} is smaller`
      : `topic ${limits.topic} accepts at most ${duration(limit)} ${ahead ? 'ahead' : 'behind'} (${setting})`;
  return {
    code: 'INVALID_TIMESTAMP',
    reason: `its timestamp ${when} is ${duration(Math.abs(offset))} ${ahead ? 'ahead of' : 'behind'} the clock; ${range}`,
    recordOnly: true,
  };
}

function tooLarge(bytes: number | undefined, limits: TopicLimits): Refusal {
  const size = bytes === undefined ? 'it is' : `it is ${bytes} bytes (key, value and headers),`;
  const limit =
    limits.maxMessageBytes === undefined
      ? `more than topic ${limits.topic} accepts (max.message.bytes)`
      : `and topic ${limits.topic} takes record batches of at most ${limits.maxMessageBytes} bytes (max.message.bytes)`;
  return { code: 'MESSAGE_TOO_LARGE', reason: `${size} ${limit}`, recordOnly: true };
}

/** The Kafka error name (kafkajs' `type`) of an error or of one of its causes. */
export function brokerErrorType(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A record the broker refused, named by where it came from; the CLI prints its message as one line. */
export class RecordRefusedError extends Error {
  constructor(
    readonly where: string,
    readonly refusal: Refusal,
    readonly sentBefore: number,
  ) {
    super(`${where}: refused by the broker: ${refusal.reason} (${refusal.code})`);
    this.name = 'RecordRefusedError';
  }
}
