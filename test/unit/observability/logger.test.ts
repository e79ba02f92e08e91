import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';

const SECRET = 'pa55-never-logged';

function capture(env: NodeJS.ProcessEnv = {}) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(env, destination), lines };
}

describe('createLogger', () => {
  it('redacts secrets of the connection settings wherever they sit', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        password: SECRET,
        config: {
          kafka: {
            sasl: { mechanism: 'plain', username: 'u', password: SECRET },
            ssl: { key: SECRET },
          },
          registry: { kind: 'bearer', token: SECRET },
          headers: { authorization: `Bearer ${SECRET}` },
        },
        env: { KAFKA_SASL_PASSWORD: SECRET, SCHEMA_REGISTRY_TOKEN: SECRET },
        key: 'record-key-stays',
      },
      'connecting',
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[redacted]');
    expect(lines[0]?.key).toBe('record-key-stays');
  });

  it('takes the level from LOG_LEVEL', () => {
    const { logger, lines } = capture({ LOG_LEVEL: 'warn' });
    logger.info({}, 'hidden');
    logger.warn({}, 'shown');
    expect(lines.map((line) => line.msg)).toEqual(['shown']);
  });

  it('refuses an unknown LOG_LEVEL naming the variable', () => {
    expect(() => createLogger({ LOG_LEVEL: 'verbose' })).toThrow(/^LOG_LEVEL: expected one of/);
  });
});
