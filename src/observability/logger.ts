import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigurationError } from '../config/environment.js';

export type { Logger };

/** Keys whose values never reach a log line, at the top level and two levels down. */
const SECRET_KEYS = [
  'password',
  'passphrase',
  'token',
  'sasl',
  'authorization',
  'Authorization',
  'secretAccessKey',
  'sessionToken',
  'KAFKA_SASL_PASSWORD',
  'SCHEMA_REGISTRY_PASSWORD',
  'SCHEMA_REGISTRY_TOKEN',
];

export const SECRET_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  // a TLS private key; `key` alone is a record key, which is not secret
  'ssl.key',
  '*.ssl.key',
  '*.*.ssl.key',
];

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function createLogger(
  env: NodeJS.ProcessEnv = process.env,
  destination?: DestinationStream,
): Logger {
  const level = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LEVELS.includes(level)) {
    throw new ConfigurationError('LOG_LEVEL', `expected one of ${LEVELS.join(', ')}`);
  }
  const options = {
    name: 'cdstream',
    level,
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
