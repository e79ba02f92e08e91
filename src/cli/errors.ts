/**
 * How a command that fails unexpectedly ends: one line saying what went
 * wrong, and the exit code `--help` documents (1 failure, 2 usage or
 * configuration). The stack trace only at LOG_LEVEL=debug or trace.
 */
import { inspect } from 'node:util';
import { ConfigurationError } from '../config/environment.js';
import { asCdstreamError } from '../errors.js';
import { RecordRefusedError } from './refusals.js';

/** kafkajs errors that mean the brokers cannot be reached */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
]);

/** The messages of an error and its causes, each once, in one line. */
export function oneLine(error: unknown): string {
  const parts: string[] = [];
  let unreachable = false;
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    if (!(e instanceof Error)) {
      parts.push(typeof e === 'string' ? e : inspect(e, { breakLength: Infinity }));
      break;
    }
    if (UNREACHABLE.has(e.name)) unreachable = true;
    const message = e.message.replace(/\s*\n\s*/g, ' ').trim();
    const type = (e as { type?: unknown }).type;
    const named =
      typeof type === 'string' && !message.includes(type) ? `${message} (${type})` : message;
    if (named !== '' && !parts.some((part) => part.includes(message))) parts.push(named);
    e = e.cause;
  }
  const text = parts.join(': ') || 'unknown error';
  return unreachable
    ? `${text} (cannot reach the brokers: check KAFKA_BROKERS, or start the local ones with npm run services -- start)`
    : text;
}

/** 2 for configuration and usage errors, 1 for everything else. */
export function exitCodeOf(error: unknown): 1 | 2 {
  if (error instanceof ConfigurationError) return 2;
  const known = asCdstreamError(error);
  if (known?.code === 'CONFIG_INVALID' || known?.code === 'COPARTITIONING') return 2;
  return 1;
}

/** Ends the process after an unexpected error: one line on stderr, the stack only when debugging. */
export function exitWithError(command: string, error: unknown, env = process.env): never {
  const level = env.LOG_LEVEL?.trim().toLowerCase();
  const prefix = error instanceof RecordRefusedError ? '' : `cdstream ${command}: `;
  process.stderr.write(`${prefix}${oneLine(error)}\n`);
  if ((level === 'debug' || level === 'trace') && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  process.exit(exitCodeOf(error));
}
