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
  parseHostPort,
  parseInteger,
  parseIoMode,
  parseSeconds,
  parseZoneSpec,
  resolveServeOptions,
  type ServeOptions,
  type ServeSettings,
} from './config/serve-options.ts';
import { formatDuration, parseDuration } from './config/duration.ts';
import { ConfigError, ConfigFileError, PeregrineError, ZoneDataError } from './errors.ts';
import { readZone } from './primary/zone-reader.ts';
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
                  [--expiry-warning DURATION] [--state-dir DIR] [--io dgram|mmsg]
  peregrine check FILE [--origin NAME] [--expiry-warning DURATION]
  peregrine --version

serve defaults: --listen ${DEFAULT_LISTEN} --http ${DEFAULT_HTTP} --workers <CPUs>
  --drain ${DEFAULT_DRAIN_SECONDS} --max-udp-size ${DEFAULT_MAX_UDP_PAYLOAD} --identity <hostname>
  --tcp-idle-timeout ${DEFAULT_TCP_IDLE_SECONDS} --tcp-max-connections ${DEFAULT_TCP_MAX_CONNECTIONS}
--config FILE: YAML with the same settings (examples/peregrine.yaml); a flag given wins over the file.
Zone files are watched: an edit is served within a second, a broken one is logged and the last
  good version keeps serving. SIGHUP reloads every zone.
check and serve warn of RRSIGs expired or expiring within --expiry-warning (default 7d; seconds,
  or units w d h m s as in 14d, 12h); warnings do not change the exit code.
A zone's origin is ORIGIN if given, else the file's $ORIGIN, else its file name without .zone.
IPv6 listen addresses are written in brackets: [::1]:8053.
--state-dir DIR keeps what must survive a restart (API zones, transferred zones); default: nothing kept.
--io mmsg reads and writes UDP in batches (recvmmsg/sendmmsg, native addon built at npm ci); dgram
  uses Node's sockets. Default: mmsg where the addon is built, else dgram (logged).
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
  io: { type: 'string' },
  config: { type: 'string' },
  // In the command-line contract, not built yet: accepted by the parser so the error says so.
  tinydns: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const CHECK_ARGS = {
  origin: { type: 'string' },
  'expiry-warning': { type: 'string' },
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
  if (positionals.length !== 1) {
    throw new ConfigError(positionals.length === 0 ? 'check: a zone FILE is required' : 'check: exactly one FILE, please');
  }
  const file = positionals[0];
  const window =
    values['expiry-warning'] === undefined
      ? DEFAULT_EXPIRY_WARNING_SECONDS
      : parseDuration(values['expiry-warning'], '--expiry-warning');
  const result = readZone(file, values.origin ?? null);
  if (!result.ok) {
    io.out(result.errors.map((e) => formatProblem(file, e)).join(''));
    return EXIT_FAILURE;
  }
  const now = new Date();
  const signatures = signatureStatus(result.zone, now, window);
  io.out(signatureWarnings(file, signatures, now));
  io.out(`${file}: OK, ${result.origin}, ${result.zone.records.length} records${signedSummary(signatures)}\n`);
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

function formatProblem(file: string, err: PeregrineError): string {
  if (err instanceof ZoneDataError) return `${err.toString()}\n`;
  return `${err.context.file ?? file}:${err.context.line ?? 0}: ${err.message}\n`;
}

async function runServe(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseServeArgs(argv);
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new ConfigError(`serve: unexpected argument '${positionals[0]}' (zones are given with --zone FILE)`);
  if (values.tinydns !== undefined) throw new ConfigError('serve: --tinydns is not implemented yet');
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
    io: given(values.io, (t) => parseIoMode(t, '--io')),
  };
}
