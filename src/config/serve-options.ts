// `peregrine serve` settings: their types, defaults, validation of their text, and how the
// config file and the command line combine (a flag given wins over the file's key).

import { SERIAL_POLICIES, type SerialPolicy } from '../sources/files/serial-policy.ts';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { parseCidr, type Cidr } from './cidr.ts';
import { VERSION } from '../version.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS } from '../zone/signatures.ts';
import { TSIG_ALGORITHMS } from '../transfer/tsig.ts';
import { parseCookieSecrets, randomCookieSecrets, type CookieSecrets } from '../answer/cookies.ts';
import type { DnstapSettings } from '../dnstap/tap.ts';

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
  /** false: not listed in our --catalog (config `catalog: false`). */
  catalog?: boolean;
}

export interface TcpOptions {
  idleTimeoutMs: number;
  maxConnections: number;
  /** Connections per client address and worker; 0: no limit. Default in src/transport/tcp.ts TCP_DEFAULTS. */
  maxPerClient?: number;
  /** A connection is closed this long after it opened, whatever it does; 0: no limit. */
  maxLifetimeMs?: number;
  /** A connection is closed after answering this many queries; 0: no limit. */
  maxQueries?: number;
  /** Largest query message accepted (its length prefix); above it the connection is closed. */
  maxMessage?: number;
}

/** Response rate limiting (src/transport/rrl.ts); rate 0: off. */
export interface RrlSettings {
  rate: number;
  slip: number;
  whitelist: Cidr[];
}

export interface ChaosSettings {
  idServer: string | null;
  hostnameBind: string | null;
  versionBind: string | null;
}

/** A TSIG key (config file `tsig-keys`): name, algorithm (hmac-sha256, hmac-sha512, hmac-sha1, …), base64 secret. */
export interface TsigKeySpec {
  name: string;
  algorithm: string;
  secret: string;
}

/** Where NOTIFY goes after a zone's serial changes, signed with `key` if given. */
export interface NotifyTarget {
  address: ListenAddress;
  key: string | null;
}

/** A geo file for a zone (`--geo ORIGIN=FILE`, config `geo:`): Knot mod-geoip's response file and settings. */
export interface GeoSpec {
  origin: string;
  file: string;
  mode: 'subnet' | 'geodb' | 'weighted';
  ttl: number;
  geodbFile?: string;
  geodbKeys?: string[];
}

/**
 * A `notify` list of one config entry (a zone file, a zone directory, a services, registry or
 * tinydns file): the zones it serves are notified there instead of the global `notify` list
 * (an empty list: nobody).
 */
export interface NotifyRule {
  source: 'zones' | 'zone-dir' | 'services' | 'registry' | 'tinydns';
  /** The entry's path, resolved. */
  path: string;
  targets: NotifyTarget[];
}

/** A zone we are secondary for: transferred from the first of `primaries` that answers. */
export interface SecondarySpec {
  origin: string;
  primaries: ListenAddress[];
  /** TSIG key name for SOA queries, transfers and the NOTIFYs we accept. */
  key: string | null;
  /** false: not listed in our --catalog (config `catalog: false`). */
  catalog?: boolean;
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
  /** tinydns data files (`--tinydns`), each a set of zones. */
  tinydns: string[];
  /** --services: services files (health-checked service names), each one zone. */
  services: string[];
  /** --registry: registry files (JSON names → addresses from another system). */
  registries: string[];
  /** Geo files by zone (views answered by client network). */
  geo: GeoSpec[];
  /** EDNS Client Subnet: the option's address chooses geo views (Knot: edns-client-subnet). */
  ecs: boolean;
  rrl: RrlSettings;
  /** Drop to this user (and group) once every socket is bound; null: stay as started. */
  user: string | null;
  group: string | null;
  /** The control API's bearer token file; null: no token (allowed only with --http on loopback). */
  apiTokenFile: string | null;
  /** Who may transfer our zones without a TSIG key (empty: nobody). */
  allowTransfer: Cidr[];
  tsigKeys: TsigKeySpec[];
  notify: NotifyTarget[];
  /** Per-entry NOTIFY targets from the config file (zones, zone-dir, services, registry, tinydns entries). */
  notifyRules: NotifyRule[];
  secondaries: SecondarySpec[];
  /** UDP I/O; `auto` (nothing said): mmsg where the addon loads, else dgram (logged once). */
  io: IoMode | 'auto';
  /** Zones with a peregrine_zone_queries_total series of their own; the rest count as `_other` (0: none counted). */
  zoneMetricsMax: number;
  /** A zone file edited without a serial change: warn (default), refuse it, or increment the serial served. */
  serialPolicy: SerialPolicy;
  /** RFC 5001 NSID bytes (`--nsid`); null: not sent. */
  nsid?: Uint8Array | null;
  /** RFC 9018 cookie secrets: from `--cookie-secret-file`, else random for this run. */
  cookieSecrets?: CookieSecrets;
  /** RFC 8976: verify a zone's ZONEMD when it is loaded or transferred; a mismatch refuses that version. */
  zonemdVerify?: boolean;
  /** --dnstap: log queries and answers to a Frame Streams collector; absent: off. */
  dnstap?: DnstapSettings;
  /** --catalog: the origin of the RFC 9432 catalog we generate of our zones; null: none. */
  catalog: string | null;
  /** --catalog-consumer: catalogs to transfer, each member served as a secondary of the same primaries. */
  catalogConsumers: SecondarySpec[];
  /** --tls-listen: DNS over TLS (and XoT) addresses, with --tls-cert / --tls-key (PEM files). */
  tlsListen: ListenAddress[];
  tlsCert: string | null;
  tlsKey: string | null;
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
  tinydns?: string[];
  services?: string[];
  registries?: string[];
  geo?: GeoSpec[];
  ecs?: boolean;
  tcpMaxPerClient?: number;
  tcpMaxLifetimeSeconds?: number;
  tcpMaxQueries?: number;
  tcpMaxMessage?: number;
  rrlRate?: number;
  rrlSlip?: number;
  rrlWhitelist?: Cidr[];
  user?: string;
  group?: string;
  apiTokenFile?: string;
  allowTransfer?: Cidr[];
  tsigKeys?: TsigKeySpec[];
  notify?: NotifyTarget[];
  notifyRules?: NotifyRule[];
  secondaries?: SecondarySpec[];
  io?: IoMode;
  zoneMetricsMax?: number;
  serialPolicy?: SerialPolicy;
  nsid?: Uint8Array;
  cookieSecretFile?: string;
  zonemdVerify?: boolean;
  dnstap?: string;
  dnstapSample?: number;
  catalog?: string;
  catalogConsumers?: SecondarySpec[];
  tlsListen?: ListenAddress[];
  tlsCert?: string;
  tlsKey?: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:8053';
export const DEFAULT_HTTP = '127.0.0.1:8080';
export const DEFAULT_DRAIN_SECONDS = 5;
export const DEFAULT_MAX_UDP_PAYLOAD = 1232;
export const DEFAULT_TCP_IDLE_SECONDS = 10;
export const DEFAULT_TCP_MAX_CONNECTIONS = 1024;
export const DEFAULT_TCP_MAX_PER_CLIENT = 64;
export const DEFAULT_TCP_MAX_LIFETIME_SECONDS = 120;
export const DEFAULT_TCP_MAX_QUERIES = 0;
export const DEFAULT_TCP_MAX_MESSAGE = 65535;
export const DEFAULT_RRL_SLIP = 2;
export const DEFAULT_ZONE_METRICS_MAX = 10_000;

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

/** `warn`, `refuse` or `increment` (--serial-policy). */
export function parseSerialPolicy(text: string, what: string): SerialPolicy {
  if ((SERIAL_POLICIES as readonly string[]).includes(text)) return text as SerialPolicy;
  throw new ConfigError(`${what}: expected ${SERIAL_POLICIES.join(', ')}, got '${text}'`);
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
  const tinydns = s.tinydns ?? [];
  const services = s.services ?? [];
  const registries = s.registries ?? [];
  const secondaries = s.secondaries ?? [];
  const catalogConsumers = s.catalogConsumers ?? [];
  // The control API's zones live in the state directory: with it, zones can come from the API alone.
  const given = [zones.length, zoneDirs.length, tinydns.length, services.length, registries.length, secondaries.length, catalogConsumers.length, s.stateDir === undefined ? 0 : 1];
  if (given.every((n) => n === 0)) {
    throw new ConfigError(
      'serve: nothing to serve; give --zone FILE, --zone-dir DIR, --tinydns FILE, --services FILE, --registry FILE, --secondary ORIGIN=HOST:PORT or --state-dir DIR for control-API zones (or zones / zone-dir / tinydns / services / registry / secondary / state-dir in the config file)',
    );
  }
  const tsigKeys = s.tsigKeys ?? [];
  const notify = s.notify ?? [];
  const notifyRules = configuredRules(s.notifyRules ?? [], { zones, zoneDirs, services, registries, tinydns });
  checkKeys(tsigKeys, [...notify.map((n) => n.key), ...notifyRules.flatMap((r) => r.targets.map((t) => t.key)), ...secondaries.map((z) => z.key), ...catalogConsumers.map((z) => z.key)]);
  checkSecondaries([...secondaries, ...catalogConsumers]);
  const listen = s.listen ?? [parseHostPort(DEFAULT_LISTEN, '--listen')];
  if (listen.length === 0) throw new ConfigError('listen: at least one address is needed');
  checkDistinct(listen, flags.listen !== undefined ? '--listen' : 'listen');
  if (s.group !== undefined && s.user === undefined) throw new ConfigError('--group needs --user (the group alone is never dropped to)');
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
      maxPerClient: s.tcpMaxPerClient ?? DEFAULT_TCP_MAX_PER_CLIENT,
      maxLifetimeMs: 1000 * (s.tcpMaxLifetimeSeconds ?? DEFAULT_TCP_MAX_LIFETIME_SECONDS),
      maxQueries: s.tcpMaxQueries ?? DEFAULT_TCP_MAX_QUERIES,
      maxMessage: s.tcpMaxMessage ?? DEFAULT_TCP_MAX_MESSAGE,
    },
    expiryWarningSeconds: s.expiryWarningSeconds ?? DEFAULT_EXPIRY_WARNING_SECONDS,
    stateDir: s.stateDir ?? null,
    tinydns,
    services,
    registries,
    geo: checkGeo(s.geo ?? []),
    ecs: s.ecs ?? false,
    rrl: { rate: s.rrlRate ?? 0, slip: s.rrlSlip ?? DEFAULT_RRL_SLIP, whitelist: s.rrlWhitelist ?? [] },
    user: s.user ?? null,
    group: s.group ?? null,
    apiTokenFile: checkApiToken(s.apiTokenFile ?? null, s.http ?? null),
    allowTransfer: s.allowTransfer ?? [],
    tsigKeys,
    notify,
    notifyRules,
    secondaries,
    io: s.io ?? 'auto',
    zoneMetricsMax: s.zoneMetricsMax ?? DEFAULT_ZONE_METRICS_MAX,
    serialPolicy: s.serialPolicy ?? 'warn',
    nsid: s.nsid ?? null,
    cookieSecrets: readCookieSecrets(s.cookieSecretFile),
    zonemdVerify: s.zonemdVerify ?? false,
    dnstap: s.dnstap === undefined ? undefined : { path: s.dnstap, sample: s.dnstapSample ?? 1, identity, version: versionBind },
    catalog: s.catalog ?? null,
    catalogConsumers,
    ...checkTls(s.tlsListen ?? [], s.tlsCert ?? null, s.tlsKey ?? null, listen),
  };
}

/** --tls-listen needs a certificate and its key; they mean nothing without it. */
function checkTls(tlsListen: ListenAddress[], tlsCert: string | null, tlsKey: string | null, listen: ListenAddress[]): Pick<ServeOptions, 'tlsListen' | 'tlsCert' | 'tlsKey'> {
  if (tlsListen.length > 0 && (tlsCert === null || tlsKey === null)) throw new ConfigError('--tls-listen needs --tls-cert FILE and --tls-key FILE (PEM)');
  if (tlsListen.length === 0 && (tlsCert !== null || tlsKey !== null)) throw new ConfigError('--tls-cert and --tls-key need --tls-listen HOST:PORT');
  checkDistinct([...listen, ...tlsListen], '--tls-listen');
  return { tlsListen, tlsCert, tlsKey };
}

/**
 * The control API changes what the server answers: reachable beyond this machine, it must ask
 * for a token. Without one it is open to local users only (--http on a loopback address).
 */
function checkApiToken(file: string | null, http: ListenAddress | null): string | null {
  if (file === null && http !== null && !isLoopback(http.host)) {
    throw new ConfigError(
      `--http ${formatAddress(http)} is not a loopback address: the control API then needs a token; ` +
        'give --api-token-file FILE (api-token-file: in the config file), or bind --http to 127.0.0.1 or [::1]',
    );
  }
  return file;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return /^127\./.test(h) || h === '::1' || /^::ffff:127\./.test(h) || /^(0{1,4}:){7}0{0,3}1$/.test(h);
}

/** The config file's per-entry notify lists whose entry is still served (a flag may have replaced the file's list). */
function configuredRules(
  rules: NotifyRule[],
  o: { zones: ZoneSpec[]; zoneDirs: string[]; services: string[]; registries: string[]; tinydns: string[] },
): NotifyRule[] {
  const paths: Record<NotifyRule['source'], Set<string>> = {
    zones: new Set(o.zones.map((z) => path.resolve(z.file))),
    'zone-dir': new Set(o.zoneDirs.map((d) => path.resolve(d))),
    services: new Set(o.services.map((f) => path.resolve(f))),
    registry: new Set(o.registries.map((f) => path.resolve(f))),
    tinydns: new Set(o.tinydns.map((f) => path.resolve(f))),
  };
  return rules.filter((r) => paths[r.source].has(path.resolve(r.path)));
}

/** Key names unique, algorithms known, secrets base64; every key referenced is defined. */
function checkKeys(keys: TsigKeySpec[], referenced: Array<string | null>): void {
  const names = new Set<string>();
  for (const k of keys) {
    const name = k.name.toLowerCase().replace(/\.$/, '');
    if (names.has(name)) throw new ConfigError(`tsig-keys: key '${k.name}' defined twice`);
    names.add(name);
  }
  for (const r of referenced) {
    if (r !== null && !names.has(r.toLowerCase().replace(/\.$/, ''))) {
      throw new ConfigError(`TSIG key '${r}' is used but not defined under tsig-keys`);
    }
  }
}

function checkSecondaries(list: SecondarySpec[]): void {
  const seen = new Set<string>();
  for (const z of list) {
    if (seen.has(z.origin)) throw new ConfigError(`secondary: zone ${z.origin} given twice`);
    seen.add(z.origin);
  }
}

/** `NAME:ALGORITHM:SECRET`-free form for config entries: validates one key spec. */
export function parseTsigKeySpec(name: string, algorithm: string, secret: string, what: string): TsigKeySpec {
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9.])?$/.test(name)) throw new ConfigError(`${what}.name: '${name}' is not a valid key name`);
  const alg = algorithm.toLowerCase();
  if (!Object.hasOwn(TSIG_ALGORITHMS, alg)) {
    throw new ConfigError(`${what}.algorithm: '${algorithm}' is not one of ${Object.keys(TSIG_ALGORITHMS).join(', ')}`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secret) || Buffer.from(secret, 'base64').length === 0) {
    throw new ConfigError(`${what}.secret: not a base64 secret`);
  }
  return { name, algorithm: alg, secret };
}

/** `--allow-transfer CIDR`. */
export function parseAllowTransfer(text: string, what = '--allow-transfer'): Cidr {
  return parseCidr(text, what);
}

function checkGeo(geo: GeoSpec[]): GeoSpec[] {
  const seen = new Set<string>();
  for (const g of geo) {
    if (seen.has(g.origin)) throw new ConfigError(`geo: zone ${g.origin} given twice`);
    seen.add(g.origin);
    if (g.mode === 'geodb') throw new ConfigError(`geo: ${g.origin}: mode geodb (MaxMind DB files) is not supported yet; use subnet or weighted`);
  }
  return geo;
}

/** `ORIGIN=FILE` (--geo): subnet mode, Knot's default TTL. */
export function parseGeo(text: string, what = '--geo'): GeoSpec {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new ConfigError(`${what}: expected ORIGIN=FILE, got '${text}'`);
  return { origin: normalizeOrigin(text.slice(0, eq), what), file: text.slice(eq + 1), mode: 'subnet', ttl: 60 };
}

/** `ORIGIN=HOST:PORT[,HOST:PORT…]` (--secondary). */
export function parseSecondary(text: string, what = '--secondary', key: string | null = null): SecondarySpec {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new ConfigError(`${what}: expected ORIGIN=HOST:PORT, got '${text}'`);
  const originText = text.slice(0, eq);
  const primaries = text.slice(eq + 1).split(',').map((p) => parseHostPort(p.trim(), what));
  return { origin: normalizeOrigin(originText, what), primaries, key };
}

/** Lowercase with the trailing dot, as zones are keyed everywhere. */
export function normalizeOrigin(text: string, what: string): string {
  if (!/^([A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*\.?|\.)$/.test(text)) throw new ConfigError(`${what}: '${text}' is not a zone name`);
  const t = text.toLowerCase();
  return t.endsWith('.') ? t : `${t}.`;
}

export function formatAddress(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** `--cookie-secret-file`: the secrets it holds; without one, a random secret for this run. */
function readCookieSecrets(file: string | undefined): CookieSecrets {
  if (file === undefined) return randomCookieSecrets();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--cookie-secret-file: cannot read ${file}: ${(err as Error).message}`, { file });
  }
  return parseCookieSecrets(text, file);
}
