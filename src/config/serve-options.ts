// `peregrine serve` settings: their types, defaults, and validation of command-line text.

import { isIP } from 'node:net';
import { ConfigError } from '../errors.ts';

export interface ListenAddress {
  /** An IP literal, without brackets for IPv6. */
  host: string;
  port: number;
  family: 4 | 6;
}

/** One zone to load: a file, and the origin if the operator named it (else $ORIGIN / file name). */
export interface ZoneSpec {
  file: string;
  origin: string | null;
}

export interface TcpOptions {
  idleTimeoutMs: number;
  maxConnections: number;
}

export interface ChaosSettings {
  idServer: string | null;
  hostnameBind: string | null;
  versionBind: string | null;
}

export interface ServeOptions {
  zones: ZoneSpec[];
  zoneDirs: string[];
  listen: ListenAddress[];
  workers: number;
  http: ListenAddress;
  drainSeconds: number;
  maxUdpPayload: number;
  chaos: ChaosSettings;
  tcp: TcpOptions;
}

export const DEFAULT_LISTEN = '127.0.0.1:8053';
export const DEFAULT_HTTP = '127.0.0.1:8080';
export const DEFAULT_DRAIN_SECONDS = 5;
export const DEFAULT_MAX_UDP_PAYLOAD = 1232;
export const DEFAULT_TCP_IDLE_SECONDS = 10;
export const DEFAULT_TCP_MAX_CONNECTIONS = 1024;

/**
 * `HOST:PORT` or `[V6]:PORT`. The host must be an IP literal: every worker binds it itself,
 * and a name that resolves differently over time has no place in a listen address.
 */
export function parseHostPort(text: string, what: string, allowPortZero = false): ListenAddress {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') {
      throw new ConfigError(`${what}: expected [IPV6]:PORT, got '${text}'`);
    }
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (isIP(host) !== 6) throw new ConfigError(`${what}: '${host}' is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw new ConfigError(`${what}: expected HOST:PORT, got '${text}'`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) {
      throw new ConfigError(`${what}: write IPv6 addresses in brackets, as [${host}]:${portText}`);
    }
    if (isIP(host) !== 4) throw new ConfigError(`${what}: '${host}' is not an IP address`);
  }
  const port = parseInteger(portText, `${what} port`, allowPortZero ? 0 : 1, 65535);
  return { host, port, family: host.includes(':') ? 6 : 4 };
}

/** `FILE` or `ORIGIN=FILE` (split at the first `=`). */
export function parseZoneSpec(text: string): ZoneSpec {
  const eq = text.indexOf('=');
  if (eq < 0) {
    if (text === '') throw new ConfigError('--zone: empty file name');
    return { file: text, origin: null };
  }
  const origin = text.slice(0, eq);
  const file = text.slice(eq + 1);
  if (origin === '' || file === '') throw new ConfigError(`--zone: expected ORIGIN=FILE, got '${text}'`);
  return { file, origin };
}

export function parseInteger(text: string, what: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text)) throw new ConfigError(`${what}: '${text}' is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(`${what}: ${n} is out of range ${min}..${max}`);
  return n;
}

export function parseSeconds(text: string, what: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new ConfigError(`${what}: '${text}' is not a number of seconds`);
  const n = Number(text);
  if (n > 86400) throw new ConfigError(`${what}: ${n} s is more than a day`);
  return n;
}

/** Two listeners on the same address would both "succeed" with SO_REUSEPORT and split traffic. */
export function checkDistinct(listen: ListenAddress[]): void {
  const seen = new Set<string>();
  for (const a of listen) {
    const key = `${a.host}|${a.port}`;
    if (seen.has(key)) throw new ConfigError(`--listen: ${formatAddress(a)} given twice`);
    seen.add(key);
  }
}

export function formatAddress(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
