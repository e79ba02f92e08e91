/**
 * The worker's HTTP surface for Prometheus and Kubernetes: /metrics,
 * /healthz (the process answers) and /readyz (the worker is ready).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../config/environment.js';
import type { Readiness, ReadinessCheck } from './readiness.js';

export const DEFAULT_HTTP_PORT = 9464;
export const DEFAULT_HTTP_HOST = '127.0.0.1';

export interface HealthServerSettings {
  /** 0 binds an ephemeral port; HealthServer.port says which */
  readonly port: number;
  readonly host: string;
}

export interface HealthServerOptions extends HealthServerSettings {
  /** a fleet host asks its workers, so it may answer later */
  readonly readiness: ReadinessCheck | (() => Promise<Readiness>);
  readonly metrics?: { exposition(): Promise<{ contentType: string; body: string }> };
  /** how long close() lets in-flight requests finish before dropping them, ms */
  readonly closeGraceMs?: number;
}

export interface HealthServer {
  readonly host: string;
  readonly port: number;
  /** base URL, e.g. http://127.0.0.1:9464 */
  readonly url: string;
  /** stops accepting, lets in-flight requests finish (up to the grace period) */
  close(): Promise<void>;
}

export function healthServerSettings(env: NodeJS.ProcessEnv = process.env): HealthServerSettings {
  const portText = env.CDSTREAM_HTTP_PORT?.trim();
  const port = portText ? Number(portText) : DEFAULT_HTTP_PORT;
  if (portText && (!/^\d{1,5}$/.test(portText) || port > 65535)) {
    throw new ConfigurationError('CDSTREAM_HTTP_PORT', 'expected a port number 0–65535');
  }
  const host = env.CDSTREAM_HTTP_HOST?.trim() || DEFAULT_HTTP_HOST;
  return { port, host };
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    void respond(options, request, response);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ConfigurationError(
          'CDSTREAM_HTTP_PORT',
          `cannot listen on ${options.host}:${options.port} (${error.code ?? error.message})`,
        ),
      );
    });
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    host: options.host,
    port,
    url: `http://${urlHost}:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.closeAllConnections();
        }, options.closeGraceMs ?? 2_000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

async function respond(
  options: HealthServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://health').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
    return;
  }
  try {
    switch (path) {
      case '/healthz':
        send(response, 200, 'text/plain', 'ok\n');
        return;
      case '/readyz': {
        const { ready, detail } = await options.readiness();
        send(response, ready ? 200 : 503, 'application/json', JSON.stringify({ ready, ...detail }));
        return;
      }
      case '/metrics': {
        if (!options.metrics) break;
        const { contentType, body } = await options.metrics.exposition();
        send(response, 200, contentType, body);
        return;
      }
    }
    send(response, 404, 'text/plain', 'not found\n');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send(response, path === '/readyz' ? 503 : 500, 'text/plain', `${message}\n`);
  }
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
