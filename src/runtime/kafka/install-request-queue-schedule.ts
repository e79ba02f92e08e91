/**
 * kafkajs 2.2.4's RequestQueue without its negative timer (kafkajs issues
 * 1751 and 1704).
 *
 * After every response a connection's RequestQueue schedules its next check
 * of pending requests `throttledUntil - Date.now()` ms ahead. throttledUntil
 * is -1 until the broker throttles the client, so the delay is about
 * -1.8e12 ms: Node 24 prints `TimeoutNegativeWarning` and runs the timer after
 * 1 ms, whose check finds nothing pending and schedules itself again, every
 * millisecond of every connection for as long as it lives.
 *
 * The replacement schedules a check only when there is something to check:
 * pending requests (when the throttle ends, else in 10 ms, as kafkajs does)
 * or a throttle still running. With nothing pending and no throttle it
 * schedules nothing; the next request that has to wait schedules its own
 * check (kafkajs' push() calls this method), and a response or a timeout of
 * an in-flight request checks the queue at once, as before.
 *
 * kafkajs loads before this module in most processes, so the method is
 * replaced on RequestQueue's prototype (every connection's queue, made
 * before or after), not in Node's module cache. It is replaced only while
 * kafkajs' own method is the one read here: after a kafkajs upgrade that
 * changes it, requestQueueScheduleInstalled() turns false and its test fails.
 */
import { kafkajsModule } from './kafkajs-module-cache.js';

const REQUEST_QUEUE = 'src/network/requestQueue/index.js';
/** kafkajs' CHECK_PENDING_REQUESTS_INTERVAL (not exported) */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;
/** Marks the replacement so a test can tell it is the one kafkajs uses. */
export const NON_NEGATIVE_SCHEDULE = Symbol.for('cdstream.requestQueueSchedule');

interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
}

function scheduleCheckPendingRequests(this: RequestQueue): void {
  if (this.throttleCheckTimeoutId) return;
  let delay = this.throttledUntil - Date.now();
  if (this.pending.length > 0) delay = delay > 0 ? delay : CHECK_PENDING_REQUESTS_INTERVAL;
  else if (delay <= 0) return; // nothing pending and no throttle: nothing to check
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}
Object.defineProperty(scheduleCheckPendingRequests, NON_NEGATIVE_SCHEDULE, { value: true });

/** The lines of kafkajs 2.2.4's method this replacement was written against. */
const KAFKAJS_METHOD = [
  'let scheduleAt = this.throttledUntil - Date.now()',
  'if (!this.throttleCheckTimeoutId) {',
  'if (this.pending.length > 0) {',
  'scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL',
  'this.throttleCheckTimeoutId = null',
  'this.checkPendingRequests()',
  '}, scheduleAt)',
];

const { prototype } = kafkajsModule(REQUEST_QUEUE) as { prototype: Record<string, unknown> };
const original = prototype.scheduleCheckPendingRequests;
if (
  typeof original === 'function' &&
  KAFKAJS_METHOD.every((line) => original.toString().includes(line))
) {
  prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}

/** True when kafkajs' request queues schedule with the replacement. */
export function requestQueueScheduleInstalled(): boolean {
  const method = prototype.scheduleCheckPendingRequests;
  return typeof method === 'function' && NON_NEGATIVE_SCHEDULE in method;
}
