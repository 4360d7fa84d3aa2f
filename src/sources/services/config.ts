// The services file (`--services FILE`): YAML naming a zone, its service names, their endpoints
// and health checks. Validated whole; every problem is a ConfigError at its FILE:LINE.

import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, parseDocument, type Node, type YAMLMap } from 'yaml';
import { Reader, describe, suggest } from '../../config/config-file.ts';
import { ConfigError } from '../../errors.ts';
import { NameSyntaxError, isSubdomain, nameToText, parseName } from '../../zone/name.ts';
import { typeFromText } from '../../zone/types.ts';
import { parseAddress, type Address } from './address.ts';
import { DEFAULT_SOA, type ApexSettings, type NameServer } from './generated-zone.ts';

export type CheckKind = 'http' | 'tcp' | 'dns';

export interface CheckSpec {
  kind: CheckKind;
  /** http: the URL, `{ip}` standing for the endpoint (IPv6 in brackets). */
  url: string;
  /** tcp and dns: the port probed. */
  port: number;
  /** dns: the question asked (absolute), and its type. */
  dnsName: string;
  dnsType: number;
  intervalMs: number;
  timeoutMs: number;
  fails: number;
  succs: number;
}

export interface ServiceEndpoint extends Address {
  weight: number;
}

export interface ServiceName {
  /** Absolute, lowercase, with the trailing dot: what is hashed and served. */
  name: string;
  line: number;
}

export interface ServiceSpec {
  /** The `service` label of metrics and logs: `id`, else the first name as written. */
  id: string;
  names: ServiceName[];
  line: number;
  ttl: number;
  /** How many endpoints answer for each name (per address family). */
  replicas: number;
  failClosed: boolean;
  endpoints: ServiceEndpoint[];
  /** null: no check, every endpoint always counts as up. */
  check: CheckSpec | null;
}

export interface ServicesConfig {
  file: string;
  apex: ApexSettings;
  services: ServiceSpec[];
}

export const DEFAULT_TTL = 30;
export const DEFAULT_INTERVAL_S = 2;
export const DEFAULT_TIMEOUT_S = 1;
export const DEFAULT_FAILS = 3;
export const DEFAULT_SUCCS = 2;

const TOP_KEYS = ['zone', 'ttl', 'base', 'soa', 'ns', 'failClosed', 'services'];
const SERVICE_KEYS = ['name', 'names', 'id', 'ttl', 'replicas', 'failClosed', 'endpoints', 'check'];
const CHECK_KEYS = ['http', 'tcp', 'dns', 'interval', 'timeout', 'fails', 'succs'];
const DNS_KEYS = ['name', 'type', 'port'];
const SOA_KEYS = ['mname', 'rname', 'refresh', 'retry', 'expire', 'minimum'];
const NS_KEYS = ['name', 'ips'];
const ENDPOINT_KEYS = ['ip', 'weight'];

/** Thrown with every problem of a services (or registry) file. */
export class SourceFileError extends ConfigError {
  readonly problems: ConfigError[];
  /** The zone the file names, when that much could be read (for /zones and metrics). */
  readonly origin: string | null;
  constructor(file: string, problems: ConfigError[], origin: string | null = null) {
    super(`${file}: ${problems.length} problem(s)`, { file });
    this.problems = problems;
    this.origin = origin;
  }
  /** `FILE:LINE: message` per problem. */
  lines(): string[] {
    return this.problems.map((p) => `${p.context.file}${p.context.line ? `:${p.context.line}` : ''}: ${p.message}`);
  }
}

/**
 * Read and validate a services file. `defaultNs` is used when the file has no `ns:` (the server's
 * own addresses); throws SourceFileError.
 */
export function readServicesFile(file: string, defaultNs: (zone: string) => NameServer[]): ServicesConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SourceFileError(file, [new ConfigError(`cannot read services file: ${(err as Error).message}`, { file, line: 0 })]);
  }
  return parseServicesFile(text, file, defaultNs);
}

export function parseServicesFile(text: string, file: string, defaultNs: (zone: string) => NameServer[]): ServicesConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const at = new Reader(doc, lines, file);
  for (const err of doc.errors) at.problems.push(new ConfigError(err.message, { file, line: lines.linePos(err.pos[0]).line }));
  if (at.problems.length > 0) throw new SourceFileError(file, at.problems);
  const root = doc.contents as Node | null;
  if (root === null || !isMap(root)) {
    throw new SourceFileError(file, [new ConfigError('a services file is a mapping with zone: and services:', { file, line: 1 })]);
  }
  const top = fields(root, TOP_KEYS, 'the services file', at);
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      at.problems.push(err);
      return fallback;
    }
  };

  const zoneNode = top.get('zone');
  if (zoneNode === undefined) throw new SourceFileError(file, [...at.problems, at.problem(root, 'zone: is required')]);
  const origin = attempt(() => absoluteName(at, zoneNode, 'zone', null), null);
  if (origin === null) throw new SourceFileError(file, at.problems);
  const ttl = attempt(() => optional(top, 'ttl', (v) => at.integer(v, 'ttl', 0, 2147483647)) ?? DEFAULT_TTL, DEFAULT_TTL);
  const failClosed = attempt(() => optional(top, 'failClosed', (v) => at.boolean(v, 'failClosed')) ?? false, false);
  const base = attempt(() => optional(top, 'base', (v) => at.path(v, 'base')) ?? null, null);
  const soa = attempt(() => optional(top, 'soa', (v) => soaSettings(at, v, origin, ttl)) ?? defaultSoa(origin, ttl), defaultSoa(origin, ttl));
  const ns = attempt(() => optional(top, 'ns', (v) => nameServers(at, v, origin)) ?? null, null);
  if (base !== null) {
    // The base zone file has its own SOA and NS: two sources for them would be one too many.
    for (const k of ['soa', 'ns']) if (top.has(k)) at.problems.push(at.problem(top.get(k)!, `${k}: comes from the base zone file; leave it out`));
  }

  const services: ServiceSpec[] = [];
  const servicesNode = top.get('services');
  if (servicesNode === undefined) at.problems.push(at.problem(root, 'services: is required (a list, may be empty)'));
  else {
    const items = attempt(() => at.list(servicesNode, 'services', false), []);
    const seen = new Map<string, number>();
    for (const [i, item] of items.entries()) {
      const spec = attempt(() => service(at, item, `services[${i}]`, origin, ttl, failClosed), null);
      if (spec === null) continue;
      for (const n of spec.names) {
        const before = seen.get(n.name);
        if (before !== undefined) at.problems.push(new ConfigError(`services[${i}]: ${n.name} is already a service (line ${before})`, { file, line: n.line }));
        else seen.set(n.name, n.line);
      }
      services.push(spec);
    }
  }
  const nsList = ns ?? defaultNs(origin);
  if (base === null && nsList.length === 0) {
    at.problems.push(new ConfigError('ns: needed (the server listens on no specific address to name as ns1)', { file, line: 1 }));
  }
  if (at.problems.length > 0) throw new SourceFileError(file, at.problems, origin);
  return {
    file,
    apex: { origin, ttl, soa, ns: nsList, nsGiven: ns !== null, base, line: 1 },
    services,
  };
}

function service(at: Reader, node: Node, what: string, origin: string, zoneTtl: number, zoneFailClosed: boolean): ServiceSpec {
  if (!isMap(node)) throw at.problem(node, `${what}: expected a mapping (name, endpoints, check, …), got ${describe(node)}`);
  const f = fields(node, SERVICE_KEYS, what, at);
  const nameNode = f.get('name');
  const namesNode = f.get('names');
  if ((nameNode === undefined) === (namesNode === undefined)) throw at.problem(node, `${what}: give name (one) or names (a list)`);
  const nameNodes = nameNode !== undefined ? [nameNode] : at.list(namesNode!, `${what}.names`, true);
  if (nameNodes.length === 0) throw at.problem(namesNode!, `${what}.names: at least one name`);
  const names = nameNodes.map((n, i) => ({
    name: absoluteName(at, n, nameNode !== undefined ? `${what}.name` : `${what}.names[${i}]`, origin),
    line: lineOf(at, n),
  }));
  const endpointsNode = f.get('endpoints');
  if (endpointsNode === undefined) throw at.problem(node, `${what}: endpoints is required`);
  const endpoints = at.list(endpointsNode, `${what}.endpoints`, false).map((e, i) => endpoint(at, e, `${what}.endpoints[${i}]`));
  if (endpoints.length === 0) throw at.problem(endpointsNode, `${what}.endpoints: at least one endpoint`);
  const seen = new Set<string>();
  for (const [i, e] of endpoints.entries()) {
    if (seen.has(e.text)) throw at.problem(endpointsNode, `${what}.endpoints[${i}]: ${e.text} is listed twice`);
    seen.add(e.text);
  }
  const replicas = optional(f, 'replicas', (v) => at.integer(v, `${what}.replicas`, 1, 1000)) ?? endpoints.length;
  const checkNode = f.get('check');
  const idNode = f.get('id');
  return {
    id: idNode !== undefined ? at.string(idNode, `${what}.id`) : String((nameNodes[0] as { value?: unknown }).value),
    names,
    line: lineOf(at, node),
    ttl: optional(f, 'ttl', (v) => at.integer(v, `${what}.ttl`, 0, 2147483647)) ?? zoneTtl,
    replicas,
    failClosed: optional(f, 'failClosed', (v) => at.boolean(v, `${what}.failClosed`)) ?? zoneFailClosed,
    endpoints,
    check: checkNode === undefined ? null : check(at, checkNode, `${what}.check`),
  };
}

function endpoint(at: Reader, node: Node, what: string): ServiceEndpoint {
  let ipNode = node;
  let weight = 1;
  if (isMap(node)) {
    const f = fields(node, ENDPOINT_KEYS, what, at);
    const ip = f.get('ip');
    if (ip === undefined) throw at.problem(node, `${what}: ip is required`);
    ipNode = ip;
    weight = optional(f, 'weight', (v) => positive(at, v, `${what}.weight`, 1e6)) ?? 1;
  }
  const text = at.string(ipNode, what);
  const address = parseAddress(text);
  if (address === null) throw at.problem(ipNode, `${what}: '${text}' is not an IPv4 or IPv6 address`);
  return { ...address, weight };
}

function check(at: Reader, node: Node, what: string): CheckSpec {
  if (!isMap(node)) throw at.problem(node, `${what}: expected a mapping with one of http, tcp, dns`);
  const f = fields(node, CHECK_KEYS, what, at);
  const kinds = (['http', 'tcp', 'dns'] as const).filter((k) => f.has(k));
  if (kinds.length !== 1) throw at.problem(node, `${what}: give exactly one of http, tcp, dns`);
  const kind = kinds[0];
  const intervalS = optional(f, 'interval', (v) => positive(at, v, `${what}.interval`, 3600)) ?? DEFAULT_INTERVAL_S;
  const defaultTimeout = Math.min(DEFAULT_TIMEOUT_S, intervalS * 0.8);
  const timeoutS = optional(f, 'timeout', (v) => positive(at, v, `${what}.timeout`, 3600)) ?? defaultTimeout;
  if (timeoutS >= intervalS) throw at.problem(f.get('timeout')!, `${what}.timeout: ${timeoutS} s must be less than interval (${intervalS} s)`);
  const spec: CheckSpec = {
    kind,
    url: '',
    port: 0,
    dnsName: '',
    dnsType: 1,
    intervalMs: Math.round(intervalS * 1000),
    timeoutMs: Math.round(timeoutS * 1000),
    fails: optional(f, 'fails', (v) => at.integer(v, `${what}.fails`, 1, 100)) ?? DEFAULT_FAILS,
    succs: optional(f, 'succs', (v) => at.integer(v, `${what}.succs`, 1, 100)) ?? DEFAULT_SUCCS,
  };
  const v = f.get(kind)!;
  if (kind === 'http') {
    spec.url = at.string(v, `${what}.http`);
    let url: URL;
    try {
      url = new URL(spec.url.replaceAll('{ip}', '127.0.0.1'));
    } catch {
      throw at.problem(v, `${what}.http: '${spec.url}' is not a URL`);
    }
    if (url.protocol !== 'http:') throw at.problem(v, `${what}.http: only http:// URLs are checked`);
  } else if (kind === 'tcp') {
    spec.port = at.integer(v, `${what}.tcp`, 1, 65535);
  } else {
    spec.port = 53;
    if (isScalar(v)) spec.dnsName = absoluteName(at, v, `${what}.dns`, null);
    else {
      if (!isMap(v)) throw at.problem(v, `${what}.dns: expected a name, or a mapping with name, type, port`);
      const d = fields(v, DNS_KEYS, `${what}.dns`, at);
      const n = d.get('name');
      if (n === undefined) throw at.problem(v, `${what}.dns: name is required`);
      spec.dnsName = absoluteName(at, n, `${what}.dns.name`, null);
      spec.port = optional(d, 'port', (p) => at.integer(p, `${what}.dns.port`, 1, 65535)) ?? 53;
      const t = optional(d, 'type', (p) => at.string(p, `${what}.dns.type`));
      if (t !== undefined) {
        const type = typeFromText(t);
        if (type === undefined) throw at.problem(d.get('type')!, `${what}.dns.type: unknown type '${t}'`);
        spec.dnsType = type;
      }
    }
  }
  return spec;
}

function defaultSoa(origin: string, ttl: number): ApexSettings['soa'] {
  return { ...DEFAULT_SOA, mname: `ns1.${origin}`, rname: `hostmaster.${origin}`, minimum: ttl };
}

function soaSettings(at: Reader, node: Node, origin: string, ttl: number): ApexSettings['soa'] {
  if (!isMap(node)) throw at.problem(node, `soa: expected a mapping (${SOA_KEYS.join(', ')})`);
  const f = fields(node, SOA_KEYS, 'soa', at);
  const soa = defaultSoa(origin, ttl);
  const name = (k: 'mname' | 'rname') => optional(f, k, (v) => absoluteName(at, v, `soa.${k}`, origin, true));
  soa.mname = name('mname') ?? soa.mname;
  soa.rname = name('rname') ?? soa.rname;
  for (const k of ['refresh', 'retry', 'expire', 'minimum'] as const) {
    soa[k] = optional(f, k, (v) => at.integer(v, `soa.${k}`, 0, 2147483647)) ?? soa[k];
  }
  return soa;
}

function nameServers(at: Reader, node: Node, origin: string): NameServer[] {
  const list = at.list(node, 'ns', true);
  if (list.length === 0) throw at.problem(node, 'ns: at least one name server');
  return list.map((item, i) => {
    const what = `ns[${i}]`;
    if (!isMap(item)) return { name: absoluteName(at, item, what, origin, true), ips: [], line: lineOf(at, item) };
    const f = fields(item, NS_KEYS, what, at);
    const n = f.get('name');
    if (n === undefined) throw at.problem(item, `${what}: name is required`);
    const ips = optional(f, 'ips', (v) =>
      at.list(v, `${what}.ips`, true).map((a, j) => {
        const text = at.string(a, `${what}.ips[${j}]`);
        const address = parseAddress(text);
        if (address === null) throw at.problem(a, `${what}.ips[${j}]: '${text}' is not an IPv4 or IPv6 address`);
        return address;
      }),
    );
    return { name: absoluteName(at, n, `${what}.name`, origin, true), ips: ips ?? [], line: lineOf(at, item) };
  });
}

/**
 * A domain name: absolute if it ends with a dot, else relative to `origin` (`@` is the origin).
 * Inside `origin` unless `anywhere`. Lowercase, with the trailing dot.
 */
function absoluteName(at: Reader, node: Node, what: string, origin: string | null, anywhere = false): string {
  const text = isScalar(node) && typeof node.value === 'number' ? String(node.value) : at.string(node, what);
  let wire: Uint8Array;
  try {
    const base = origin === null ? parseName('.', null) : parseName(origin, null);
    wire = text === '@' && origin !== null ? base : parseName(text, base);
  } catch (err) {
    if (err instanceof NameSyntaxError) throw at.problem(node, `${what}: ${err.message}`);
    throw err;
  }
  if (origin !== null && !anywhere && !isSubdomain(wire, parseName(origin, null))) {
    throw at.problem(node, `${what}: ${nameToText(wire)} is not inside ${origin}`);
  }
  return nameToText(wire).toLowerCase();
}

function positive(at: Reader, node: Node, what: string, max: number): number {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) {
    throw at.problem(node, `${what}: expected a number greater than 0 and at most ${max}, got ${describe(node)}`);
  }
  return v;
}

function lineOf(at: Reader, node: Node): number {
  return at.problem(node, '').context.line ?? 0;
}

/** A mapping's values by key; unknown keys and `key:` without a value are errors. */
function fields(map: YAMLMap, known: string[], what: string, at: Reader): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const pair of map.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '?';
    if (!known.includes(key)) {
      // Reported, and the rest of the mapping is still read: one pass shows every problem.
      at.problems.push(at.problem(keyNode, `${what}: unknown key '${key}'${suggest(key, known)}`));
      continue;
    }
    const value = pair.value as Node | null;
    if (value === null || (isScalar(value) && value.value === null)) throw at.problem(keyNode, `${what}.${key}: a value is required`);
    out.set(key, at.resolve(value));
  }
  return out;
}

function optional<T>(f: Map<string, Node>, key: string, read: (v: Node) => T): T | undefined {
  const v = f.get(key);
  return v === undefined ? undefined : read(v);
}
