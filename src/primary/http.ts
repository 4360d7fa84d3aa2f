// The primary's HTTP endpoint: /healthz for keepalived and load balancers (/metrics comes later).

import http from 'node:http';
import type { ListenAddress } from '../config/serve-options.ts';
import type { HealthStatus } from './health.ts';

export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

export function startHttp(address: ListenAddress, health: () => HealthStatus): Promise<HttpEndpoint> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/healthz') {
      reply(res, 404, 'not found');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      reply(res, 405, 'method not allowed');
      return;
    }
    const status = health();
    reply(res, status.ok ? 200 : 503, status.reason);
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

function reply(res: http.ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}
