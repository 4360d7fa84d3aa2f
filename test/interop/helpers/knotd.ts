// Start a throwaway knotd (Knot DNS) on 127.0.0.1 serving the given zone files.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../helpers/ports.ts';
import { absolute, spawnServer, zonesReady, type ServerHandle } from './process.ts';

export interface ZoneFile {
  /** Zone origin, with or without the trailing dot. */
  origin: string;
  /** Zone file path (made absolute). */
  file: string;
}

export interface KnotOptions {
  zones: ZoneFile[];
  /** Port to listen on (UDP+TCP); a free one if omitted. */
  port?: number;
  /** CHAOS id.server./hostname.bind. answer. Empty string disables. */
  identity?: string;
  /** CHAOS version.bind./version.server. answer. Empty string disables. */
  version?: string;
  /** NSID option data in answers (Knot's `nsid`: text, or 0x… hex); default: none. */
  nsid?: string;
  /** Extra raw lines appended to the `server:` section (4-space indented by the caller). */
  extraServer?: string[];
  /**
   * Allow AXFR, but only when signed with this TSIG key (so unsigned transfer requests
   * are still refused exactly as without it). Used to enumerate zone contents.
   */
  transferKey?: TsigKey;
  /** Raw top-level sections (e.g. a `mod-rrl:` section), placed before `template:`. */
  extraSections?: string[];
  /** Extra raw lines of the default template (4-space indented by the caller), e.g. `global-module`. */
  extraTemplate?: string[];
  /** Zone transfers with Peregrine (transfer-*.test.ts); replaces transferKey's ACL. */
  transfer?: KnotTransfer;
  /** Keep the temp dir after stop() (debugging). */
  keepDir?: boolean;
  /** Readiness timeout. */
  timeoutMs?: number;
  /** The zones whose SOA answer means ready (default: every zone; fewer when some are expected not to load). */
  ready?: ZoneFile[];
  /** `semantic-checks` (default on); false: Knot's default (mandatory checks only). */
  semanticChecks?: boolean;
}

export interface TsigKey {
  name: string;
  /** hmac-sha256 secret, base64. */
  secret: string;
}

/** A TSIG key with its algorithm (hmac-sha256, hmac-sha512, hmac-sha1, …). */
export interface AlgorithmKey extends TsigKey {
  algorithm: string;
}

/**
 * knotd as a secondary of a primary on 127.0.0.1:`primaryPort` (its zones' files are not read;
 * NOTIFY accepted from 127.0.0.1), or as a primary that keeps a journal of the differences
 * between zone file versions (IXFR), lets 127.0.0.1 transfer and NOTIFYs 127.0.0.1:`notifyPort`.
 * With `key`, transfers and NOTIFY in both directions must be signed with it.
 */
export interface KnotTransfer {
  primaryPort?: number;
  notifyPort?: number;
  key?: AlgorithmKey;
}

function transferLines(t: KnotTransfer): { top: string[]; template: string[]; zone: string[] } {
  const q = (s: string) => JSON.stringify(s);
  const secondary = t.primaryPort !== undefined;
  const port = secondary ? t.primaryPort : t.notifyPort;
  const top = [
    ...(t.key ? ['key:', `  - id: ${q(t.key.name)}`, `    algorithm: ${t.key.algorithm}`, `    secret: ${q(t.key.secret)}`, ''] : []),
    'remote:',
    '  - id: peer',
    `    address: 127.0.0.1@${port}`,
    ...(t.key ? [`    key: ${q(t.key.name)}`] : []),
    '',
    'acl:',
    '  - id: peer-acl',
    '    address: 127.0.0.1',
    ...(t.key ? [`    key: ${q(t.key.name)}`] : []),
    `    action: ${secondary ? 'notify' : 'transfer'}`,
    '',
  ];
  // A primary keeps the differences between the zone file versions it loads (IXFR out).
  const template = secondary ? [] : ['    journal-content: changes', '    zonefile-load: difference'];
  const zone = secondary ? ['    master: peer', '    acl: peer-acl'] : ['    notify: peer', '    acl: peer-acl'];
  return { top, template, zone };
}

/** Key used by the suite to read zones back from knotd with AXFR (test-only secret). */
export const INTEROP_TSIG: TsigKey = {
  name: 'interop-axfr',
  secret: Buffer.from('peregrine interop suite, not a secret').toString('base64'),
};

export interface KnotHandle extends ServerHandle {
  readonly dir: string;
  readonly config: string;
}

/** Identity/version strings the suite configures on every server under test. */
export const TEST_IDENTITY = 'peregrine-test';
export const TEST_VERSION = 'peregrine-test';

function yamlQuote(s: string): string {
  return JSON.stringify(s);
}

export function knotConfig(dir: string, port: number, opts: KnotOptions): string {
  const xfr = opts.transfer ? transferLines(opts.transfer) : null;
  const lines = [
    'server:',
    `    rundir: ${yamlQuote(dir)}`,
    `    listen: 127.0.0.1@${port}`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    `    identity: ${yamlQuote(opts.identity ?? TEST_IDENTITY)}`,
    `    version: ${yamlQuote(opts.version ?? TEST_VERSION)}`,
    // No NSID option in answers (Knot's default is the hostname).
    `    nsid: ${yamlQuote(opts.nsid ?? '')}`,
    // Knot's default, spelled out: UDP answers never exceed 1232 bytes even if the
    // client advertises more.
    '    udp-max-payload: 1232',
    // Knot's default, spelled out: RRsets in canonical order, no rotation.
    '    answer-rotation: off',
    ...(opts.extraServer ?? []),
    '',
    'log:',
    '  - target: stderr',
    '    any: info',
    '',
    ...(xfr?.top ?? []),
    ...(opts.transferKey && !xfr
      ? [
          'key:',
          `  - id: ${yamlQuote(opts.transferKey.name)}`,
          '    algorithm: hmac-sha256',
          `    secret: ${yamlQuote(opts.transferKey.secret)}`,
          '',
          'acl:',
          '  - id: interop-transfer',
          '    address: 127.0.0.1',
          `    key: ${yamlQuote(opts.transferKey.name)}`,
          '    action: transfer',
          '',
        ]
      : []),
    'database:',
    `    storage: ${yamlQuote(path.join(dir, 'db'))}`,
    '',
    ...(opts.extraSections ?? []),
    'template:',
    '  - id: default',
    `    storage: ${yamlQuote(dir)}`,
    '    zonefile-sync: -1',
    ...(xfr !== null && xfr.template.length > 0 ? xfr.template : ['    zonefile-load: whole', '    journal-content: none']),
    `    semantic-checks: ${opts.semanticChecks === false ? 'off' : 'on'}`,
    ...(opts.transferKey && !xfr ? ['    acl: interop-transfer'] : []),
    ...(opts.extraTemplate ?? []),
    '',
    'zone:',
  ];
  for (const z of opts.zones) {
    lines.push(`  - domain: ${yamlQuote(absolute(z.origin))}`);
    // A secondary's zone lives in its storage (the temp dir); knotd never reads the given file.
    if (opts.transfer?.primaryPort === undefined) lines.push(`    file: ${yamlQuote(path.resolve(z.file))}`);
    lines.push(...(xfr?.zone ?? []));
  }
  return lines.join('\n') + '\n';
}

export async function startKnot(opts: KnotOptions): Promise<KnotHandle> {
  const dir = await mkdtemp(path.join(tmpdir(), 'peregrine-knotd-'));
  await mkdir(path.join(dir, 'db'));
  const port = opts.port ?? (await freePort());
  const config = path.join(dir, 'knot.conf');
  await writeFile(config, knotConfig(dir, port, opts));
  // knotd stays in the foreground unless -d is given; -s keeps the control socket
  // inside the temp dir.
  const proc = spawnServer('knotd', ['-c', config, '-s', path.join(dir, 'knot.sock')], { cwd: dir });
  const stop = await zonesReady('knotd', proc, port, dir, { ...opts, zones: opts.ready ?? opts.zones });
  return {
    name: 'knotd',
    port,
    dir,
    config,
    output: proc.output,
    stop,
  };
}

export interface ZoneRecord {
  owner: string;
  ttl: number;
  rrclass: string;
  type: string;
  rdata: string;
}

/** AXFR a zone from knotd with kdig (signed with `key`), as presentation-format records. */
export function axfr(port: number, origin: string, key: TsigKey = INTEROP_TSIG): Promise<ZoneRecord[]> {
  const args = [
    '-y', `hmac-sha256:${key.name}:${key.secret}`,
    '@127.0.0.1', '-p', String(port),
    absolute(origin), 'AXFR',
    '+noall', '+answer', '+nocrypto', '+noidn',
  ];
  return new Promise((resolve, reject) => {
    execFile('kdig', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`kdig AXFR ${origin} failed: ${err.message}\n${stderr}`));
      const records: ZoneRecord[] = [];
      for (const line of stdout.split('\n')) {
        if (line.trim() === '' || line.startsWith(';')) continue;
        const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
        if (!m) return reject(new Error(`kdig AXFR ${origin}: cannot read line '${line}'`));
        records.push({ owner: m[1], ttl: Number(m[2]), rrclass: m[3], type: m[4], rdata: m[5] });
      }
      if (records.length < 2 || records[0].type !== 'SOA') {
        return reject(new Error(`kdig AXFR ${origin}: no transfer (output: ${stdout}${stderr})`));
      }
      resolve(records);
    });
  });
}
