import { logLevel, type logCreator } from './kafkajs.js';
// kafkajs' request queues without their negative timer (TimeoutNegativeWarning)
import './install-request-queue-schedule.js';
import type { RuntimeLogger } from '../observer.js';

/**
 * Errors kafkajs logs at ERROR although it retries them and they are part of
 * normal operation: a commit completing, a coordinator loading after a
 * restart, or not there yet (a fresh consumer group, a broker whose offsets
 * or transactions topic is still being created).
 */
const RETRIED_NOISE =
  /concurrent operation on the same transaction|coordinator is loading|coordinator is not available|not the correct coordinator|not the leader for that topic-partition|rebalanc/i;

/**
 * Errors kafkajs logs while it still retries a connection or restarts its
 * consumer: worth a warning (the broker is away), not an error, until kafkajs
 * gives up, which surfaces as a crash the runtime reports itself.
 */
const RETRIED_CONNECTION =
  /failed to connect to seed broker|connection error|connection timeout|restarting the consumer/i;

/**
 * kafkajs warns that bounded retries of an idempotent producer may break
 * exactly-once. Not here: every send belongs to a transaction, a send that
 * gives up aborts it, and the task rolls back to its last commit.
 */
const SAFE_WARNINGS = /Limiting retries for the idempotent producer/;

/** Sends kafkajs' log lines to our logger, one line each, with its fields. */
export function kafkajsLogCreator(logger: RuntimeLogger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...fields } = log;
      const line = `kafkajs: ${message}`;
      const context = { kafkajs: fields };
      if (level === logLevel.ERROR) {
        const error = typeof fields.error === 'string' ? fields.error : '';
        const text = `${message} ${error}`;
        if (RETRIED_NOISE.test(text)) logger.debug(context, line);
        else if (RETRIED_CONNECTION.test(text)) logger.warn(context, line);
        else logger.error(context, line);
      } else if (level === logLevel.WARN) {
        if (SAFE_WARNINGS.test(message)) logger.debug(context, line);
        else logger.warn(context, line);
      } else if (level === logLevel.INFO) logger.debug(context, line);
      else logger.debug(context, line);
    };
}
