// The primary's HTTP endpoint: /healthz for keepalived and load balancers, /zones (JSON, per zone)
// and /metrics (Prometheus) for operators.

import http from 'node:http';
import type { ListenAddress } from '../config/serve-options.ts';
import type { HealthStatus } from './health.ts';
import type { Metrics } from './metrics.ts';
import type { ZoneRegistry } from './zone-registry.ts';

export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

/** What the endpoints report on. */
export interface HttpSources {
  health: () => HealthStatus;
  zones: ZoneRegistry;
  metrics: Metrics;
}

type Route = (res: http.ServerResponse, sources: HttpSources) => void | Promise<void>;

const ROUTES: Record<string, Route> = {
  '/healthz': (res, s) => {
    const status = s.health();
    reply(res, status.ok ? 200 : 503, 'text/plain; charset=utf-8', status.reason);
  },
  '/zones': (res, s) => {
    reply(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(s.zones.toJSON(), null, 2)}\n`);
  },
  '/metrics': async (res, s) => {
    reply(res, 200, s.metrics.contentType, await s.metrics.text());
  },
};

export function startHttp(address: ListenAddress, sources: HttpSources): Promise<HttpEndpoint> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
    if (route === undefined) {
      reply(res, 404, 'text/plain; charset=utf-8', 'not found');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
      return;
    }
    Promise.resolve()
      .then(() => route(res, sources))
      .catch((err: unknown) => {
        if (!res.headersSent) reply(res, 500, 'text/plain; charset=utf-8', `internal error: ${(err as Error).message}`);
        else res.destroy();
      });
  });
  // Health checkers open a fresh connection each time; idle keep-alive sockets would only
  // delay close() at the end of a drain.
  server.keepAliveTimeout = 1000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address.host, port: address.port }, () => {
      server.off('error', reject);
      const bound = server.address();
      resolve({
        port: typeof bound === 'object' && bound !== null ? bound.port : address.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function reply(res: http.ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
