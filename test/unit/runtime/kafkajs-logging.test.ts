import { logLevel } from '../../../src/runtime/kafka/kafkajs.js';
import { describe, expect, it } from 'vitest';
import { kafkajsLogCreator } from '../../../src/runtime/kafka/kafkajs-logging.js';
import type { RuntimeLogger } from '../../../src/runtime/observer.js';

function capture() {
  const lines: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (_fields: object, message: string): void => {
      lines.push({ level, message });
    };
  const logger: RuntimeLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  const log = kafkajsLogCreator(logger)(logLevel.INFO);
  const emit = (level: logLevel, message: string, error?: string) => {
    log({
      namespace: 'test',
      level,
      label: 'ERROR',
      log: { message, timestamp: '', ...(error ? { error } : {}) },
    });
  };
  return { lines, emit };
}

describe('kafkajs log lines', () => {
  it('keep real errors at error level', () => {
    const { lines, emit } = capture();
    emit(logLevel.ERROR, 'Crash: KafkaJSProtocolError: Topic authorization failed');
    expect(lines).toEqual([
      {
        level: 'error',
        message: 'kafkajs: Crash: KafkaJSProtocolError: Topic authorization failed',
      },
    ]);
  });

  it('log a broker that is away, while kafkajs retries, as a warning', () => {
    const { lines, emit } = capture();
    emit(
      logLevel.ERROR,
      'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    );
    emit(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    emit(logLevel.ERROR, 'Restarting the consumer in 300ms');
    expect(lines.map((line) => line.level)).toEqual(['warn', 'warn', 'warn']);
  });

  it('log retried transactional noise at debug', () => {
    const { lines, emit } = capture();
    emit(
      logLevel.ERROR,
      'Response AddPartitionsToTxn',
      'There is a concurrent operation on the same transaction',
    );
    emit(
      logLevel.WARN,
      'Limiting retries for the idempotent producer may invalidate EoS guarantees',
    );
    expect(lines.map((line) => line.level)).toEqual(['debug', 'debug']);
  });

  it('log a coordinator that is not there yet (a fresh consumer group) at debug', () => {
    const { lines, emit } = capture();
    emit(
      logLevel.ERROR,
      'Response GroupCoordinator(key: 10, version: 2)',
      'The group coordinator is not available',
    );
    emit(
      logLevel.ERROR,
      'Response FindCoordinator(key: 10, version: 2)',
      'The coordinator is not available',
    );
    expect(lines.map((line) => line.level)).toEqual(['debug', 'debug']);
  });
});
