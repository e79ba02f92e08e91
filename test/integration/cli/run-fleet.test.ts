/**
 * Two `cdstream run` processes on one topology: both serve /metrics and
 * /readyz; SIGTERM to one hands its partitions to the other, which becomes
 * ready again and goes on processing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';
import { kill, startCdstream, type WorkerProcess } from '../setup/fleet.js';
import { deployedEvent, metricsUrlOf, writeValidationTopology } from '../setup/validation-fleet.js';
import { awaitCommittedToEnd } from '../setup/topics.js';

describe('cdstream run fleet', () => {
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(
      workers.filter((w) => w.process.exitCode === null).map((w) => kill(w, 'SIGKILL')),
    );
  });

  it('serves metrics and readiness, and hands partitions over cleanly on SIGTERM', async () => {
    const client = kafka('cdstream-test-run');
    const appId = uniqueName('run');
    const input = `${appId}.in`;
    await createTopic(client, input, 4);
    const topologyFile = writeValidationTopology(appId, input);
    const env = { CDSTREAM_HTTP_PORT: '0', CDSTREAM_SHUTDOWN_TIMEOUT_MS: '20000' };
    const first = startCdstream(['run', '--topology', topologyFile], env);
    const second = startCdstream(['run', '--topology', topologyFile], env);
    workers.push(first, second);
    const [firstUrl, secondUrl] = await Promise.all([metricsUrlOf(first), metricsUrlOf(second)]);

    await expect
      .poll(async () => (await fetch(`${firstUrl}/readyz`)).status, { timeout: 60_000 })
      .toBe(200);
    await expect
      .poll(async () => (await fetch(`${secondUrl}/readyz`)).status, { timeout: 60_000 })
      .toBe(200);
    expect((await fetch(`${firstUrl}/healthz`)).status).toBe(200);

    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: Array.from({ length: 40 }, (_, i) => ({
        key: `k${i}`,
        value: deployedEvent(`e-${i}`),
        headers: { 'content-type': 'application/cloudevents+json' },
      })),
    });
    await awaitCommittedToEnd(client, `${appId}-ingest`, input);

    const metrics = await (await fetch(`${firstUrl}/metrics`)).text();
    expect(metrics).toMatch(/cdstream_transactions_total\{[^}]*result="committed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/cdstream_worker_ready 1/);
    const both = metrics + (await (await fetch(`${secondUrl}/metrics`)).text());
    const processed = [
      ...both.matchAll(/cdstream_records_total\{[^}]*outcome="processed"[^}]*\} (\d+)/g),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
    expect(processed).toBe(40);

    // SIGTERM: the first worker commits, leaves the group and exits 0
    expect(await kill(first, 'SIGTERM')).toBe(0);
    expect(first.output.some((line) => line.includes('worker stopped'))).toBe(true);
    // the second takes over every partition and is ready again
    await expect
      .poll(
        async () => {
          const response = await fetch(`${secondUrl}/readyz`);
          const body = (await response.json()) as {
            stages?: Record<string, { assigned: number[] }>;
          };
          return response.status === 200 ? body.stages?.ingest?.assigned.length : -1;
        },
        { timeout: 60_000 },
      )
      .toBe(4);

    await producer.send({
      topic: input,
      messages: Array.from({ length: 8 }, (_, i) => ({
        key: `k${i}`,
        value: deployedEvent(`after-${i}`),
        headers: { 'content-type': 'application/cloudevents+json' },
      })),
    });
    await producer.disconnect();
    await awaitCommittedToEnd(client, `${appId}-ingest`, input);
    expect(await kill(second, 'SIGTERM')).toBe(0);
  }, 180_000);
});
