/**
 * The dashboard's HTTP side: the report page at `/`, its data at
 * `/data.json` (polled by the page), nothing else.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DashboardContent {
  page(): string;
  /** the report model as JSON */
  data(): string;
}

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

export const DATA_PATH = '/data.json';

export async function startDashboardServer(
  host: string,
  port: number,
  content: DashboardContent,
): Promise<DashboardServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    } else if (path === '/' || path === '/index.html') {
      send(200, 'text/html; charset=utf-8', content.page());
    } else if (path === DATA_PATH) {
      send(200, 'application/json', content.data());
    } else if (path === '/favicon.ico') {
      // browsers ask for it; the page has none
      response.writeHead(204).end();
    } else {
      send(404, 'text/plain; charset=utf-8', 'not found: the dashboard is at /\n');
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`cannot listen on ${host}:${port} (${error.code ?? error.message})`));
    });
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${bound}/`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // the page's polls keep connections alive; nothing is lost by ending them
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
