// The control API's HTTP routes: bearer-token check, JSON bodies (size-limited, shape-checked),
// the ApiZones operations, `{ "error": "…" }` answers, and peregrine_api_requests_total.

import type http from 'node:http';
import { Counter, type Registry } from 'prom-client';
import type { HttpRoute } from '../../primary/http.ts';
import type { Logger } from '../../primary/log.ts';
import { ApiError, badRequest } from './api-error.ts';
import type { ApiZones, NamedRRsetInput, RRsetInput, ZoneInput } from './api-zones.ts';
import type { BearerAuth } from './auth.ts';
import type { ListenAddress } from '../../config/serve-options.ts';
import { browserRefusal } from './browser-guard.ts';

/** Largest request body accepted (a zone created with its records fits easily). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiRoutesOptions {
  zones: ApiZones;
  auth: BearerAuth;
  registry: Registry;
  log: Logger;
  /** More JSON routes behind the same token and error handling (the web console's reads). */
  more?: readonly JsonRoute[];
  /** The --http address: requests naming another Host, from another Origin or not JSON are refused (browser-guard.ts). */
  listen: ListenAddress;
}

/** A JSON route: path parameters, the body (read on demand) and the query string in; status and JSON out. */
export type Handler = (params: Record<string, string>, body: () => Promise<unknown>, query: URLSearchParams) => Promise<{ status: number; json: unknown }>;
export type JsonRoute = [method: string, path: string, handler: Handler];

export function apiRoutes(o: ApiRoutesOptions): HttpRoute[] {
  const requests = new Counter({
    name: 'peregrine_api_requests_total',
    help: 'Control API requests by method, route (the path pattern) and HTTP status (401: no or wrong token).',
    labelNames: ['method', 'route', 'code'],
    registers: [o.registry],
  });
  const z = o.zones;
  const ok = (json: unknown) => ({ status: 200, json });
  const routes: JsonRoute[] = [
    ['GET', '/zones/:name/records', async (p) => ok(z.records(p.name))],
    ['GET', '/zones/:name/records/:owner/:type', async (p) => ok(z.rrset(p.name, p.owner, p.type))],
    ['PUT', '/zones/:name/records/:owner/:type', async (p, body) => ok(await z.putRRset(p.name, p.owner, p.type, rrsetInput(await body(), 'body')))],
    ['DELETE', '/zones/:name/records/:owner/:type', async (p) => ok(await z.deleteRRset(p.name, p.owner, p.type))],
    ['PUT', '/zones/:name', async (p, body) => ({ status: 201, json: await z.create(p.name, zoneInput(await body())) })],
    ['DELETE', '/zones/:name', async (p) => ok(await z.remove(p.name))],
    ['POST', '/zones/:name/reload', async (p) => ok(await z.reload(p.name))],
    ...(o.more ?? []),
  ];
  return routes.map(([method, path, handler]) => ({
    method,
    path,
    handle: (req, res, params) => {
      const started = performance.now();
      res.once('finish', () => {
        requests.inc({ method, route: path, code: String(res.statusCode) });
        // An audit trail of changes (and attempts): who, what, the outcome. Reads are not logged.
        if (method !== 'GET') {
          o.log.info(
            { event: 'api_request', method, url: req.url, status: res.statusCode, client: req.socket.remoteAddress, ms: Math.round(performance.now() - started) },
            `control API: ${method} ${req.url} ${res.statusCode}`,
          );
        }
      });
      return serve(req, res, params, handler, o);
    },
  }));
}

async function serve(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  params: Record<string, string>,
  handler: Handler,
  o: ApiRoutesOptions,
): Promise<void> {
  const refusal = browserRefusal(req, o.listen, req.socket.localPort ?? o.listen.port);
  if (refusal !== null) {
    answer(res, refusal.status, { error: refusal.reason });
    req.resume();
    return;
  }
  const auth = o.auth.check(req.headers.authorization);
  if (auth !== 'ok') {
    // RFC 6750 §3: a request without credentials gets the bare challenge.
    res.setHeader('www-authenticate', auth === 'missing' ? 'Bearer realm="peregrine"' : 'Bearer realm="peregrine", error="invalid_token"');
    answer(res, 401, { error: auth === 'missing' ? 'a bearer token is required (Authorization: Bearer TOKEN)' : 'wrong token' });
    req.resume();
    return;
  }
  try {
    const { status, json } = await handler(params, () => readJson(req), new URL(req.url ?? '/', 'http://localhost').searchParams);
    answer(res, status, json);
  } catch (err) {
    if (!(err instanceof ApiError)) {
      o.log.error({ event: 'api_error', code: 'PGN_ERR_API', method: req.method, url: req.url, stack: (err as Error).stack }, `control API: ${(err as Error).message}`);
      answer(res, 500, { error: `internal error: ${(err as Error).message}` });
      return;
    }
    if (err.status === 413) res.setHeader('connection', 'close');
    answer(res, err.status, { error: err.message });
    if (err.status >= 500) o.log.error({ event: 'api_error', code: err.code, zone: err.context.zone }, `control API: ${err.message}`);
  } finally {
    // A body nobody read (an error came first): let it go instead of holding the connection.
    if (!req.readableEnded) req.resume();
  }
}

function answer(res: http.ServerResponse, status: number, json: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(json, null, 2)}\n`);
}

/** The request body as JSON: at most MAX_BODY_BYTES (413 beyond), valid JSON (400 otherwise). */
function readJson(req: http.IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (size > MAX_BODY_BYTES) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        reject(badRequest('a JSON body is required'));
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(badRequest(`bad JSON: ${(err as Error).message}`));
      }
    });
  });
}

function tooLarge(): ApiError {
  return new ApiError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
}

// --- shapes of the bodies (the values themselves are checked by ApiZones) -----------------

function object(v: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`${what}: expected a JSON object`);
  for (const key of Object.keys(v)) {
    if (!keys.includes(key)) throw badRequest(`${what}: unknown key '${key}' (known: ${keys.join(', ')})`);
  }
  return v as Record<string, unknown>;
}

function optionalNumber(v: unknown, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw badRequest(`${what}: expected a number, got ${JSON.stringify(v)}`);
  return v;
}

function optionalString(v: unknown, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`${what}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw badRequest(`${what}: expected a list of strings`);
  v.forEach((s, i) => {
    if (typeof s !== 'string') throw badRequest(`${what}[${i}]: expected a string, got ${JSON.stringify(s)}`);
  });
  return v as string[];
}

const RRSET_KEYS = ['ttl', 'records'];
const NAMED_RRSET_KEYS = ['owner', 'type', 'ttl', 'records'];
const ZONE_KEYS = ['ttl', 'ns', 'soa', 'rrsets'];
const SOA_KEYS = ['mname', 'rname', 'serial', 'refresh', 'retry', 'expire', 'minimum'];

export function rrsetInput(v: unknown, what: string): RRsetInput {
  const o = object(v, what, RRSET_KEYS);
  if (o.records === undefined) throw badRequest(`${what}: records is required`);
  return { ttl: optionalNumber(o.ttl, `${what}.ttl`), records: strings(o.records, `${what}.records`) };
}

function namedRRsetInput(v: unknown, what: string): NamedRRsetInput {
  const o = object(v, what, NAMED_RRSET_KEYS);
  const owner = optionalString(o.owner, `${what}.owner`);
  const type = optionalString(o.type, `${what}.type`);
  if (owner === undefined || type === undefined) throw badRequest(`${what}: owner and type are required`);
  if (o.records === undefined) throw badRequest(`${what}: records is required`);
  return { owner, type, ttl: optionalNumber(o.ttl, `${what}.ttl`), records: strings(o.records, `${what}.records`) };
}

export function zoneInput(v: unknown): ZoneInput {
  const o = object(v, 'body', ZONE_KEYS);
  if (o.ns === undefined) throw badRequest('body: ns (the zone\'s name servers) is required');
  const input: ZoneInput = { ttl: optionalNumber(o.ttl, 'ttl'), ns: strings(o.ns, 'ns') };
  if (o.soa !== undefined) {
    const s = object(o.soa, 'soa', SOA_KEYS);
    input.soa = {
      mname: optionalString(s.mname, 'soa.mname'),
      rname: optionalString(s.rname, 'soa.rname'),
      serial: optionalNumber(s.serial, 'soa.serial'),
      refresh: optionalNumber(s.refresh, 'soa.refresh'),
      retry: optionalNumber(s.retry, 'soa.retry'),
      expire: optionalNumber(s.expire, 'soa.expire'),
      minimum: optionalNumber(s.minimum, 'soa.minimum'),
    };
  }
  if (o.rrsets !== undefined) {
    if (!Array.isArray(o.rrsets)) throw badRequest('rrsets: expected a list');
    input.rrsets = o.rrsets.map((r, i) => namedRRsetInput(r, `rrsets[${i}]`));
  }
  return input;
}
