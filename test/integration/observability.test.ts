/**
 * A worker's production surface on a real broker: the reference topology in
 * process, its metrics and the health server on an ephemeral port, scraped
 * the way Prometheus and Kubernetes do.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../../src/observability/health-server.js';
import { CdstreamMetrics } from '../../src/observability/metrics.js';
import { workerReadiness, type ReadinessCheck } from '../../src/observability/readiness.js';
import { TrackedTransport } from '../../src/observability/tracked-transport.js';
import { KafkajsTransport } from '../../src/runtime/kafka/kafkajs-transport.js';
import type { RuntimeLogger } from '../../src/runtime/observer.js';
import { windowedCountTopology } from '../../src/runtime/reference/windowed-count.js';
import { StreamWorker } from '../../src/runtime/worker.js';
import { createTopic, kafka, uniqueName } from './setup/clients.js';

const WINDOW_MS = 10_000;
const RECORDS_PER_PARTITION = 20;
const silent: RuntimeLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function value(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics and health endpoints of a running worker', () => {
  const client = kafka('cdstream-test-observability');
  const appId = uniqueName('obs');
  const input = `${appId}-in`;
  const group = `${appId}-count`;
  let server: HealthServer | undefined;
  let worker: StreamWorker | undefined;

  afterAll(async () => {
    await worker?.stop().catch(() => undefined);
    await server?.close();
  });

  async function scrape(path: string): Promise<{ status: number; body: string }> {
    if (!server) throw new Error('no health server');
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: await response.text() };
  }

  async function produce(partition: number, timestamps: readonly number[]): Promise<void> {
    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: timestamps.map((timestamp, i) => ({
        key: `key-${i % 3}`,
        value: `v${i}`,
        partition,
        timestamp: String(timestamp),
      })),
    });
    await producer.disconnect();
  }

  it('serves readiness, transaction and record counters and consumer lag', async () => {
    await createTopic(client, input, 2);
    const transport = new TrackedTransport(
      new KafkajsTransport({ clientId: appId, brokers: inject('kafkaBrokers'), logger: silent }),
    );
    // the worker takes the metrics' listener, the metrics ask the worker: bind late
    let readiness: ReadinessCheck = () => ({ ready: false, detail: { started: false } });
    const metrics = new CdstreamMetrics({
      consumerLag: () => transport.allConsumerLag(),
      ready: () => readiness().ready,
    });
    const running = new StreamWorker({
      topology: windowedCountTopology({
        applicationId: appId,
        inputTopic: input,
        outputTopic: `${appId}-counts`,
        lateTopic: `${appId}-late`,
        deadLetterTopic: `${appId}-dlq`,
        windowSizeMs: WINDOW_MS,
        graceMs: 0,
      }),
      transport,
      logger: silent,
      listener: metrics.runtimeListener(),
      settings: { commitIntervalMs: 100 },
    });
    worker = running;
    readiness = workerReadiness(running, transport);
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics,
      readiness: () => readiness(),
    });

    const before = await scrape('/readyz');
    expect(before.status).toBe(503);
    expect(JSON.parse(before.body)).toMatchObject({ ready: false, started: false });
    expect((await scrape('/healthz')).status).toBe(200);

    await running.start();
    await expect.poll(async () => (await scrape('/readyz')).status, { timeout: 30_000 }).toBe(200);
    expect(JSON.parse((await scrape('/readyz')).body)).toMatchObject({
      ready: true,
      started: true,
      rebalancing: [],
      stages: { count: { assigned: [0, 1], running: [0, 1] } },
    });

    // an old window on each partition, then a record two windows later that closes it
    const base = Math.floor((Date.now() - 3_600_000) / WINDOW_MS) * WINDOW_MS;
    for (const partition of [0, 1]) {
      const old = Array.from({ length: RECORDS_PER_PARTITION - 1 }, (_, i) => base + i * 10);
      await produce(partition, [...old, base + 2 * WINDOW_MS]);
    }

    const lagSeries = (partition: number) =>
      `cdstream_consumer_lag{group="${group}",topic="${input}",partition="${partition}"}`;
    await expect
      .poll(
        async () => {
          const { body } = await scrape('/metrics');
          return [value(body, lagSeries(0)), value(body, lagSeries(1))];
        },
        { timeout: 30_000 },
      )
      .toEqual([0, 0]);
    await expect
      .poll(
        async () =>
          value(
            (await scrape('/metrics')).body,
            'cdstream_committed_records_total{stage="count",kind="output"}',
          ),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);

    const { status, body } = await scrape('/metrics');
    expect(status).toBe(200);
    expect(
      value(body, 'cdstream_transactions_total{stage="count",result="committed"}'),
    ).toBeGreaterThan(0);
    expect(
      value(body, 'cdstream_transaction_duration_seconds_count{stage="count"}'),
    ).toBeGreaterThan(0);
    expect(
      value(body, 'cdstream_committed_records_total{stage="count",kind="changelog"}'),
    ).toBeGreaterThan(0);
    expect(value(body, 'cdstream_restore_seconds_count{stage="count"}')).toBeGreaterThanOrEqual(1);
    expect(value(body, 'cdstream_worker_ready')).toBe(1);
    expect(value(body, 'cdstream_consumer_lag_errors_total')).toBe(0);
    expect(body).toContain('nodejs_eventloop_lag_seconds');

    await running.stop();
    const after = await scrape('/readyz');
    expect(after.status).toBe(503);
    expect(JSON.parse(after.body)).toMatchObject({ ready: false });
    const stopped = (await scrape('/metrics')).body;
    expect(value(stopped, 'cdstream_worker_ready')).toBe(0);
    expect(stopped).not.toContain(`group="${group}"`);

    // what the group left unread counts as lag
    await produce(0, [base + 3 * WINDOW_MS, base + 3 * WINDOW_MS + 1, base + 3 * WINDOW_MS + 2]);
    const probe = new KafkajsTransport({
      clientId: `${appId}-probe`,
      brokers: inject('kafkaBrokers'),
    });
    try {
      expect(await probe.consumerLag(group, [input])).toEqual([
        { topic: input, partition: 0, lag: 3 },
        { topic: input, partition: 1, lag: 0 },
      ]);
    } finally {
      await probe.close();
    }
  });
});
