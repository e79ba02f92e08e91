import { request as httpRequest, Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/config/environment.js';
import {
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  healthServerSettings,
  startHealthServer,
  type HealthServer,
} from '../../../src/observability/health-server.js';
import { CdstreamMetrics } from '../../../src/observability/metrics.js';
import type { Readiness } from '../../../src/observability/readiness.js';

let servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function start(readiness: () => Readiness, metrics?: CdstreamMetrics) {
  const server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    readiness,
    ...(metrics ? { metrics } : {}),
  });
  servers.push(server);
  return server;
}

describe('health server', () => {
  it('binds an ephemeral port and answers /healthz', async () => {
    const server = await start(() => ({ ready: false, detail: {} }));
    expect(server.port).toBeGreaterThan(0);
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
  });

  it('answers /readyz 200 when ready and 503 with the detail otherwise', async () => {
    let readiness: Readiness = { ready: false, detail: { started: false, stages: {} } };
    const server = await start(() => readiness);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, started: false, stages: {} });

    readiness = { ready: true, detail: { started: true } };
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, started: true });
  });

  it('answers 503 when the readiness check throws', async () => {
    const server = await start(() => {
      throw new Error('status unavailable');
    });
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('status unavailable');
  });

  it('serves the Prometheus text on /metrics', async () => {
    const metrics = new CdstreamMetrics({ processMetrics: false });
    metrics.recordOutcome('ingest', 'processed');
    const server = await start(() => ({ ready: true, detail: {} }), metrics);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain(
      'cdstream_records_total{stage="ingest",outcome="processed"} 1',
    );
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const server = await start(() => ({ ready: true, detail: {} }));
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404); // no metrics configured
    const post = await fetch(`${server.url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('closes with a keep-alive connection open, and refuses afterwards', async () => {
    const server = await start(() => ({ ready: true, detail: {} }));
    const agent = new Agent({ keepAlive: true });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      httpRequest(`${server.url}/healthz`, { agent }, (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode);
        });
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    agent.destroy();
  });

  it('reports a taken port naming the variable', async () => {
    const first = await start(() => ({ ready: true, detail: {} }));
    const second = startHealthServer({
      port: first.port,
      host: '127.0.0.1',
      readiness: () => ({ ready: true, detail: {} }),
    });
    await expect(second).rejects.toThrow(
      /^CDSTREAM_HTTP_PORT: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/,
    );
  });
});

describe('healthServerSettings', () => {
  it('defaults to 127.0.0.1:9464', () => {
    expect(healthServerSettings({})).toEqual({ port: DEFAULT_HTTP_PORT, host: DEFAULT_HTTP_HOST });
    expect(DEFAULT_HTTP_PORT).toBe(9464);
  });

  it('reads the port and host', () => {
    expect(
      healthServerSettings({ CDSTREAM_HTTP_PORT: '0', CDSTREAM_HTTP_HOST: '0.0.0.0' }),
    ).toEqual({
      port: 0,
      host: '0.0.0.0',
    });
  });

  it.each(['http', '-1', '65536', '9464.5'])('refuses CDSTREAM_HTTP_PORT=%s', (port) => {
    expect(() => healthServerSettings({ CDSTREAM_HTTP_PORT: port })).toThrow(ConfigurationError);
    expect(() => healthServerSettings({ CDSTREAM_HTTP_PORT: port })).toThrow(
      /^CDSTREAM_HTTP_PORT: /,
    );
  });
});
