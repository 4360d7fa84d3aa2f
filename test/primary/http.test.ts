// /healthz: 200 only while serving with a zone; 503 otherwise; other paths 404.

import { afterEach, describe, expect, it } from 'vitest';
import { Health } from '../../src/primary/health.ts';
import { startHttp, type HttpEndpoint } from '../../src/primary/http.ts';

const endpoints: HttpEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function start(health: Health) {
  const endpoint = await startHttp({ host: '127.0.0.1', port: 0, family: 4 }, () => health.status());
  endpoints.push(endpoint);
  const base = `http://127.0.0.1:${endpoint.port}`;
  return async (path: string, method = 'GET') => {
    const res = await fetch(base + path, { method });
    return { status: res.status, body: await res.text() };
  };
}

describe('/healthz', () => {
  it('follows the health state', async () => {
    const health = new Health();
    const get = await start(health);
    expect(await get('/healthz')).toEqual({ status: 503, body: 'starting' });
    health.phase = 'serving';
    expect(await get('/healthz')).toEqual({ status: 503, body: 'no zone loaded' });
    health.zones = 2;
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    expect((await get('/healthz?verbose=1')).status).toBe(200);
    expect((await get('/healthz', 'HEAD')).status).toBe(200);
    health.phase = 'draining';
    expect(await get('/healthz')).toEqual({ status: 503, body: 'draining' });
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    const health = new Health();
    health.phase = 'serving';
    health.zones = 1;
    const get = await start(health);
    expect((await get('/')).status).toBe(404);
    expect((await get('/metrics')).status).toBe(404);
    expect((await get('/healthz', 'POST')).status).toBe(405);
  });
});
