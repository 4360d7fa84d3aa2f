// `peregrine serve` settings: their types, defaults, validation of their text, and how the
// config file and the command line combine (a flag given wins over the file's key).

import { isIP } from 'node:net';
import os from 'node:os';
import { ConfigError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS } from '../zone/signatures.ts';

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

/** How workers move UDP datagrams: `mmsg` batches (native addon), `dgram` Node's sockets. */
export type IoMode = 'dgram' | 'mmsg';
export const IO_MODES: readonly IoMode[] = ['dgram', 'mmsg'];

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
  /** Log a warning for a zone whose RRSIGs expire within this many seconds. */
  expiryWarningSeconds: number;
  /**
   * Where the server keeps what must survive a restart (control-API zones, transferred zones,
   * serials of generated zones); null: nothing is kept.
   */
  stateDir: string | null;
  /** UDP I/O; `auto` (nothing said): mmsg where the addon loads, else dgram (logged once). */
  io: IoMode | 'auto';
}

/**
 * Settings as one place states them, already validated: the config file, or the command line.
 * A key absent there is undefined; resolveServeOptions() takes each from the command line if
 * given, else from the file, else the default.
 */
export interface ServeSettings {
  zones?: ZoneSpec[];
  zoneDirs?: string[];
  listen?: ListenAddress[];
  workers?: number;
  http?: ListenAddress;
  drainSeconds?: number;
  maxUdpPayload?: number;
  identity?: string;
  versionString?: string;
  chaos?: boolean;
  tcpIdleTimeoutSeconds?: number;
  tcpMaxConnections?: number;
  expiryWarningSeconds?: number;
  stateDir?: string;
  io?: IoMode;
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

/** `dgram` or `mmsg`. */
export function parseIoMode(text: string, what: string): IoMode {
  if ((IO_MODES as readonly string[]).includes(text)) return text as IoMode;
  throw new ConfigError(`${what}: expected ${IO_MODES.join(' or ')}, got '${text}'`);
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
export function checkDistinct(listen: ListenAddress[], what = '--listen'): void {
  const seen = new Set<string>();
  for (const a of listen) {
    const key = `${a.host}|${a.port}`;
    if (seen.has(key)) throw new ConfigError(`${what}: ${formatAddress(a)} given twice`);
    seen.add(key);
  }
}

/**
 * The settings to serve with: each key from `flags` if given there, else from `file`, else its
 * default. A key given on the command line replaces the file's value whole, lists included
 * (`--listen` replaces the file's `listen` list; `--zone` replaces `zones`, not `zone-dir`).
 */
export function resolveServeOptions(file: ServeSettings, flags: ServeSettings): ServeOptions {
  const s: ServeSettings = { ...file };
  for (const [key, value] of Object.entries(flags)) {
    if (value !== undefined) (s as Record<string, unknown>)[key] = value;
  }
  const zones = s.zones ?? [];
  const zoneDirs = s.zoneDirs ?? [];
  // Every source of zones counts: one of them must be given.
  const given = [zones.length, zoneDirs.length];
  if (given.every((n) => n === 0)) {
    throw new ConfigError('serve: nothing to serve; give --zone FILE or --zone-dir DIR (or zones / zone-dir in the config file)');
  }
  const listen = s.listen ?? [parseHostPort(DEFAULT_LISTEN, '--listen')];
  if (listen.length === 0) throw new ConfigError('listen: at least one address is needed');
  checkDistinct(listen, flags.listen !== undefined ? '--listen' : 'listen');
  const chaos = s.chaos ?? true;
  const identity = s.identity ?? os.hostname();
  const versionBind = s.versionString ?? `Peregrine ${VERSION}`;
  return {
    zones,
    zoneDirs,
    listen,
    workers: s.workers ?? os.availableParallelism(),
    http: s.http ?? parseHostPort(DEFAULT_HTTP, '--http', true),
    drainSeconds: s.drainSeconds ?? DEFAULT_DRAIN_SECONDS,
    maxUdpPayload: s.maxUdpPayload ?? DEFAULT_MAX_UDP_PAYLOAD,
    chaos: {
      idServer: chaos ? identity : null,
      hostnameBind: chaos ? identity : null,
      versionBind: chaos ? versionBind : null,
    },
    tcp: {
      idleTimeoutMs: 1000 * (s.tcpIdleTimeoutSeconds ?? DEFAULT_TCP_IDLE_SECONDS),
      maxConnections: s.tcpMaxConnections ?? DEFAULT_TCP_MAX_CONNECTIONS,
    },
    expiryWarningSeconds: s.expiryWarningSeconds ?? DEFAULT_EXPIRY_WARNING_SECONDS,
    stateDir: s.stateDir ?? null,
    io: s.io ?? 'auto',
  };
}

export function formatAddress(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
