// The control API wired as serve wires it (ApiZones + a ZoneFiles source + the HTTP endpoint), on
// a loopback port, with the zones served asked through an AnswerEngine over the published images.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AnswerEngine } from '../../../src/answer/answer.ts';
import { startHttp, type HttpEndpoint } from '../../../src/primary/http.ts';
import { createMetrics, type Metrics } from '../../../src/primary/metrics.ts';
import { Publisher } from '../../../src/primary/publisher.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import { ApiZones } from '../../../src/sources/api/api-zones.ts';
import { BearerAuth } from '../../../src/sources/api/auth.ts';
import { apiRoutes } from '../../../src/sources/api/http-api.ts';
import { ZoneFiles } from '../../../src/sources/files/zone-files.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS } from '../../../src/zone/signatures.ts';
import { ask, defaultOptions, rrs, type Decoded } from '../../helpers/engine.ts';
import { memoryLog, type Line } from '../../primary/helpers.ts';

export interface ApiSetup {
  stateDir: string | null;
  zones: ApiZones;
  publisher: Publisher;
  registry: ZoneRegistry;
  metrics: Metrics;
  lines: Line[];
  endpoint: HttpEndpoint;
  call(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Headers }>;
  /** Ask the zones published now. */
  dns(name: string, type: string): Decoded;
  /** `owner TYPE data` lines of the answer section (dns-packet's rendering). */
  answers(name: string, type: string): string[];
  /** The SOA serial served now for `origin` (null: not served). */
  servedSerial(origin: string): number | null;
  close(): Promise<void>;
}

export function tempDir(prefix = 'pgn-api-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function setupApi(o: { stateDir?: string | null; token?: string | null; zoneFiles?: string[] } = {}): Promise<ApiSetup> {
  const stateDir = o.stateDir === undefined ? tempDir() : o.stateDir;
  const publisher = new Publisher();
  const registry = new ZoneRegistry();
  const metrics = createMetrics(registry);
  const { log, lines } = memoryLog();
  const files = new ZoneFiles({
    zones: (o.zoneFiles ?? []).map((file) => ({ file, origin: null })),
    zoneDirs: [],
    publisher,
    registry,
    log,
    expiryWarningSeconds: DEFAULT_EXPIRY_WARNING_SECONDS,
    watch: false,
  });
  const zones = new ApiZones({
    stateDir,
    publisher,
    registry,
    log,
    expiryWarningSeconds: DEFAULT_EXPIRY_WARNING_SECONDS,
    otherSources: () => [files],
  });
  await files.start();
  await zones.start();
  const routes = apiRoutes({ zones, auth: new BearerAuth(o.token ?? null), registry: metrics.registry, log, listen: { host: '127.0.0.1', port: 0, family: 4 } });
  const endpoint = await startHttp({ host: '127.0.0.1', port: 0, family: 4 }, {
    health: () => ({ ok: true, reason: 'ok' }),
    zones: registry,
    metrics,
    routes,
  });
  const base = `http://127.0.0.1:${endpoint.port}`;
  const dns = (name: string, type: string): Decoded => {
    const engine = new AnswerEngine(defaultOptions);
    engine.setZones(publisher.current().images);
    return ask(engine, name, type);
  };
  return {
    stateDir,
    zones,
    publisher,
    registry,
    metrics,
    lines,
    endpoint,
    async call(method, urlPath, body, headers = {}) {
      const init: RequestInit = { method, headers };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json', ...headers };
      }
      const res = await fetch(base + urlPath, init);
      const text = await res.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON (a body that is no error: HEAD, /metrics)
      }
      return { status: res.status, json, headers: res.headers };
    },
    dns,
    answers: (name, type) => rrs(dns(name, type).answers),
    servedSerial(origin) {
      const r = dns(origin, 'SOA');
      const soa = r.answers.find((a) => a.type === 'SOA') as { data?: { serial: number } } | undefined;
      return soa?.data?.serial ?? null;
    },
    async close() {
      files.close();
      zones.close();
      await endpoint.close();
    },
  };
}
