// A geo file (`--geo ORIGIN=FILE`): the response configuration file of Knot's mod-geoip, read as
// Knot reads it. Owner names, each with a list of views; a view starts with its selector — `net:
// PREFIX` (subnet mode), `geo: "CZ;Prague"` (geodb mode) or `weight: N` (weighted mode) — and
// holds RRsets as `TYPE: RDATA` or `TYPE: [RDATA, …]`, every record with the module's TTL. As in
// Knot, relative names in RDATA are relative to the owner (Knot sets $ORIGIN to it), an owner
// name is absolute with or without its final dot, a CNAME stands alone in its view, and DNSSEC
// types are refused. Knot's own parser takes no unquoted value with spaces ("10 mx1" must be
// quoted); this one is YAML and takes both.
//
//   www.example.com:
//     - net: 192.0.2.0/24
//       A: [198.51.100.1, 198.51.100.2]
//     - net: 2001:db8::/32
//       AAAA: 2001:db8:1::1

import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { parseCidr } from '../../config/cidr.ts';
import { ConfigError, ZoneDataError } from '../../errors.ts';
import { lowerName, NameSyntaxError, nameToText, parseName } from '../../zone/name.ts';
import type { WireName } from '../../zone/model.ts';
import { rdataFromText } from '../../zone/rdata-text.ts';
import { TYPE_CNAME, TYPE_DNSKEY, TYPE_DS, TYPE_NSEC, TYPE_NSEC3, TYPE_NSEC3PARAM, TYPE_RRSIG, typeFromText } from '../../zone/types.ts';

export type GeoMode = 'subnet' | 'geodb' | 'weighted';

/** The selector key of a view in each mode, as Knot names it. */
export const MODE_KEY: Record<GeoMode, string> = { subnet: 'net', geodb: 'geo', weighted: 'weight' };

export interface GeoRRset {
  type: number;
  rdata: Uint8Array[];
}

export interface GeoView {
  line: number;
  /** subnet mode: the network (host bits cleared). */
  net?: { family: 4 | 6; bytes: number[]; bits: number };
  /** geodb mode: one value per geodb key, null for "*" (any value). */
  geo?: (string | null)[];
  /** weighted mode: 0..255. */
  weight?: number;
  rrsets: GeoRRset[];
}

export interface GeoOwner {
  /** Absolute, lowercase. */
  name: WireName;
  line: number;
  views: GeoView[];
}

export interface GeoSettings {
  mode: GeoMode;
  /** TTL of every record of every view (Knot: `ttl`, default 60). */
  ttl: number;
  /** geodb mode: the MaxMind DB file and the keys (Knot: `geodb-file`, `geodb-key`). */
  geodbFile?: string;
  geodbKeys?: string[];
}

export interface GeoConfig extends GeoSettings {
  file: string;
  owners: GeoOwner[];
  /** Lines Knot would take with a warning (prefix too long: clamped). */
  warnings: ZoneDataError[];
}

export const DEFAULT_GEO_TTL = 60;
const DNSSEC_TYPES = new Set([TYPE_RRSIG, TYPE_NSEC, TYPE_NSEC3, TYPE_NSEC3PARAM, TYPE_DNSKEY, TYPE_DS]);

/** A geo file that cannot be used: every problem with its FILE:LINE. */
export class GeoFileError extends ConfigError {
  readonly problems: ZoneDataError[];
  constructor(file: string, problems: ZoneDataError[]) {
    super(`${file}: ${problems.map(String).join('; ')}`, { file, line: problems[0]?.context.line });
    this.problems = problems;
  }
}

export function readGeoFile(file: string, settings: GeoSettings): GeoConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GeoFileError(file, [new ZoneDataError(`cannot read the geo file: ${(err as Error).message}`, file, 0, 'PGN_ERR_GEO')]);
  }
  return parseGeoText(text, file, settings);
}

export function parseGeoText(text: string, file: string, settings: GeoSettings): GeoConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const problems: ZoneDataError[] = [];
  const warnings: ZoneDataError[] = [];
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lines.linePos(node.range[0]).line : 0);
  const problem = (node: Node | null | undefined, message: string) => problems.push(new ZoneDataError(message, file, lineOf(node), 'PGN_ERR_GEO'));
  for (const err of doc.errors) problems.push(new ZoneDataError(err.message, file, lines.linePos(err.pos[0]).line, 'PGN_ERR_GEO'));
  const owners: GeoOwner[] = [];
  const root = doc.contents;
  if (problems.length === 0 && root !== null && !isMap(root)) problem(root, 'expected owner names, each with a list of views');
  if (problems.length === 0 && isMap(root)) {
    for (const pair of root.items as Pair<Node, Node>[]) {
      const keyText = isScalar(pair.key) ? String(pair.key.value) : '';
      let name: WireName;
      try {
        name = lowerName(parseName(keyText.endsWith('.') ? keyText : `${keyText}.`, null));
      } catch (err) {
        problem(pair.key, `invalid owner name '${keyText}': ${err instanceof NameSyntaxError ? err.message : String(err)}`);
        continue;
      }
      const owner: GeoOwner = { name, line: lineOf(pair.key), views: [] };
      if (!isSeq(pair.value)) {
        problem(pair.value ?? pair.key, `${keyText}: expected a list of views ("- ${MODE_KEY[settings.mode]}: …")`);
        continue;
      }
      for (const item of pair.value.items as Node[]) {
        const view = readView(item, name, settings, problem, (n, m) => warnings.push(new ZoneDataError(m, file, lineOf(n), 'PGN_WARN_GEO')), lineOf(item));
        if (view !== null) owner.views.push(view);
      }
      owners.push(owner);
    }
  }
  if (problems.length > 0) throw new GeoFileError(file, problems);
  return { ...settings, file, owners, warnings };
}

function readView(
  item: Node,
  owner: WireName,
  settings: GeoSettings,
  problem: (node: Node | null | undefined, message: string) => void,
  warn: (node: Node | null | undefined, message: string) => void,
  line: number,
): GeoView | null {
  const key = MODE_KEY[settings.mode];
  if (!isMap(item) || item.items.length === 0) {
    problem(item, `missing '- ${key}: …' (a view starts with its ${key})`);
    return null;
  }
  const pairs = item.items as Pair<Node, Node>[];
  const first = pairs[0];
  const firstKey = isScalar(first.key) ? String(first.key.value) : '';
  // Knot: the view's selector comes first, and only the selector of the configured mode.
  if (firstKey !== key) {
    problem(first.key, `invalid key type '${firstKey}' (mode ${settings.mode} views start with '${key}:')`);
    return null;
  }
  const view: GeoView = { line, rrsets: [] };
  const selector = isScalar(first.value) ? String(first.value.value ?? '') : '';
  if (settings.mode === 'subnet') {
    const slash = selector.indexOf('/');
    let text = selector;
    const max = selector.includes(':') ? 128 : 32;
    if (slash >= 0 && /^[0-9]+$/.test(selector.slice(slash + 1)) && Number(selector.slice(slash + 1)) > max) {
      warn(first.value, `prefix of '${selector}' too large, set to ${max} (as Knot does)`);
      text = `${selector.slice(0, slash)}/${max}`;
    }
    try {
      const cidr = parseCidr(text, 'net');
      view.net = { family: cidr.family, bytes: cidr.bytes, bits: cidr.bits };
    } catch (err) {
      problem(first.value, `invalid address format '${selector}': ${(err as Error).message}`);
      return null;
    }
  } else if (settings.mode === 'weighted') {
    if (!/^[0-9]{1,3}$/.test(selector) || Number(selector) > 255) {
      problem(first.value, `invalid weight '${selector}' (0..255)`);
      return null;
    }
    view.weight = Number(selector);
  } else {
    const keys = settings.geodbKeys?.length ?? 1;
    const values = selector.split(';');
    if (values.length > keys) {
      problem(first.value, `invalid geo format '${selector}' (${keys} geodb key(s) configured)`);
      return null;
    }
    view.geo = values.map((v) => (v === '*' ? null : v));
  }
  for (const pair of pairs.slice(1)) {
    const typeText = isScalar(pair.key) ? String(pair.key.value) : '';
    const type = typeFromText(typeText.toUpperCase());
    if (type === undefined) {
      problem(pair.key, `invalid RR type '${typeText}'`);
      continue;
    }
    if (DNSSEC_TYPES.has(type)) {
      problem(pair.key, `DNSSEC record '${typeText}' not allowed`);
      continue;
    }
    const values = isSeq(pair.value) ? (pair.value.items as Node[]) : [pair.value];
    let set = view.rrsets.find((s) => s.type === type);
    if (type === TYPE_CNAME ? view.rrsets.length > 0 && set === undefined : view.rrsets.some((s) => s.type === TYPE_CNAME)) {
      problem(pair.key, type === TYPE_CNAME ? 'cannot add CNAME to view with other RRs' : 'cannot add RR to view with CNAME');
      continue;
    }
    for (const v of values) {
      const text = isScalar(v) ? String(v.value ?? '') : '';
      try {
        const rdata = rdataFromText(type, text, owner);
        if (set === undefined) view.rrsets.push((set = { type, rdata: [] }));
        if (!set.rdata.some((r) => Buffer.compare(r, rdata) === 0)) set.rdata.push(rdata);
      } catch (err) {
        problem(v ?? pair.key, `${typeText} ${text}: ${(err as Error).message}`);
      }
    }
  }
  return view;
}

/** For logs: `www.example.com.` */
export function ownerText(o: GeoOwner): string {
  return nameToText(o.name);
}
