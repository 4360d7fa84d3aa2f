// Command-line entry point: `peregrine serve` and `peregrine check`, their arguments and exit codes.

import { parseArgs } from 'node:util';
import { readConfigFile } from './config/config-file.ts';
import {
  DEFAULT_DRAIN_SECONDS,
  DEFAULT_HTTP,
  DEFAULT_LISTEN,
  DEFAULT_MAX_UDP_PAYLOAD,
  DEFAULT_TCP_IDLE_SECONDS,
  DEFAULT_TCP_MAX_CONNECTIONS,
  DEFAULT_TCP_MAX_LIFETIME_SECONDS,
  DEFAULT_TCP_MAX_MESSAGE,
  DEFAULT_TCP_MAX_PER_CLIENT,
  DEFAULT_TCP_MAX_QUERIES,
  DEFAULT_RRL_SLIP,
  parseAllowTransfer,
  parseHostPort,
  parseInteger,
  parseGeo,
  normalizeOrigin,
  parseSecondary,
  parseIoMode,
  parseSerialPolicy,
  parseSeconds,
  parseZoneSpec,
  resolveServeOptions,
  type ServeOptions,
  type ServeSettings,
} from './config/serve-options.ts';
import { parseCidr } from './config/cidr.ts';
import { parseNsid } from './answer/edns-options.ts';
import { verifyZonemd } from './zone/zonemd.ts';
import { formatDuration, parseDuration } from './config/duration.ts';
import { ConfigError, ConfigFileError, PeregrineError, ZoneDataError } from './errors.ts';
import path from 'node:path';
import { readZone } from './primary/zone-reader.ts';
import { buildTinydns } from './sources/tinydns/build.ts';
import { VERSION } from './version.ts';
import {
  DEFAULT_EXPIRY_WARNING_SECONDS,
  signatureStatus,
  type SignatureStatus,
} from './zone/signatures.ts';
import { typeToText } from './zone/types.ts';

/** Exit codes: 0 fine, 1 the work failed (bad zone, cannot listen), 2 the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const USAGE = `usage:
  peregrine serve [--config FILE] [--zone FILE | --zone ORIGIN=FILE]... [--zone-dir DIR]...
                  [--listen HOST:PORT]... [--workers N] [--http HOST:PORT]
                  [--drain SECONDS] [--max-udp-size N] [--identity STR]
                  [--version-string STR] [--no-chaos]
                  [--tcp-idle-timeout SECONDS] [--tcp-max-connections N]
                  [--expiry-warning DURATION] [--state-dir DIR] [--tinydns FILE]...
                  [--services FILE]... [--registry FILE]...
                  [--tcp-max-per-client N] [--tcp-max-lifetime SECONDS] [--tcp-max-queries N]
                  [--tcp-max-message N] [--rrl RATE] [--rrl-slip N] [--rrl-whitelist CIDR]...
                  [--user NAME] [--group NAME]
                  [--api-token-file FILE]
                  [--allow-transfer CIDR]... [--notify HOST:PORT]...
                  [--secondary ORIGIN=HOST:PORT[,HOST:PORT]]...
                  [--geo ORIGIN=FILE]... [--ecs]
                  [--io dgram|mmsg] [--zone-metrics-max N] [--serial-policy warn|refuse|increment]
                  [--nsid STR] [--cookie-secret-file FILE]
                  [--zonemd-verify] [--dnstap SOCKET] [--dnstap-sample N]
                  [--catalog ORIGIN] [--catalog-consumer ORIGIN=HOST:PORT[,HOST:PORT]]...
                  [--tls-listen HOST:PORT]... [--tls-cert FILE] [--tls-key FILE]
  peregrine check FILE [--origin NAME] [--expiry-warning DURATION] [--strict] [--zonemd]
  peregrine check --tinydns FILE [--strict]
  peregrine check --config FILE
  peregrine --version

serve defaults: --listen ${DEFAULT_LISTEN} --http ${DEFAULT_HTTP} --workers <CPUs>
  --drain ${DEFAULT_DRAIN_SECONDS} --max-udp-size ${DEFAULT_MAX_UDP_PAYLOAD} --identity <hostname>
  --tcp-idle-timeout ${DEFAULT_TCP_IDLE_SECONDS} --tcp-max-connections ${DEFAULT_TCP_MAX_CONNECTIONS}
  --tcp-max-per-client ${DEFAULT_TCP_MAX_PER_CLIENT} --tcp-max-lifetime ${DEFAULT_TCP_MAX_LIFETIME_SECONDS} --tcp-max-queries ${DEFAULT_TCP_MAX_QUERIES} (0: no limit)
  --tcp-max-message ${DEFAULT_TCP_MAX_MESSAGE} --rrl 0 (off) --rrl-slip ${DEFAULT_RRL_SLIP}
--rrl RATE: UDP responses per second per client prefix (/24, /56) and response class; the
  surplus is dropped, every --rrl-slip-th sent truncated (TC=1). TCP is never rate limited.
--user NAME [--group NAME]: started as root, drop to this user once every socket is bound.
--config FILE: YAML with the same settings (examples/peregrine.yaml); a flag given wins over the file.
Zone files are watched: an edit is served within a second, a broken one is logged and the last
  good version keeps serving. SIGHUP reloads every zone.
check and serve warn of RRSIGs expired or expiring within --expiry-warning (default 7d; seconds,
  or units w d h m s as in 14d, 12h); warnings do not change the exit code.
A zone's origin is ORIGIN if given, else the file's $ORIGIN, else its file name without .zone.
IPv6 listen addresses are written in brackets: [::1]:8053.
--state-dir DIR keeps what must survive a restart (API zones, transferred zones); default: nothing kept.
--tinydns FILE serves the zones of a tinydns-data file (each . or Z line a zone), answering as
  tinydns does; watched like zone files. check reads FILE as tinydns data with --tinydns, or when
  it is named \`data\` (the name tinydns-data reads).
--services FILE serves a zone of health-checked service names (YAML); --registry FILE a zone of
  names and addresses from a JSON file another system rewrites. Both are watched.
Control API on --http (PUT/DELETE /zones/NAME, GET/PUT/DELETE /zones/NAME/records/OWNER/TYPE,
  POST /zones/NAME/reload): changes need --state-dir; requests need 'Authorization: Bearer TOKEN'
  when --api-token-file FILE is given, and it must be given when --http is not a loopback address.
Zone transfers: --allow-transfer CIDR lets those clients AXFR/IXFR our zones (default: nobody;
  TSIG keys from the config file's tsig-keys also allow); --notify HOST:PORT sends NOTIFY there after
  every serial change; --secondary ORIGIN=HOST:PORT serves ORIGIN transferred from that primary.
--geo ORIGIN=FILE answers the owners of a Knot mod-geoip file by client network (subnet mode; config
  geo: for weighted mode and TTL); --ecs uses the EDNS Client Subnet address and answers its scope.
--serial-policy: a zone file whose content changed but not its serial is served with a warning
  (warn, the default), not served (refuse: the previous version keeps serving), or served with a
  serial one more than the last served (increment; kept in --state-dir if given).
check lists every problem at once; warnings (zone data knotd and NSD serve, but probably a mistake)
  do not change the exit code unless --strict. check --config FILE validates a config file (exit 0 or 2).
Catalogs (RFC 9432): --catalog ORIGIN generates a catalog zone listing our zones; --catalog-consumer
  ORIGIN=HOST:PORT transfers that catalog and serves each of its members from the same primaries.
--tls-listen HOST:PORT answers DNS over TLS (and zone transfers over it) with --tls-cert/--tls-key
  (PEM, re-read on SIGHUP).
--io mmsg reads and writes UDP in batches (recvmmsg/sendmmsg, native addon built at npm ci); dgram
  uses Node's sockets. Default: mmsg where the addon is built, else dgram (logged).
--zone-metrics-max N: zones with a peregrine_zone_queries_total series of their own (default 10000;
  the rest count as zone="_other"; 0: none).
One server per address: serve exits 1 if another Peregrine serves one of its --listen addresses.
--zonemd-verify refuses a zone version whose ZONEMD (RFC 8976, SIMPLE, SHA-384/512) does not match
  (the last good version keeps serving); check --zonemd verifies it too.
--dnstap SOCKET sends AUTH_QUERY/AUTH_RESPONSE dnstap messages over Frame Streams to a collector's Unix
  socket (--dnstap-sample N: 1 query in N); a slow or absent collector loses messages, never queries.
--nsid STR answers NSID (RFC 5001) with STR (0x… for hex bytes); default: not sent.
DNS cookies (RFC 7873/9018) are always answered; --cookie-secret-file FILE shares the secret between
  servers (first line 32 hex digits, optional second line the previous secret); default: random per start.
`;

const SERVE_ARGS = {
  zone: { type: 'string', multiple: true },
  'zone-dir': { type: 'string', multiple: true },
  listen: { type: 'string', multiple: true },
  workers: { type: 'string' },
  http: { type: 'string' },
  drain: { type: 'string' },
  'max-udp-size': { type: 'string' },
  identity: { type: 'string' },
  'version-string': { type: 'string' },
  'no-chaos': { type: 'boolean' },
  'tcp-idle-timeout': { type: 'string' },
  'tcp-max-connections': { type: 'string' },
  'expiry-warning': { type: 'string' },
  'state-dir': { type: 'string' },
  services: { type: 'string', multiple: true },
  registry: { type: 'string', multiple: true },
  'tcp-max-per-client': { type: 'string' },
  'tcp-max-lifetime': { type: 'string' },
  'tcp-max-queries': { type: 'string' },
  'tcp-max-message': { type: 'string' },
  rrl: { type: 'string' },
  'rrl-slip': { type: 'string' },
  'rrl-whitelist': { type: 'string', multiple: true },
  user: { type: 'string' },
  group: { type: 'string' },
  'api-token-file': { type: 'string' },
  nsid: { type: 'string' },
  'cookie-secret-file': { type: 'string' },
  'zonemd-verify': { type: 'boolean' },
  dnstap: { type: 'string' },
  'dnstap-sample': { type: 'string' },
  'allow-transfer': { type: 'string', multiple: true },
  notify: { type: 'string', multiple: true },
  secondary: { type: 'string', multiple: true },
  catalog: { type: 'string' },
  'catalog-consumer': { type: 'string', multiple: true },
  'tls-listen': { type: 'string', multiple: true },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  io: { type: 'string' },
  geo: { type: 'string', multiple: true },
  ecs: { type: 'boolean' },
  'zone-metrics-max': { type: 'string' },
  'serial-policy': { type: 'string' },
  config: { type: 'string' },
  tinydns: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const CHECK_ARGS = {
  origin: { type: 'string' },
  tinydns: { type: 'boolean' },
  strict: { type: 'boolean' },
  config: { type: 'string' },
  'expiry-warning': { type: 'string' },
  zonemd: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[], io: Output = processOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await runServe(rest, io);
      case 'check':
        return runCheck(rest, io);
      case '--version':
      case '-v':
        io.out(`${VERSION}\n`);
        return EXIT_OK;
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return EXIT_OK;
      case undefined:
        throw new ConfigError('a command is required');
      default:
        throw new ConfigError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof ConfigFileError) {
      // The command line is fine; the file is not. Its problems say where, the usage would not help.
      io.err(err.lines().map((line) => `peregrine: ${line}\n`).join(''));
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError || isParseArgsError(err)) {
      io.err(`peregrine: ${(err as Error).message}\n${USAGE}`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

/** parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options. */
function isParseArgsError(err: unknown): boolean {
  return err instanceof TypeError && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');
}

function runCheck(argv: string[], io: Output): number {
  const { values, positionals } = parseArgs({ args: argv, options: CHECK_ARGS, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (values.config !== undefined) {
    if (positionals.length > 0) throw new ConfigError('check --config FILE takes no zone file');
    // Validation as serve does it, without starting anything: ConfigFileError (FILE:LINE, exit 2) or OK.
    serveOptions({}, readConfigFile(values.config));
    io.out(`${values.config}: OK\n`);
    return EXIT_OK;
  }
  if (positionals.length !== 1) {
    throw new ConfigError(positionals.length === 0 ? 'check: a zone FILE is required' : 'check: exactly one FILE, please');
  }
  const file = positionals[0];
  const strict = values.strict === true;
  if (values.tinydns === true || path.basename(file) === 'data') {
    if (values.origin !== undefined) throw new ConfigError('check: --origin does not apply to tinydns data (each . or Z line is a zone)');
    return checkTinydns(file, io);
  }
  const window =
    values['expiry-warning'] === undefined
      ? DEFAULT_EXPIRY_WARNING_SECONDS
      : parseDuration(values['expiry-warning'], '--expiry-warning');
  const result = readZone(file, values.origin ?? null);
  if (!result.ok || (strict && result.warnings.length > 0)) {
    // Errors and warnings together, in file order: the whole story of the file in one pass.
    const problems = [...(result.ok ? [] : result.errors), ...result.warnings]
      .map((p) => ({ p, line: p.context.line ?? 0 }))
      .sort((a, b) => (a.p.context.file === b.p.context.file ? a.line - b.line : 0));
    io.out(problems.map(({ p }) => formatProblem(file, p, strict)).join(''));
    return EXIT_FAILURE;
  }
  io.out(result.warnings.map((w) => formatProblem(file, w, false)).join(''));
  const now = new Date();
  const signatures = signatureStatus(result.zone, now, window);
  io.out(signatureWarnings(file, signatures, now));
  // --zonemd: the zone's ZONEMD (RFC 8976) must match its contents; a zone without one passes, said so.
  let zonemd = '';
  if (values.zonemd === true) {
    const verified = verifyZonemd(result.zone);
    if (verified.status === 'mismatch') {
      io.out(`${file}: ZONEMD verification failed (PGN_ERR_ZONEMD): ${verified.reason}\n`);
      return EXIT_FAILURE;
    }
    zonemd = verified.status === 'verified' ? `, ZONEMD verified (${verified.algorithm})` : ', no ZONEMD';
  }
  io.out(`${file}: OK, ${result.origin}, ${result.zone.records.length} records${signedSummary(signatures)}${zonemd}\n`);
  return EXIT_OK;
}

/** `FILE: OK, N zones (…), M records`, or every problem as FILE:LINE: message. */
function checkTinydns(file: string, io: Output): number {
  const result = buildTinydns({ kind: 'tinydns', file });
  if (!result.ok) {
    io.out(result.errors.map((e) => formatProblem(file, e)).join(''));
    return EXIT_FAILURE;
  }
  const names = result.zones.map((z) => z.origin);
  const ignored = result.ignored > 0 ? `; ${result.ignored} record(s) in no zone, not served` : '';
  io.out(`${file}: OK, tinydns data, ${names.length} zone(s) (${names.join(' ')}), ${result.records} records${ignored}\n`);
  return EXIT_OK;
}

/** Detail lines printed before the rest is summed up in one line (the root zone has thousands). */
export const MAX_SIGNATURE_WARNINGS = 20;

/** One `FILE:LINE: warning:` line per expired or expiring RRset signature, most urgent first. */
function signatureWarnings(file: string, status: SignatureStatus, now: Date): string {
  const lines: string[] = [];
  const all = [...status.expired, ...status.expiring];
  for (const issue of all.slice(0, MAX_SIGNATURE_WARNINGS)) {
    const where = `${issue.source.file}:${issue.source.line}: warning: RRSIG for ${issue.owner} ${typeToText(issue.covered)}`;
    const at = isoSeconds(issue.expiration);
    if (issue.expiration.getTime() < now.getTime()) {
      lines.push(`${where} expired at ${at}\n`);
    } else {
      lines.push(`${where} expires in ${formatDuration((issue.expiration.getTime() - now.getTime()) / 1000)} (at ${at})\n`);
    }
  }
  const more = all.length - MAX_SIGNATURE_WARNINGS;
  if (more > 0) {
    const expiredMore = Math.max(0, status.expired.length - MAX_SIGNATURE_WARNINGS);
    lines.push(`${file}: warning: ${more} more RRSIG sets expired or expiring (${expiredMore} expired, ${more - expiredMore} expiring)\n`);
  }
  return lines.join('');
}

function signedSummary(status: SignatureStatus): string {
  if (!status.signed) return '';
  const denial = status.denial === 'none' ? 'no NSEC/NSEC3' : status.denial.toUpperCase();
  const expiry = status.earliestExpiration === null ? '' : `, earliest signature expiry ${isoSeconds(status.earliestExpiration)}`;
  return `, signed (${denial})${expiry}`;
}

/** 2017-09-04T00:00:00Z: signature times are whole seconds. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `FILE:LINE: message`; a warning says so (`FILE:LINE: warning: …`) unless --strict made it an error. */
function formatProblem(file: string, err: PeregrineError, strict = false): string {
  const warning = err.code.startsWith('PGN_WARN_') && !strict ? 'warning: ' : '';
  return `${err.context.file ?? file}:${err.context.line ?? 0}: ${warning}${err.message}\n`;
}

async function runServe(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseServeArgs(argv);
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new ConfigError(`serve: unexpected argument '${positionals[0]}' (zones are given with --zone FILE)`);
  const options = serveOptions(values, values.config === undefined ? {} : readConfigFile(values.config));
  // Loaded on demand: `check` should not pay for worker and HTTP modules.
  const { serve } = await import('./primary/serve.ts');
  return serve(options);
}

function parseServeArgs(argv: string[]) {
  return parseArgs({ args: argv, options: SERVE_ARGS, allowPositionals: true, strict: true });
}
type ServeValues = ReturnType<typeof parseServeArgs>['values'];

/** Command-line values over the config file's settings (if any), defaults for the rest; throws ConfigError. */
export function serveOptions(values: ServeValues, fromFile: ServeSettings = {}): ServeOptions {
  return resolveServeOptions(fromFile, flagSettings(values));
}

/** The settings the command line states, validated; a flag not given is undefined. */
export function flagSettings(values: ServeValues): ServeSettings {
  const given = <T>(text: string | undefined, read: (text: string) => T): T | undefined =>
    text === undefined ? undefined : read(text);
  return {
    zones: values.zone?.map(parseZoneSpec),
    zoneDirs: values['zone-dir'],
    listen: values.listen?.map((t) => parseHostPort(t, '--listen')),
    workers: given(values.workers, (t) => parseInteger(t, '--workers', 1, 1024)),
    http: given(values.http, (t) => parseHostPort(t, '--http', true)),
    drainSeconds: given(values.drain, (t) => parseSeconds(t, '--drain')),
    maxUdpPayload: given(values['max-udp-size'], (t) => parseInteger(t, '--max-udp-size', 512, 65535)),
    identity: values.identity,
    versionString: values['version-string'],
    chaos: values['no-chaos'] === true ? false : undefined,
    tcpIdleTimeoutSeconds: given(values['tcp-idle-timeout'], (t) => parseSeconds(t, '--tcp-idle-timeout')),
    tcpMaxConnections: given(values['tcp-max-connections'], (t) => parseInteger(t, '--tcp-max-connections', 1, 1_000_000)),
    expiryWarningSeconds: given(values['expiry-warning'], (t) => parseDuration(t, '--expiry-warning')),
    stateDir: values['state-dir'],
    tinydns: values.tinydns,
    services: values.services,
    registries: values.registry,
    tcpMaxPerClient: given(values['tcp-max-per-client'], (t) => parseInteger(t, '--tcp-max-per-client', 0, 1_000_000)),
    tcpMaxLifetimeSeconds: given(values['tcp-max-lifetime'], (t) => parseSeconds(t, '--tcp-max-lifetime')),
    tcpMaxQueries: given(values['tcp-max-queries'], (t) => parseInteger(t, '--tcp-max-queries', 0, 1_000_000_000)),
    tcpMaxMessage: given(values['tcp-max-message'], (t) => parseInteger(t, '--tcp-max-message', 12, 65535)),
    rrlRate: given(values.rrl, (t) => parseInteger(t, '--rrl', 0, 1_000_000)),
    rrlSlip: given(values['rrl-slip'], (t) => parseInteger(t, '--rrl-slip', 0, 100)),
    rrlWhitelist: values['rrl-whitelist']?.map((t) => parseCidr(t, '--rrl-whitelist')),
    user: values.user,
    group: values.group,
    apiTokenFile: values['api-token-file'],
    allowTransfer: values['allow-transfer']?.map((t) => parseAllowTransfer(t)),
    notify: values.notify?.map((t) => ({ address: parseHostPort(t, '--notify'), key: null })),
    secondaries: values.secondary?.map((t) => parseSecondary(t)),
    io: given(values.io, (t) => parseIoMode(t, '--io')),
    geo: values.geo?.map((t) => parseGeo(t)),
    ecs: values.ecs === true ? true : undefined,
    zoneMetricsMax: given(values['zone-metrics-max'], (t) => parseInteger(t, '--zone-metrics-max', 0, 1_000_000)),
    serialPolicy: given(values['serial-policy'], (t) => parseSerialPolicy(t, '--serial-policy')),
    nsid: given(values.nsid, (t) => parseNsid(t)),
    cookieSecretFile: values['cookie-secret-file'],
    zonemdVerify: values['zonemd-verify'] === true ? true : undefined,
    dnstap: values.dnstap,
    dnstapSample: given(values['dnstap-sample'], (t) => parseInteger(t, '--dnstap-sample', 1, 1_000_000)),
    catalog: given(values.catalog, (t) => normalizeOrigin(t, '--catalog')),
    catalogConsumers: values['catalog-consumer']?.map((t) => parseSecondary(t, '--catalog-consumer')),
    tlsListen: values['tls-listen']?.map((t) => parseHostPort(t, '--tls-listen')),
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
  };
}
