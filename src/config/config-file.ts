// `--config FILE`: the YAML config file, its schema (one entry per key), and its validation into
// ServeSettings, with every problem reported as `FILE:LINE: key: message`.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, ConfigFileError } from '../errors.ts';
import { parseCidr } from './cidr.ts';
import { parseDuration } from './duration.ts';
import { parseNsid } from '../answer/edns-options.ts';
import {
  normalizeOrigin, parseAllowTransfer, parseGeo, parseHostPort, parseIoMode, parseSecondary, parseSerialPolicy, parseTsigKeySpec,
  type GeoSpec, type NotifyRule, type NotifyTarget, type SecondarySpec, type ServeSettings, type TsigKeySpec, type ZoneSpec,
} from './serve-options.ts';

/**
 * The keys, as in the example (`examples/peregrine.yaml`). Each is named as its command-line flag,
 * except `zones` (a list of files, each with an optional origin) and `chaos` (true/false; the flag
 * is `--no-chaos`). Relative paths are relative to the config file's directory.
 */
const SCHEMA: Record<string, (value: Node, at: Reader) => ServeSettings> = {
  zones: (v, at) => withRules(at.list(v, 'zones', false).map((entry, i) => zoneEntry(entry, `zones[${i}]`, at)), (zones, notifyRules) => ({ zones, notifyRules })),
  'zone-dir': (v, at) =>
    withRules(sourceEntries(v, 'zone-dir', at).map((d, i) => sourceEntry(d, `zone-dir[${i}]`, 'zone-dir', 'dir', at)), (zoneDirs, notifyRules) => ({ zoneDirs, notifyRules })),
  listen: (v, at) => ({
    listen: at.list(v, 'listen', true).map((a, i) => at.check(a, () => parseHostPort(at.string(a, `listen[${i}]`), `listen[${i}]`))),
  }),
  workers: (v, at) => ({ workers: at.integer(v, 'workers', 1, 1024) }),
  http: (v, at) => ({ http: at.check(v, () => parseHostPort(at.string(v, 'http'), 'http', true)) }),
  drain: (v, at) => ({ drainSeconds: at.seconds(v, 'drain') }),
  'max-udp-size': (v, at) => ({ maxUdpPayload: at.integer(v, 'max-udp-size', 512, 65535) }),
  identity: (v, at) => ({ identity: at.string(v, 'identity') }),
  'version-string': (v, at) => ({ versionString: at.string(v, 'version-string') }),
  chaos: (v, at) => ({ chaos: at.boolean(v, 'chaos') }),
  'tcp-idle-timeout': (v, at) => ({ tcpIdleTimeoutSeconds: at.seconds(v, 'tcp-idle-timeout') }),
  'tcp-max-connections': (v, at) => ({ tcpMaxConnections: at.integer(v, 'tcp-max-connections', 1, 1_000_000) }),
  'expiry-warning': (v, at) => ({ expiryWarningSeconds: at.duration(v, 'expiry-warning') }),
  'state-dir': (v, at) => ({ stateDir: at.path(v, 'state-dir') }),
  tinydns: (v, at) =>
    withRules(sourceEntries(v, 'tinydns', at).map((f, i) => sourceEntry(f, `tinydns[${i}]`, 'tinydns', 'file', at)), (tinydns, notifyRules) => ({ tinydns, notifyRules })),
  services: (v, at) =>
    withRules(sourceEntries(v, 'services', at).map((f, i) => sourceEntry(f, `services[${i}]`, 'services', 'file', at)), (services, notifyRules) => ({ services, notifyRules })),
  registry: (v, at) =>
    withRules(sourceEntries(v, 'registry', at).map((f, i) => sourceEntry(f, `registry[${i}]`, 'registry', 'file', at)), (registries, notifyRules) => ({ registries, notifyRules })),
  'tcp-max-per-client': (v, at) => ({ tcpMaxPerClient: at.integer(v, 'tcp-max-per-client', 0, 1_000_000) }),
  'tcp-max-lifetime': (v, at) => ({ tcpMaxLifetimeSeconds: at.seconds(v, 'tcp-max-lifetime') }),
  'tcp-max-queries': (v, at) => ({ tcpMaxQueries: at.integer(v, 'tcp-max-queries', 0, 1_000_000_000) }),
  'tcp-max-message': (v, at) => ({ tcpMaxMessage: at.integer(v, 'tcp-max-message', 12, 65535) }),
  rrl: (v, at) => ({ rrlRate: at.integer(v, 'rrl', 0, 1_000_000) }),
  'rrl-slip': (v, at) => ({ rrlSlip: at.integer(v, 'rrl-slip', 0, 100) }),
  'rrl-whitelist': (v, at) => ({
    rrlWhitelist: at.list(v, 'rrl-whitelist', true).map((c, i) => at.check(c, () => parseCidr(at.string(c, `rrl-whitelist[${i}]`), `rrl-whitelist[${i}]`))),
  }),
  user: (v, at) => ({ user: at.string(v, 'user') }),
  group: (v, at) => ({ group: at.string(v, 'group') }),
  'api-token-file': (v, at) => ({ apiTokenFile: at.path(v, 'api-token-file') }),
  'allow-transfer': (v, at) => ({
    allowTransfer: at.list(v, 'allow-transfer', true).map((c, i) => at.check(c, () => parseAllowTransfer(at.string(c, `allow-transfer[${i}]`), `allow-transfer[${i}]`))),
  }),
  'tsig-keys': (v, at) => ({ tsigKeys: at.list(v, 'tsig-keys', false).map((k, i) => tsigKeyEntry(k, `tsig-keys[${i}]`, at)) }),
  notify: (v, at) => ({ notify: at.list(v, 'notify', true).map((n, i) => notifyEntry(n, `notify[${i}]`, at)) }),
  secondary: (v, at) => ({ secondaries: at.list(v, 'secondary', true).map((z, i) => secondaryEntry(z, `secondary[${i}]`, at)) }),
  io: (v, at) => ({ io: at.check(v, () => parseIoMode(at.string(v, 'io'), 'io')) }),
  geo: (v, at) => ({ geo: at.list(v, 'geo', true).map((g, i) => geoEntry(g, `geo[${i}]`, at)) }),
  ecs: (v, at) => ({ ecs: at.boolean(v, 'ecs') }),
  'zone-metrics-max': (v, at) => ({ zoneMetricsMax: at.integer(v, 'zone-metrics-max', 0, 1_000_000) }),
  'serial-policy': (v, at) => ({ serialPolicy: at.check(v, () => parseSerialPolicy(at.string(v, 'serial-policy'), 'serial-policy')) }),
  nsid: (v, at) => ({ nsid: at.check(v, () => parseNsid(at.string(v, 'nsid'), 'nsid')) }),
  'cookie-secret-file': (v, at) => ({ cookieSecretFile: at.path(v, 'cookie-secret-file') }),
  'zonemd-verify': (v, at) => ({ zonemdVerify: at.boolean(v, 'zonemd-verify') }),
  dnstap: (v, at) => ({ dnstap: at.path(v, 'dnstap') }),
  'dnstap-sample': (v, at) => ({ dnstapSample: at.integer(v, 'dnstap-sample', 1, 1_000_000) }),
  catalog: (v, at) => ({ catalog: at.check(v, () => normalizeOrigin(at.string(v, 'catalog'), 'catalog')) }),
  'tls-listen': (v, at) => ({
    tlsListen: at.list(v, 'tls-listen', true).map((a, i) => at.check(a, () => parseHostPort(at.string(a, `tls-listen[${i}]`), `tls-listen[${i}]`))),
  }),
  'tls-cert': (v, at) => ({ tlsCert: at.path(v, 'tls-cert') }),
  'tls-key': (v, at) => ({ tlsKey: at.path(v, 'tls-key') }),
  'catalog-consumer': (v, at) => ({
    catalogConsumers: at.list(v, 'catalog-consumer', true).map((z, i) => secondaryEntry(z, `catalog-consumer[${i}]`, at)),
  }),
};

/** `ORIGIN=FILE`, or `{zone, file, mode, ttl, geodb-file, geodb-key}` (Knot's mod-geoip settings). */
function geoEntry(entry: Node, what: string, at: Reader): GeoSpec {
  if (isScalar(entry)) {
    const spec = at.check(entry, () => parseGeo(at.string(entry, what), what));
    return { ...spec, file: at.relative(spec.file) };
  }
  const f = fields(entry, what, at, ['zone', 'file', 'mode', 'ttl', 'geodb-file', 'geodb-key'], ['zone', 'file']);
  const zone = f.get('zone')!;
  const mode = f.get('mode');
  const modeText = mode === undefined ? 'subnet' : at.string(mode, `${what}.mode`);
  if (!['subnet', 'geodb', 'weighted'].includes(modeText)) throw at.problem(mode!, `${what}.mode: expected subnet, geodb or weighted`);
  const ttl = f.get('ttl');
  const dbFile = f.get('geodb-file');
  const keys = f.get('geodb-key');
  return {
    origin: at.check(zone, () => normalizeOrigin(at.string(zone, `${what}.zone`), `${what}.zone`)),
    file: at.path(f.get('file')!, `${what}.file`),
    mode: modeText as GeoSpec['mode'],
    ttl: ttl === undefined ? 60 : at.integer(ttl, `${what}.ttl`, 0, 2147483647),
    geodbFile: dbFile === undefined ? undefined : at.path(dbFile, `${what}.geodb-file`),
    geodbKeys: keys === undefined ? undefined : at.list(keys, `${what}.geodb-key`, true).map((k, i) => at.string(k, `${what}.geodb-key[${i}]`)),
  };
}

/** The keys a config file may have, in the order the example shows them. */
export const CONFIG_KEYS: readonly string[] = Object.keys(SCHEMA);

const ZONE_KEYS = ['file', 'origin', 'notify', 'catalog'];

/** Read and validate a config file; throws ConfigFileError listing every problem found. */
export function readConfigFile(file: string): ServeSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(file, [new ConfigError(`cannot read config file: ${(err as Error).message}`, { file, line: 0 })]);
  }
  return parseConfig(text, file);
}

/** Validate config text; `file` names it in messages and anchors relative paths. */
export function parseConfig(text: string, file: string): ServeSettings {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const at = new Reader(doc, lines, file);
  for (const err of doc.errors) at.problems.push(new ConfigError(err.message, { file, line: lines.linePos(err.pos[0]).line }));
  if (at.problems.length > 0) throw new ConfigFileError(file, at.problems);

  const settings: ServeSettings = {};
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return settings; // an empty file says nothing
  if (!isMap(root)) throw new ConfigFileError(file, [at.problem(root, 'the config file must be a mapping of keys (key: value)')]);
  for (const pair of root.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : null;
    if (key === null || !Object.hasOwn(SCHEMA, key)) {
      at.problems.push(at.problem(keyNode, `unknown key '${key ?? '?'}'${suggest(key, CONFIG_KEYS)}`));
      continue;
    }
    const value = pair.value as Node | null;
    if (isEmpty(value)) {
      at.problems.push(at.problem(keyNode, `${key}: a value is required`));
      continue;
    }
    try {
      const { notifyRules, ...part } = SCHEMA[key](at.resolve(value as Node), at);
      Object.assign(settings, part);
      // Several keys (zones, zone-dir, services, …) each bring the notify lists of their entries.
      if (notifyRules !== undefined && notifyRules.length > 0) settings.notifyRules = [...(settings.notifyRules ?? []), ...notifyRules];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      at.problems.push(err.context.line === undefined ? at.problem(value as Node, err.message) : err);
    }
  }
  if (at.problems.length > 0) throw new ConfigFileError(file, at.problems);
  return settings;
}

/** An entry and the notify list it may carry. */
interface WithRule<T> {
  value: T;
  rule: NotifyRule | null;
}

function withRules<T>(entries: WithRule<T>[], settings: (values: T[], rules: NotifyRule[]) => ServeSettings): ServeSettings {
  return settings(entries.map((e) => e.value), entries.flatMap((e) => (e.rule === null ? [] : [e.rule])));
}

function zoneEntry(entry: Node, what: string, at: Reader): WithRule<ZoneSpec> {
  if (isScalar(entry)) return { value: { file: at.path(entry, what), origin: null }, rule: null };
  if (!isMap(entry)) throw at.problem(entry, `${what}: expected a file name, or a mapping with file, origin, notify and catalog`);
  let file: string | null = null;
  let origin: string | null = null;
  let targets: NotifyTarget[] | null = null;
  let catalog: boolean | undefined;
  for (const pair of entry.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '?';
    if (key === 'notify' && isSeq(pair.value)) {
      targets = notifyList(pair.value as Node, `${what}.notify`, at);
      continue;
    }
    if (isEmpty(pair.value as Node | null)) throw at.problem(keyNode, `${what}.${key}: a value is required`);
    const value = at.resolve(pair.value as Node);
    if (key === 'file') file = at.path(value, `${what}.file`);
    else if (key === 'origin') origin = at.string(value, `${what}.origin`);
    else if (key === 'notify') targets = notifyList(value, `${what}.notify`, at);
    else if (key === 'catalog') catalog = at.boolean(value, `${what}.catalog`);
    else throw at.problem(keyNode, `${what}: unknown key '${key}'${suggest(key, ZONE_KEYS)} (a zone has file, origin, notify and catalog)`);
  }
  if (file === null) throw at.problem(entry, `${what}: file is required`);
  const spec: ZoneSpec = catalog === undefined ? { file, origin } : { file, origin, catalog };
  return { value: spec, rule: targets === null ? null : { source: 'zones', path: file, targets } };
}

/**
 * A path (`zone-dir`, `services`, `registry`, `tinydns`), or `{dir|file: PATH, notify: [...]}`:
 * the zones served from it are notified there instead of the global `notify` list.
 */
function sourceEntry(entry: Node, what: string, source: NotifyRule['source'], pathKey: 'dir' | 'file', at: Reader): WithRule<string> {
  if (isScalar(entry)) return { value: at.path(entry, what), rule: null };
  if (!isMap(entry)) throw at.problem(entry, `${what}: expected a path, or a mapping with ${pathKey} and notify`);
  let file: string | null = null;
  let targets: NotifyTarget[] = [];
  for (const pair of entry.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '?';
    if (key === 'notify' && isSeq(pair.value)) {
      targets = notifyList(pair.value as Node, `${what}.notify`, at);
      continue;
    }
    if (isEmpty(pair.value as Node | null)) throw at.problem(keyNode, `${what}.${key}: a value is required`);
    const value = at.resolve(pair.value as Node);
    if (key === pathKey) file = at.path(value, `${what}.${pathKey}`);
    else if (key === 'notify') targets = notifyList(value, `${what}.notify`, at);
    else throw at.problem(keyNode, `${what}: unknown key '${key}'${suggest(key, [pathKey, 'notify'])} (known: ${pathKey}, notify)`);
  }
  if (file === null) throw at.problem(entry, `${what}: ${pathKey} is required`);
  return { value: file, rule: { source, path: file, targets } };
}

/** A list of path entries; one path or one `{file|dir, notify}` mapping alone stands for a list of one. */
function sourceEntries(node: Node, what: string, at: Reader): Node[] {
  return isMap(node) ? [node] : at.list(node, what, true);
}

/** A `notify` list (an empty list `[]` means: notify nobody). */
function notifyList(node: Node, what: string, at: Reader): NotifyTarget[] {
  return at.list(node, what, true).map((n, i) => notifyEntry(n, `${what}[${i}]`, at));
}

/** The mapping entries of `entry` by key, each required key present, no unknown key. */
function fields(entry: Node, what: string, at: Reader, known: string[], required: string[]): Map<string, Node> {
  if (!isMap(entry)) throw at.problem(entry, `${what}: expected a mapping with ${known.join(', ')}`);
  const out = new Map<string, Node>();
  for (const pair of entry.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '?';
    if (!known.includes(key)) throw at.problem(keyNode, `${what}: unknown key '${key}'${suggest(key, known)} (known: ${known.join(', ')})`);
    if (isEmpty(pair.value as Node | null)) throw at.problem(keyNode, `${what}.${key}: a value is required`);
    out.set(key, at.resolve(pair.value as Node));
  }
  for (const k of required) if (!out.has(k)) throw at.problem(entry, `${what}: ${k} is required`);
  return out;
}

function tsigKeyEntry(entry: Node, what: string, at: Reader): TsigKeySpec {
  const f = fields(entry, what, at, ['name', 'algorithm', 'secret'], ['name', 'algorithm', 'secret']);
  return at.check(entry, () =>
    parseTsigKeySpec(at.string(f.get('name')!, `${what}.name`), at.string(f.get('algorithm')!, `${what}.algorithm`), at.string(f.get('secret')!, `${what}.secret`), what),
  );
}

/** `HOST:PORT`, or `{address: HOST:PORT, key: NAME}`. */
function notifyEntry(entry: Node, what: string, at: Reader): NotifyTarget {
  if (isScalar(entry)) return { address: at.check(entry, () => parseHostPort(at.string(entry, what), what)), key: null };
  const f = fields(entry, what, at, ['address', 'key'], ['address']);
  const address = f.get('address')!;
  const key = f.get('key');
  return {
    address: at.check(address, () => parseHostPort(at.string(address, `${what}.address`), `${what}.address`)),
    key: key === undefined ? null : at.string(key, `${what}.key`),
  };
}

/** `ORIGIN=HOST:PORT[,HOST:PORT]`, or `{origin, primaries: [HOST:PORT…], key}`. */
function secondaryEntry(entry: Node, what: string, at: Reader): SecondarySpec {
  if (isScalar(entry)) return at.check(entry, () => parseSecondary(at.string(entry, what), what));
  const f = fields(entry, what, at, ['origin', 'primaries', 'key', 'catalog'], ['origin', 'primaries']);
  const origin = f.get('origin')!;
  const key = f.get('key');
  const catalog = f.get('catalog');
  return {
    ...(catalog === undefined ? {} : { catalog: at.boolean(catalog, `${what}.catalog`) }),
    origin: at.check(origin, () => normalizeOrigin(at.string(origin, `${what}.origin`), `${what}.origin`)),
    primaries: at.list(f.get('primaries')!, `${what}.primaries`, true).map((p, i) =>
      at.check(p, () => parseHostPort(at.string(p, `${what}.primaries[${i}]`), `${what}.primaries[${i}]`)),
    ),
    key: key === undefined ? null : at.string(key, `${what}.key`),
  };
}

/** Typed reads of YAML nodes; each failure is a ConfigError at the node's line (also used by the services file). */
export class Reader {
  readonly problems: ConfigError[] = [];
  private readonly doc: Document;
  private readonly lines: LineCounter;
  private readonly file: string;

  constructor(doc: Document, lines: LineCounter, file: string) {
    this.doc = doc;
    this.lines = lines;
    this.file = file;
  }

  problem(node: Node, message: string): ConfigError {
    const offset = node.range?.[0];
    return new ConfigError(message, { file: this.file, line: offset === undefined ? 0 : this.lines.linePos(offset).line });
  }

  /** Aliases (`*name`) stand for the node they point at. */
  resolve(node: Node): Node {
    return isAlias(node) ? ((node.resolve(this.doc) as Node | undefined) ?? node) : node;
  }

  /** Run a validator written for command-line text; its ConfigError gets this node's line. */
  check<T>(node: Node, validate: () => T): T {
    try {
      return validate();
    } catch (err) {
      if (err instanceof ConfigError && err.context.line === undefined) throw this.problem(node, err.message);
      throw err;
    }
  }

  /** A sequence; with `single`, one value alone stands for a list of one. */
  list(node: Node, what: string, single: boolean): Node[] {
    if (isSeq(node)) return node.items.map((n) => this.resolve(n as Node));
    if (single && isScalar(node)) return [node];
    throw this.problem(node, `${what}: expected a list${single ? ' (or a single value)' : ''}, got ${describe(node)}`);
  }

  string(node: Node, what: string): string {
    if (!isScalar(node) || typeof node.value !== 'string') throw this.problem(node, `${what}: expected a string, got ${describe(node)}`);
    if (node.value === '') throw this.problem(node, `${what}: must not be empty`);
    return node.value;
  }

  path(node: Node, what: string): string {
    return this.relative(this.string(node, what));
  }

  /** A path relative to the config file's directory. */
  relative(text: string): string {
    return path.resolve(path.dirname(this.file), text);
  }

  integer(node: Node, what: string, min: number, max: number): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.problem(node, `${what}: expected a whole number, got ${describe(node)}`);
    if (v < min || v > max) throw this.problem(node, `${what}: ${v} is out of range ${min}..${max}`);
    return v;
  }

  /** A number of seconds, decimals allowed (as --drain and --tcp-idle-timeout take). */
  seconds(node: Node, what: string): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.problem(node, `${what}: expected a number of seconds, got ${describe(node)}`);
    if (v < 0 || v > 86400) throw this.problem(node, `${what}: ${v} is out of range 0..86400 seconds`);
    return v;
  }

  /** Whole seconds, or a duration string such as `14d` or `1d12h`. */
  duration(node: Node, what: string): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return this.check(node, () => parseDuration(String(v), what));
    if (typeof v === 'string') return this.check(node, () => parseDuration(v, what));
    throw this.problem(node, `${what}: expected a duration (seconds, or e.g. 14d, 12h), got ${describe(node)}`);
  }

  boolean(node: Node, what: string): boolean {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'boolean') throw this.problem(node, `${what}: expected true or false, got ${describe(node)}`);
    return v;
  }
}

/** `key:` with nothing after it. */
function isEmpty(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** How a wrong value is shown in a message: `'many'`, `12`, `a list`, `a mapping`. */
export function describe(node: Node): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) {
    if (node.value === null) return 'nothing';
    return typeof node.value === 'string' ? `'${node.value}'` : String(node.value);
  }
  return 'something else';
}

/** ` (did you mean 'workers'?)` for a key one or two edits away from a known one. */
export function suggest(key: string | null, known: readonly string[]): string {
  if (key === null) return '';
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase().replaceAll('_', '-'), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best === null ? '' : ` (did you mean '${best}'?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
