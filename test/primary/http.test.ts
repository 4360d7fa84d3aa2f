// The HTTP endpoint: /healthz (200 only while serving with a zone; 503 otherwise), /zones (JSON per
// zone), /metrics (Prometheus text from a private registry); other paths 404.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VERSION } from '../../src/version.ts';
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Health } from '../../src/primary/health.ts';
import { startHttp, type HttpEndpoint } from '../../src/primary/http.ts';
import { createMetrics } from '../../src/primary/metrics.ts';
import { loadZone } from '../../src/primary/zone-loader.ts';
import { ZoneRegistry } from '../../src/primary/zone-registry.ts';
import { signedZoneText } from './helpers.ts';

const endpoints: HttpEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function start(health: Health, zones = new ZoneRegistry()) {
  const endpoint = await startHttp({ host: '127.0.0.1', port: 0, family: 4 }, {
    health: () => health.status(),
    zones,
    metrics: createMetrics(zones),
  });
  endpoints.push(endpoint);
  const base = `http://127.0.0.1:${endpoint.port}`;
  return async (path: string, method = 'GET') => {
    const res = await fetch(base + path, { method });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };
}

function serving(): Health {
  const health = new Health();
  health.phase = 'serving';
  health.zones = 1;
  return health;
}

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-http-'));
const EXPIRY = new Date('2031-05-01T00:00:00Z');
const LATER = new Date('2031-06-01T00:00:00Z');

/** localhost (unsigned, serial 42), signed.example (NSEC, serial 5) and a zone that failed. */
function threeZones(): ZoneRegistry {
  const zones = new ZoneRegistry();
  const local = loadZone('examples/localhost.zone');
  const signedFile = path.join(dir, 'signed.example.zone');
  writeFileSync(signedFile, signedZoneText(5, { soa: LATER, ns: EXPIRY, a: LATER }));
  const signed = loadZone(signedFile);
  const brokenFile = path.join(dir, 'broken.example.zone');
  writeFileSync(brokenFile, '@ IN SOA ns1 hostmaster 1 3600 600 86400 300\nwww IN A 192.0.2.999\n');
  const broken = loadZone(brokenFile);
  if (!local.ok || !signed.ok || broken.ok) throw new Error('fixture zones did not load as expected');
  zones.loaded(local.zone);
  zones.loaded(signed.zone);
  zones.failed(broken.origin, brokenFile, String(broken.errors[0]));
  return zones;
}

describe('/healthz', () => {
  it('follows the health state', async () => {
    const health = new Health();
    const get = await start(health);
    expect(await get('/healthz')).toMatchObject({ status: 503, body: 'starting' });
    health.phase = 'serving';
    expect(await get('/healthz')).toMatchObject({ status: 503, body: 'no zone loaded' });
    health.zones = 2;
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok' });
    expect((await get('/healthz?verbose=1')).status).toBe(200);
    expect((await get('/healthz', 'HEAD')).status).toBe(200);
    health.phase = 'draining';
    expect(await get('/healthz')).toMatchObject({ status: 503, body: 'draining' });
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    const get = await start(serving());
    expect((await get('/')).status).toBe(404);
    expect((await get('/metricsx')).status).toBe(404);
    expect((await get('/toString')).status).toBe(404);
    for (const p of ['/healthz', '/zones', '/metrics']) expect((await get(p, 'POST')).status).toBe(405);
  });

  it('answers every error in JSON ({"error": …}), 404 and 405 included', async () => {
    const get = await start(serving());
    for (const [p, method, status] of [['/nothing', 'GET', 404], ['/zones', 'POST', 405], ['/metrics', 'DELETE', 405], ['/%E0%A4%A', 'GET', 400]] as const) {
      const r = await get(p, method);
      expect(r.status).toBe(status);
      expect(r.type).toBe('application/json; charset=utf-8');
      expect(typeof (JSON.parse(r.body) as { error: unknown }).error).toBe('string');
    }
  });
});

describe('/zones', () => {
  it('is an empty JSON array with no zone', async () => {
    const get = await start(serving());
    const r = await get('/zones');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.body)).toEqual([]);
  });

  it('describes each zone: served version, signing, last error', async () => {
    const get = await start(serving(), threeZones());
    const zones = JSON.parse((await get('/zones')).body) as Record<string, unknown>[];
    expect(zones.map((z) => z.name)).toEqual(['broken.example.', 'localhost.', 'signed.example.']);
    const [broken, local, signed] = zones;
    expect(broken).toEqual({
      name: 'broken.example.',
      serial: null,
      records: 0,
      file: path.join(dir, 'broken.example.zone'),
      loadedAt: null,
      lastError: expect.stringMatching(/broken\.example\.zone:2: /),
      signed: false,
      denial: 'none',
      signatureExpiry: null,
    });
    expect(local).toEqual({
      name: 'localhost.',
      serial: 42,
      records: 3,
      file: 'examples/localhost.zone',
      loadedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      lastError: null,
      signed: false,
      denial: 'none',
      signatureExpiry: null,
    });
    expect(Date.now() - Date.parse(local.loadedAt as string)).toBeLessThan(60_000);
    expect(signed).toMatchObject({
      name: 'signed.example.',
      serial: 5,
      records: 8,
      lastError: null,
      signed: true,
      denial: 'nsec',
      signatureExpiry: '2031-05-01T00:00:00.000Z',
    });
  });
});

describe('/metrics', () => {
  it('exposes per-zone gauges and load counters, in Prometheus text format', async () => {
    const zones = threeZones();
    const get = await start(serving(), zones);
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = r.body.split('\n').filter((l) => l.startsWith('peregrine_'));
    const imageBytes = (name: string) => zones.get(name)!.imageBytes;
    expect(samples.sort()).toEqual(
      [
        'peregrine_image_bytes{zone="localhost."} ' + imageBytes('localhost.'),
        'peregrine_image_bytes{zone="signed.example."} ' + imageBytes('signed.example.'),
        'peregrine_zone_records{zone="localhost."} 3',
        'peregrine_zone_records{zone="signed.example."} 8',
        'peregrine_zone_reload_total{zone="broken.example.",result="error"} 1',
        'peregrine_zone_reload_total{zone="broken.example.",result="ok"} 0',
        'peregrine_zone_reload_total{zone="localhost.",result="error"} 0',
        'peregrine_zone_reload_total{zone="localhost.",result="ok"} 1',
        'peregrine_zone_reload_total{zone="signed.example.",result="error"} 0',
        'peregrine_zone_reload_total{zone="signed.example.",result="ok"} 1',
        'peregrine_zone_serial{zone="localhost."} 42',
        'peregrine_zone_serial{zone="signed.example."} 5',
        'peregrine_zone_warnings{zone="localhost."} 0',
        'peregrine_zone_warnings{zone="signed.example."} 0',
        // Only for signed zones: Unix time of the earliest RRSIG expiration.
        `peregrine_zone_signature_expiry_seconds{zone="signed.example."} ${EXPIRY.getTime() / 1000}`,
        'peregrine_zone_signed{zone="localhost."} 0',
        'peregrine_zone_signed{zone="signed.example."} 1',
        // The last successful load of each zone served; whether the last load failed, for every zone.
        `peregrine_zone_last_success_timestamp_seconds{zone="localhost."} ${zones.get('localhost.')!.loadedAt!.getTime() / 1000}`,
        `peregrine_zone_last_success_timestamp_seconds{zone="signed.example."} ${zones.get('signed.example.')!.loadedAt!.getTime() / 1000}`,
        'peregrine_zone_load_failing{zone="broken.example."} 1',
        'peregrine_zone_load_failing{zone="localhost."} 0',
        'peregrine_zone_load_failing{zone="signed.example."} 0',
        `peregrine_build_info{version="${VERSION}",node="${process.versions.node}",io="none"} 1`,
      ].sort(),
    );
    expect(imageBytes('localhost.')).toBeGreaterThan(0);
    expect(r.body).toContain('# TYPE peregrine_zone_reload_total counter');
    expect(r.body).toContain('# TYPE peregrine_zone_signature_expiry_seconds gauge');
  });

  it('includes the default process metrics', async () => {
    const get = await start(serving());
    const body = (await get('/metrics')).body;
    expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^process_resident_memory_bytes \d/m);
    expect(body).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });

  it('reads the zone registry at each scrape', async () => {
    const zones = new ZoneRegistry();
    const get = await start(serving(), zones);
    expect((await get('/metrics')).body).not.toContain('peregrine_zone_reload_total{');
    zones.failed('late.example.', 'late.zone', 'late.zone:1: no');
    zones.failed('late.example.', 'late.zone', 'late.zone:1: still no');
    const body = (await get('/metrics')).body;
    expect(body).toContain('peregrine_zone_reload_total{zone="late.example.",result="error"} 2');
    // Never loaded: no serial, record or signing series for it.
    expect(body).not.toContain('peregrine_zone_serial{zone="late.example."}');
  });

  it('uses a private registry: nothing lands in prom-client\'s global one', async () => {
    const get = await start(serving(), threeZones());
    await start(serving(), threeZones()); // a second endpoint in the same process does not clash
    expect((await get('/metrics')).status).toBe(200);
    expect(await globalRegistry.metrics()).not.toContain('peregrine_');
  });
});
