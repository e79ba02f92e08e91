import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, wherever they are nested. */
const SECRET_PATHS = [
  'password',
  '*.password',
  'sasl',
  '*.sasl',
  'ssl.key',
  '*.ssl.key',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
];

export function createLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  return pino({
    name: 'cdstream',
    level: env.LOG_LEVEL ?? 'info',
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
  });
}
