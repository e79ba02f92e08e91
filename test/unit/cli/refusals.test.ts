/** What the CLI says of a record the broker refuses, and of an unexpected error: one line. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/config/environment.js';
import { CdstreamError } from '../../../src/errors.js';
import { kafkajs } from '../../../src/runtime/kafka/kafkajs.js';
import { exitCodeOf, oneLine } from '../../../src/cli/errors.js';
import { describeRecord, inStreamTime, recordsOfFile } from '../../../src/cli/input-records.js';
import { predictRefusal, refusalOf, type TopicLimits } from '../../../src/cli/refusals.js';

const NOW = Date.parse('2026-11-30T00:05:00Z');
const HOUR = 3_600_000;
const LIMITS: TopicLimits = {
  topic: 't',
  afterMaxMs: HOUR,
  beforeMaxMs: undefined,
  maxMessageBytes: 1_048_588,
  logAppendTime: false,
};
const protocolError = (type: string, code: number, message: string) =>
  new kafkajs.KafkaJSProtocolError(
    Object.assign(new Error(message), { type, code, retriable: false }),
  );

describe('refusals', () => {
  it('foresees a timestamp more than message.timestamp.after.max.ms ahead of the clock', () => {
    expect(predictRefusal({ value: 'x', timestamp: String(NOW + 3 * HOUR) }, LIMITS, NOW)).toEqual({
      code: 'INVALID_TIMESTAMP',
      reason:
        'its timestamp 2026-11-30T03:05:00.000Z is 3h 0m ahead of the clock; topic t accepts at most 1h 0m ahead (message.timestamp.after.max.ms)',
      recordOnly: true,
    });
    expect(
      predictRefusal({ value: 'x', timestamp: String(NOW + HOUR - 1) }, LIMITS, NOW),
    ).toBeUndefined();
    expect(
      predictRefusal(
        { value: 'x', timestamp: String(NOW + 3 * HOUR) },
        { ...LIMITS, logAppendTime: true },
        NOW,
      ),
    ).toBeUndefined();
    expect(
      predictRefusal(
        { value: 'x', timestamp: String(NOW - 9 * 86_400_000) },
        { ...LIMITS, beforeMaxMs: 7 * 86_400_000 },
        NOW,
      )?.reason,
    ).toBe(
      'its timestamp 2026-11-21T00:05:00.000Z is 9d behind the clock; topic t accepts at most 7d behind (message.timestamp.before.max.ms)',
    );
  });

  it('foresees a record larger than max.message.bytes', () => {
    expect(
      predictRefusal(
        { key: 'k', value: 'x'.repeat(2000) },
        { ...LIMITS, maxMessageBytes: 1000 },
        NOW,
      ),
    ).toMatchObject({ code: 'MESSAGE_TOO_LARGE', recordOnly: true });
  });

  it("explains the broker's own refusals; other errors are not refusals", () => {
    const message = { value: 'x', timestamp: String(NOW + 3 * HOUR) };
    const timestamp = protocolError(
      'INVALID_TIMESTAMP',
      32,
      'The timestamp of the message is out of acceptable range',
    );
    expect(refusalOf(timestamp, message, 't', undefined, NOW)).toEqual({
      code: 'INVALID_TIMESTAMP',
      reason:
        'its timestamp 2026-11-30T03:05:00.000Z is 3h 0m ahead of the clock; the broker accepts at most 1h 0m ahead by default (message.timestamp.after.max.ms)',
      recordOnly: true,
    });
    const unknownTopic = new kafkajs.KafkaJSNumberOfRetriesExceeded(
      protocolError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        3,
        'This server does not host this topic-partition',
      ),
      { retryCount: 5, retryTime: 100 },
    );
    expect(refusalOf(unknownTopic, message, 't', LIMITS, NOW)).toMatchObject({
      code: 'UNKNOWN_TOPIC_OR_PARTITION',
      recordOnly: false,
    });
    expect(
      refusalOf(
        protocolError('TOPIC_AUTHORIZATION_FAILED', 29, 'Not authorized'),
        message,
        't',
        LIMITS,
        NOW,
      ),
    ).toMatchObject({ code: 'TOPIC_AUTHORIZATION_FAILED', recordOnly: false });
    expect(
      refusalOf(new kafkajs.KafkaJSConnectionError('Connection error'), message, 't', LIMITS, NOW),
    ).toBeUndefined();
  });
});

describe('records named by where they are', () => {
  it('file:line for NDJSON, file[index] in an array, with the event source and id', () => {
    const ndjson = recordsOfFile(
      '{"specversion":"1.0","id":"a","source":"/s","type":"t","time":"2026-11-30T00:00:00Z"}\n\nnot json\n',
    );
    expect(ndjson.map((r) => describeRecord('f.ndjson', r))).toEqual([
      'f.ndjson:1 (event /s a)',
      'f.ndjson:3',
    ]);
    const array = recordsOfFile(
      '[{"context":{"id":"x","source":"/c","timestamp":"2026-11-30T00:00:00Z"}}]',
    );
    expect(array.map((r) => describeRecord('f.json', r))).toEqual(['f.json[0] (event /c x)']);
  });

  it('a record without an event time takes the time the stream reached', () => {
    const records = recordsOfFile(
      [
        'broken',
        '{"specversion":"1.0","id":"a","source":"/s","type":"t","time":"2026-11-30T00:00:00Z"}',
        'broken',
      ].join('\n'),
    );
    expect(inStreamTime(records, NOW).map((r) => r.timestamp)).toEqual([
      NOW,
      Date.parse('2026-11-30T00:00:00Z'),
      Date.parse('2026-11-30T00:00:00Z'),
    ]);
  });
});

describe('unexpected errors', () => {
  it('are one line: the messages of the error and its causes, each once', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:9092');
    const error = new kafkajs.KafkaJSConnectionError(
      'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      {
        cause,
      } as never,
    );
    expect(oneLine(new Error('could not start\nthe worker', { cause: error }))).toBe(
      'could not start the worker: Connection error: connect ECONNREFUSED 127.0.0.1:9092 (cannot reach the brokers: check KAFKA_BROKERS, or start the local ones with npm run services -- start)',
    );
    expect(
      oneLine(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, 'Not authorized to access topics')),
    ).toBe('Not authorized to access topics (TOPIC_AUTHORIZATION_FAILED)');
  });

  it('exit 2 for configuration errors, 1 for the rest', () => {
    expect(exitCodeOf(new ConfigurationError('LOG_LEVEL', 'expected one of …'))).toBe(2);
    expect(exitCodeOf(new CdstreamError('CONFIG_INVALID', 'bad topology'))).toBe(2);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
  });
});
