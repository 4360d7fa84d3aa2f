// The web console's HTTP side: its static page (GET /, GET /console/FILE, no token: the page asks
// for one) and the reads it needs beyond the control API (behind the API's token and checks):
//   GET /console/session                         200 {tokenRequired} — 401 until signed in
//   GET /console/zones/NAME/records?offset&limit&q  a page of a zone's RRsets, any source
//   GET /console/ask?name&type&do                 the answer as `dig` prints it
//   GET /console/services                         services, endpoints, health, answered now

import { readFileSync } from 'node:fs';
import type { HttpRoute } from '../primary/http.ts';
import type { JsonRoute } from '../sources/api/http-api.ts';
import { badRequest, notFound } from '../sources/api/api-error.ts';
import type { ServicesStatus } from '../sources/services/services-source.ts';
import { NameSyntaxError, nameToText, lowerName, parseName } from '../zone/name.ts';
import { typeFromText } from '../zone/types.ts';
import type { ZoneView } from './zone-view.ts';

export interface ConsoleReadsOptions {
  view: ZoneView;
  tokenRequired: boolean;
  /** Zones the control API edits (the others are shown read-only). */
  editable: (origin: string) => boolean;
  services: () => ServicesStatus[];
}

/** Largest page of owner names a request may ask for. */
export const MAX_PAGE = 500;

export function consoleReads(o: ConsoleReadsOptions): JsonRoute[] {
  const ok = (json: unknown) => ({ status: 200, json });
  return [
    ['GET', '/console/session', async () => ok({ tokenRequired: o.tokenRequired })],
    ['GET', '/console/zones/:name/records', async (p, _body, q) => {
      const origin = zoneName(p.name);
      const offset = count(q.get('offset'), 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
      const limit = count(q.get('limit'), 'limit', 1, MAX_PAGE, 50);
      const page = o.view.records(origin, offset, limit, (q.get('q') ?? '').trim());
      if (page === null) throw notFound(`zone ${origin} is not served`, origin);
      return ok({ ...page, editable: o.editable(origin) });
    }],
    ['GET', '/console/ask', async (_p, _body, q) => {
      const name = q.get('name') ?? '';
      if (name === '') throw badRequest('name is required');
      try {
        parseName(name.endsWith('.') ? name : `${name}.`, null);
      } catch (err) {
        if (err instanceof NameSyntaxError) throw badRequest(`bad name '${name}': ${err.message}`);
        throw err;
      }
      const typeText = (q.get('type') ?? 'A').toUpperCase();
      const type = typeFromText(typeText);
      if (type === undefined) throw badRequest(`unknown type '${typeText}'`);
      return ok(o.view.ask(name, type, q.get('do') === '1'));
    }],
    ['GET', '/console/services', async () => ok({ sources: o.services() })],
  ];
}

function zoneName(text: string): string {
  try {
    return nameToText(lowerName(parseName(text.endsWith('.') ? text : `${text}.`, null)));
  } catch (err) {
    if (err instanceof NameSyntaxError) throw badRequest(`bad zone name '${text}': ${err.message}`);
    throw err;
  }
}

function count(text: string | null, what: string, min: number, max: number, fallback: number): number {
  if (text === null || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${what} must be a whole number from ${min} to ${max}`);
  return n;
}

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/**
 * The page and its two assets, read once here (at start, before any privilege drop) and served
 * from memory. A strict Content-Security-Policy: the page runs its own script only, talks to
 * this origin only, and cannot be framed.
 */
export function consoleStatic(dir = new URL('./assets/', import.meta.url)): HttpRoute[] {
  const page = readFileSync(new URL('index.html', dir));
  const files = new Map(Object.keys(ASSETS).map((f) => [f, readFileSync(new URL(f, dir))]));
  const headers = (type: string) => ({
    'content-type': type,
    'cache-control': 'no-cache',
    'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  return [
    { method: 'GET', path: '/', handle: (_req, res) => void res.writeHead(200, headers('text/html; charset=utf-8')).end(page) },
    {
      method: 'GET',
      path: '/console/:file',
      handle: (_req, res, params) => {
        const body = files.get(params.file);
        if (body === undefined) {
          res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":"not found"}\n');
          return;
        }
        res.writeHead(200, headers(ASSETS[params.file])).end(body);
      },
    },
  ];
}
