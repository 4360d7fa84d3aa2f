// The control API against browsers. A web page cannot read the API's answers cross-site, but it
// can send requests: a form post or a `text/plain` fetch needs no CORS preflight, and DNS
// rebinding (a name of the attacker's that turns into 127.0.0.1) makes the page same-origin with
// an address it names. Both are told apart by what a browser cannot help sending:
//
// - Host: under rebinding it is the attacker's name. Only the listen address, a loopback name
//   (`localhost`, `*.localhost`, 127.0.0.0/8, ::1) or, when listening on a wildcard address,
//   any IP literal is accepted (a rebinding page always has a domain name in Host).
// - Origin: browsers send it with every cross-origin request and with every POST/PUT/DELETE;
//   it must be this server's own origin (`http://` + an accepted Host, the same port). A future
//   web console served at `/` from this origin passes.
// - Content-Type: a write must be `application/json` (a browser cannot send that cross-site
//   without a preflight, which nothing here answers). A write without a body and without the
//   header (`curl -X DELETE`) is accepted: a browser sending it cross-site also sends Origin.
//
// Non-browser clients (curl, scripts, the future console with fetch) send none of the bad
// values. The bearer token stays the access control; this only keeps browsers from borrowing a
// local user's network position.

import type http from 'node:http';
import { isIP } from 'node:net';
import type { ListenAddress } from '../../config/serve-options.ts';

export interface GuardRefusal {
  status: 403 | 415;
  reason: string;
}

/** Why a request must be refused, or null when it may go on. */
export function browserRefusal(req: http.IncomingMessage, listen: ListenAddress, boundPort: number): GuardRefusal | null {
  const host = req.headers.host;
  if (host === undefined || !acceptedHost(host, listen, boundPort)) {
    return { status: 403, reason: `Host ${JSON.stringify(host ?? '')} is not this server's address (DNS rebinding?); use ${hostPort(listen.host, boundPort)} or localhost` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host)) {
    return { status: 403, reason: `cross-origin request from ${JSON.stringify(origin)} refused` };
  }
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    return { status: 403, reason: `cross-site request (Sec-Fetch-Site: ${fetchSite}) refused` };
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const type = req.headers['content-type'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (type === undefined ? hasBody : !isJson(type)) {
      return { status: 415, reason: `a change must be sent as Content-Type: application/json (got ${type === undefined ? 'none' : JSON.stringify(type)})` };
    }
  }
  return null;
}

function isJson(type: string): boolean {
  return type.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Split `name[:port]` / `[v6][:port]`; null when malformed. */
function splitHost(value: string): { name: string; port: number | null } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (m === null) return null;
  const name = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return { name: name.toLowerCase(), port: m[2] === undefined ? null : Number(m[2]) };
}

function isLoopback(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1';
}

function acceptedHost(value: string, listen: ListenAddress, boundPort: number): boolean {
  const h = splitHost(value);
  if (h === null) return false;
  if (h.port !== null && h.port !== boundPort) return false;
  if (isLoopback(h.name)) return true;
  if (h.name === listen.host.toLowerCase()) return true;
  const wildcard = listen.host === '0.0.0.0' || listen.host === '::';
  return wildcard && isIP(h.name) !== 0;
}

function sameOrigin(origin: string, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file:) and garbage
  }
  if (url.protocol !== 'http:') return false;
  const a = splitHost(url.host);
  const b = splitHost(host);
  return a !== null && b !== null && a.name === b.name && (a.port ?? 80) === (b.port ?? 80);
}
