// The registry file (`--registry FILE`): JSON written by another system (a cluster's control
// plane) mapping names to addresses, with no health checks. Format:
//
//   {
//     "zone": "cluster.test",                  required; the zone built
//     "ttl": 5,                                 optional (default 5); per record "ttl" overrides
//     "ns": ["ns1.example.net."],               optional, as in a services file (names, or
//                                               {"name", "ips"}); default: the server's addresses
//     "reverse": ["10.in-addr.arpa"],           optional: reverse zones also built, with a PTR
//                                               for every address of a record inside them
//     "records": [{ "name": "web-1.hello", "ips": ["10.0.0.1", "fd00::1"] }]
//   }
//
// Names are relative to the zone (`@` is the zone, a trailing dot makes them absolute); a name
// listed twice gets the addresses of both. Problems are reported as FILE:LINE.

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from '../../errors.ts';
import { NameSyntaxError, isSubdomain, nameToText, parseName } from '../../zone/name.ts';
import { parseAddress, type Address } from '../services/address.ts';
import { SourceFileError } from '../services/config.ts';
import { jsonErrorOffset } from './json-position.ts';
import { DEFAULT_SOA, type ApexSettings, type NameServer } from '../services/generated-zone.ts';

export const DEFAULT_REGISTRY_TTL = 5;

export interface RegistryRecord {
  /** Absolute, lowercase. */
  name: string;
  ttl: number;
  addresses: Address[];
  /** Line of its first entry in the file. */
  line: number;
}

export interface RegistryData {
  file: string;
  apex: ApexSettings;
  /** Reverse zones to build (absolute, lowercase), each with the forward zone's SOA/NS settings. */
  reverse: string[];
  records: RegistryRecord[];
}

type Path = (string | number)[];

const TOP_KEYS = ['zone', 'ttl', 'ns', 'reverse', 'records'];
const RECORD_KEYS = ['name', 'ips', 'ttl'];

export function readRegistryFile(file: string, defaultNs: (zone: string) => NameServer[]): RegistryData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SourceFileError(file, [new ConfigError(`cannot read registry file: ${(err as Error).message}`, { file, line: 0 })]);
  }
  return parseRegistry(text, file, defaultNs);
}

export function parseRegistry(text: string, file: string, defaultNs: (zone: string) => NameServer[]): RegistryData {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const offset = jsonErrorOffset(text) ?? 0;
    throw new SourceFileError(file, [new ConfigError(`not JSON: ${message.replace(/ \(line \d+ column \d+\)$/, '')}`, { file, line: lineAt(text, offset) })]);
  }
  // Problems collect their JSON path; lines are found only if there are any (parsing the text
  // for positions costs more than the JSON itself).
  const problems: { path: Path; message: string }[] = [];
  const fail = (path: Path, message: string): never => {
    throw Object.assign(new Error(message), { jsonPath: path });
  };
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      const p = (err as { jsonPath?: Path }).jsonPath;
      if (p === undefined) throw err;
      problems.push({ path: p, message: (err as Error).message });
      return fallback;
    }
  };
  const result = attempt(() => {
    if (!isObject(data)) fail([], 'expected an object with "zone" and "records"');
    const top = data as Record<string, unknown>;
    for (const k of Object.keys(top)) if (!TOP_KEYS.includes(k)) problems.push({ path: [k], message: `unknown key "${k}" (known: ${TOP_KEYS.join(', ')})` });
    if (typeof top.zone !== 'string' || top.zone === '') fail(['zone'], '"zone" is required: the zone\'s name');
    const origin = name(top.zone as string, null, ['zone'], fail);
    const ttl = top.ttl === undefined ? DEFAULT_REGISTRY_TTL : ttlOf(top.ttl, ['ttl'], fail);
    const ns = top.ns === undefined ? null : attempt(() => nameServers(top.ns, origin, fail), null);
    const reverse = top.reverse === undefined ? [] : attempt(() => reverseZones(top.reverse, fail), []);
    if (!Array.isArray(top.records)) fail(['records'], '"records" is required: a list of {"name", "ips"}');
    const byName = new Map<string, RegistryRecord>();
    (top.records as unknown[]).forEach((r, i) =>
      attempt(() => {
        const p: Path = ['records', i];
        if (!isObject(r)) fail(p, 'expected {"name", "ips"}');
        const rec = r as Record<string, unknown>;
        for (const k of Object.keys(rec)) if (!RECORD_KEYS.includes(k)) fail([...p, k], `unknown key "${k}" (a record has name, ips, ttl)`);
        if (typeof rec.name !== 'string' || rec.name === '') fail([...p, 'name'], '"name" is required');
        const owner = name(rec.name as string, origin, [...p, 'name'], fail);
        if (!Array.isArray(rec.ips)) fail([...p, 'ips'], '"ips" is required: a list of addresses');
        const addresses = (rec.ips as unknown[]).map((ip, j) => {
          const a = typeof ip === 'string' ? parseAddress(ip) : null;
          return a ?? fail([...p, 'ips', j], `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
        });
        const recTtl = rec.ttl === undefined ? ttl : ttlOf(rec.ttl, [...p, 'ttl'], fail);
        const before = byName.get(owner);
        if (before === undefined) byName.set(owner, { name: owner, ttl: recTtl, addresses, line: i });
        else {
          for (const a of addresses) if (!before.addresses.some((b) => b.text === a.text)) before.addresses.push(a);
          // One RRset, one TTL: the smallest of the entries.
          before.ttl = Math.min(before.ttl, recTtl);
        }
      }, undefined),
    );
    const apex: ApexSettings = {
      origin,
      ttl,
      soa: { ...DEFAULT_SOA, mname: `ns1.${origin}`, rname: `hostmaster.${origin}`, minimum: ttl },
      ns: ns ?? defaultNs(origin),
      nsGiven: ns !== null,
      base: null,
      line: 0,
    };
    return { file, apex, reverse, records: [...byName.values()] };
  }, null);
  if (problems.length > 0 || result === null) {
    const zone = isObject(data) ? (data as { zone?: unknown }).zone : undefined;
    let origin: string | null = null;
    try {
      if (typeof zone === 'string') origin = name(zone, null, ['zone'], fail);
    } catch {
      // reported above already
    }
    throw new SourceFileError(file, locate(text, file, problems), origin);
  }
  // Record lines were indexes until now; the positions are worth finding only for the records
  // (FILE:LINE in zone checks), and only once per file version.
  const lines = recordLines(text, result.records.map((r) => r.line));
  for (const r of result.records) r.line = lines.get(r.line) ?? 0;
  if (result.apex.ns.length === 0) {
    throw new SourceFileError(file, [new ConfigError('no "ns" given and the server listens on no specific address to name', { file, line: 1 })]);
  }
  return result;
}

function nameServers(v: unknown, origin: string, fail: (p: Path, m: string) => never): NameServer[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) fail(['ns'], '"ns": at least one name server');
  return list.map((item, i) => {
    if (typeof item === 'string') return { name: name(item, origin, ['ns', i], fail, true), ips: [] };
    if (!isObject(item) || typeof (item as { name?: unknown }).name !== 'string') fail(['ns', i], 'expected a name or {"name", "ips"}');
    const o = item as { name: string; ips?: unknown };
    const ips = o.ips === undefined ? [] : Array.isArray(o.ips) ? o.ips : fail(['ns', i, 'ips'], 'expected a list of addresses');
    return {
      name: name(o.name, origin, ['ns', i, 'name'], fail, true),
      ips: ips.map((ip, j) => (typeof ip === 'string' ? parseAddress(ip) : null) ?? fail(['ns', i, 'ips', j], `${JSON.stringify(ip)} is not an address`)),
    };
  });
}

function reverseZones(v: unknown, fail: (p: Path, m: string) => never): string[] {
  if (!Array.isArray(v)) fail(['reverse'], 'expected a list of reverse zones (e.g. "10.in-addr.arpa")');
  return (v as unknown[]).map((z, i) => {
    const n = typeof z === 'string' ? name(z, null, ['reverse', i], fail) : fail(['reverse', i], 'expected a zone name');
    if (!n.endsWith('.in-addr.arpa.') && !n.endsWith('.ip6.arpa.')) fail(['reverse', i], `${n} is not under in-addr.arpa. or ip6.arpa.`);
    return n;
  });
}

function name(text: string, origin: string | null, p: Path, fail: (p: Path, m: string) => never, anywhere = false): string {
  try {
    const base = parseName(origin ?? '.', null);
    const wire = text === '@' && origin !== null ? base : parseName(text, base);
    if (origin !== null && !anywhere && !isSubdomain(wire, base)) fail(p, `${nameToText(wire)} is not inside ${origin}`);
    return nameToText(wire).toLowerCase();
  } catch (err) {
    if (err instanceof NameSyntaxError) fail(p, err.message);
    throw err;
  }
}

function ttlOf(v: unknown, p: Path, fail: (p: Path, m: string) => never): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2147483647) fail(p, `a TTL is a whole number of seconds, got ${JSON.stringify(v)}`);
  return v as number;
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The lines of JSON paths, through a YAML parse of the text (JSON is YAML; its nodes have positions). */
function locate(text: string, file: string, problems: { path: Path; message: string }[]): ConfigError[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  return problems.map(({ path, message }) => {
    let node: Node | undefined;
    for (let n = path.length; n >= 0 && node === undefined; n--) {
      const found = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (found !== undefined && found !== null && typeof found === 'object' && 'range' in found) node = found as Node;
    }
    const offset = node?.range?.[0];
    const where = path.length === 0 ? '' : `${path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '')}: `;
    return new ConfigError(`${where}${message}`, { file, line: offset === undefined ? 0 : counter.linePos(offset).line });
  });
}

/** Line of each `records[i]` for these indexes (a tokenizing pass, no full YAML parse). */
function recordLines(text: string, indexes: number[]): Map<number, number> {
  const want = new Set(indexes);
  const out = new Map<number, number>();
  if (want.size === 0) return out;
  // Find the "records" array, then count its top-level elements while tracking strings and depth.
  const key = /"records"\s*:\s*\[/g;
  let m: RegExpExecArray | null;
  let start = -1;
  let depth = 0;
  // The top-level "records": the first match at object depth 1.
  while ((m = key.exec(text)) !== null) {
    if (depthAt(text, m.index) === 1) {
      start = m.index + m[0].length;
      break;
    }
  }
  if (start < 0) return out;
  let line = lineAt(text, start);
  let index = 0;
  let expecting = true;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (expecting && !/\s/.test(c)) {
      if (want.has(index)) out.set(index, line);
      expecting = false;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) {
      index++;
      expecting = true;
    }
  }
  return out;
}

/** Object/array nesting depth at an offset (strings skipped). */
function depthAt(text: string, offset: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return depth;
}
