/**
 * kafkajs' RequestQueue with cdstream's scheduleCheckPendingRequests: never a
 * negative timer (Node's TimeoutNegativeWarning, kafkajs issue 1751), no
 * timer at all with nothing to check (the 1 ms loop of issue 1704), and
 * requests that must wait are still sent, by in-flight limit and by throttle.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestQueueScheduleInstalled } from '../../../src/runtime/kafka/install-request-queue-schedule.js';
import { kafkajsModule } from '../../../src/runtime/kafka/kafkajs-module-cache.js';

interface Queue {
  pending: unknown[];
  throttleCheckTimeoutId: unknown;
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}
type QueueClass = new (options: object) => Queue;

const RequestQueue = kafkajsModule('src/network/requestQueue/index.js') as QueueClass;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function queue(maxInFlightRequests: number) {
  const sent: number[] = [];
  const q = new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: '127.0.0.1:9092',
    logger: quiet,
  });
  const push = (correlationId: number) => {
    q.push({
      entry: {
        correlationId,
        apiKey: 3,
        apiName: 'Metadata',
        apiVersion: 6,
        resolve: () => undefined,
        reject: () => undefined,
      },
      expectResponse: true,
      sendRequest: () => sent.push(correlationId),
    });
  };
  const respond = (correlationId: number) => {
    q.fulfillRequest({ correlationId, payload: null, size: 0 });
  };
  return { q, sent, push, respond };
}

describe("kafkajs' request queue schedule", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('is installed', () => {
    expect(requestQueueScheduleInstalled()).toBe(true);
  });

  it('schedules no timer once a response leaves nothing pending, and never a negative one', () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const { q, sent, push, respond } = queue(5);
    push(1);
    respond(1);
    expect(sent).toEqual([1]);
    expect(q.throttleCheckTimeoutId).toBeNull();
    for (const [, delay] of setTimeoutSpy.mock.calls) expect(delay).toBeGreaterThan(0);
    q.destroy();
  });

  it('sends a request held back by the in-flight limit when a response arrives', () => {
    vi.useFakeTimers();
    const { q, sent, push, respond } = queue(1);
    push(1);
    push(2);
    expect(sent).toEqual([1]);
    expect(q.pending).toHaveLength(1);
    respond(1);
    expect(sent).toEqual([1, 2]);
    respond(2);
    expect(q.pending).toHaveLength(0);
    // the check scheduled while request 2 waited runs once and ends the chain
    vi.advanceTimersByTime(10);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('sends a request held back by a throttle when the throttle ends', () => {
    vi.useFakeTimers();
    const { q, sent, push } = queue(5);
    q.maybeThrottle(200);
    push(1);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(150);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(1_000);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });
});
