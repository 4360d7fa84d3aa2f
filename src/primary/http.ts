// The primary's HTTP endpoint: /healthz for keepalived and load balancers, /zones (JSON, per zone)
// and /metrics (Prometheus) for operators, plus the routes sources add (the control API):
// methods and `:param` path segments.

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
  /** More routes (the control API's); tried after the built-in GET routes above. */
  routes?: readonly HttpRoute[];
}

/** A route a source adds: `path` segments starting with `:` match one segment (URL-decoded) each. */
export interface HttpRoute {
  /** GET routes answer HEAD too. */
  method: string;
  path: string;
  handle(req: http.IncomingMessage, res: http.ServerResponse, params: Record<string, string>): void | Promise<void>;
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
      serveRoute(req, res, path, sources.routes ?? []);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      replyError(res, 405, `method ${req.method} not allowed on ${path} (allowed: GET, HEAD)`);
      return;
    }
    Promise.resolve()
      .then(() => route(res, sources))
      .catch((err: unknown) => {
        if (!res.headersSent) replyError(res, 500, `internal error: ${(err as Error).message}`);
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

/** One of the added routes, by path then method: 404 for no path, 405 (with Allow) for no method. */
function serveRoute(req: http.IncomingMessage, res: http.ServerResponse, path: string, routes: readonly HttpRoute[]): void {
  let segments: string[];
  try {
    segments = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    replyError(res, 400, 'bad URL encoding');
    return;
  }
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (params === null) continue;
    const method = req.method === 'HEAD' && route.method === 'GET' ? 'GET' : req.method;
    if (method !== route.method) {
      allowed.push(route.method === 'GET' ? 'GET, HEAD' : route.method);
      continue;
    }
    Promise.resolve()
      .then(() => route.handle(req, res, params))
      .catch((err: unknown) => {
        if (!res.headersSent) replyError(res, 500, `internal error: ${(err as Error).message}`);
        else res.destroy();
      });
    return;
  }
  if (allowed.length === 0) {
    replyError(res, 404, `not found: ${path}`);
    return;
  }
  res.setHeader('allow', allowed.join(', '));
  replyError(res, 405, `method ${req.method} not allowed on ${path} (allowed: ${allowed.join(', ')})`);
}

function matchPath(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split('/').slice(1);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith(':')) {
      if (segments[i] === '') return null;
      params[parts[i].slice(1)] = segments[i];
    } else if (parts[i] !== segments[i]) {
      return null;
    }
  }
  return params;
}

/** Every error of the HTTP endpoint is JSON, `{"error": "…"}`, as the control API's are. */
function replyError(res: http.ServerResponse, code: number, message: string): void {
  reply(res, code, 'application/json; charset=utf-8', `${JSON.stringify({ error: message })}\n`);
}

function reply(res: http.ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
