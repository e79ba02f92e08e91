import { describe, expect, it } from 'vitest';
import { kafkajs } from '../../../src/runtime/kafka/kafkajs.js';
import { isTransientKafkaError } from '../../../src/runtime/kafka/kafkajs-transport.js';

const {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} = kafkajs;

const refused = () =>
  new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');

describe('transient kafkajs errors (a worker start waits them out)', () => {
  it('a broker that refuses connections, also after kafkajs gave up retrying', () => {
    expect(isTransientKafkaError(refused())).toBe(true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused(), {
      retryCount: 5,
      retryTime: 7330,
    });
    expect(exhausted.retriable).toBe(false);
    expect(isTransientKafkaError(exhausted)).toBe(true);
  });

  it('a retriable protocol error wrapped by kafkajs', () => {
    const loading = new KafkaJSProtocolError(
      Object.assign(new KafkaJSError('coordinator loading'), {
        type: 'COORDINATOR_LOAD_IN_PROGRESS',
      }),
    );
    expect(
      isTransientKafkaError(
        new KafkaJSNumberOfRetriesExceeded(loading, { retryCount: 5, retryTime: 1000 }),
      ),
    ).toBe(true);
  });

  it('not: authentication, authorisation, or errors of our own', () => {
    expect(
      isTransientKafkaError(
        // kafkajs' typings declare no constructor argument; the class takes a message
        Reflect.construct(KafkaJSSASLAuthenticationError, [
          'SASL SCRAM-SHA-256 authentication failed',
        ]) as Error,
      ),
    ).toBe(false);
    const denied = new KafkaJSProtocolError(
      Object.assign(
        Reflect.construct(KafkaJSNonRetriableError, ['Topic authorization failed']) as Error,
        {
          type: 'TOPIC_AUTHORIZATION_FAILED',
        },
      ),
    );
    expect(isTransientKafkaError(denied)).toBe(false);
    expect(isTransientKafkaError(new Error('partition counts differ'))).toBe(false);
    expect(isTransientKafkaError('ECONNREFUSED')).toBe(false);
  });
});
