import { createServer } from 'node:http';
import type { Server } from 'node:http';

import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One Prometheus registry per process. Modules register their metrics on the registry they are
 * given, never on prom-client's global one, so tests can build an isolated registry.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** A JSON answer of an extra route, e.g. a readiness probe. */
export interface JsonRoute {
  (): { status: number; body: unknown };
}

/**
 * Serves `GET /metrics` in Prometheus text format, and `GET` of each extra route (e.g.
 * `/ready`) as JSON; anything else is 404.
 */
export async function serveMetrics(
  registry: Registry,
  options: { port: number; host?: string; routes?: Record<string, JsonRoute> },
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const route = request.url?.split('?')[0] ?? '';
    const extra =
      options.routes && Object.hasOwn(options.routes, route) ? options.routes[route] : undefined;
    if (request.method === 'GET' && extra) {
      const { status, body } = extra();
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (request.method !== 'GET' || route !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    url: `http://127.0.0.1:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
