// Start a throwaway NSD on 127.0.0.1. Used by the harness self-test (a second,
// independent implementation that differs from Knot in known ways, so the diff
// machinery is shown to catch real differences).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../helpers/ports.ts';
import { absolute, spawnServer, zonesReady, type ServerHandle } from './process.ts';
import { TEST_IDENTITY, TEST_VERSION, type AlgorithmKey, type ZoneFile } from './knotd.ts';

export interface NsdOptions {
  zones: ZoneFile[];
  /**
   * NSD as a secondary of a primary on 127.0.0.1:`primaryPort` (zones transferred, their
   * files ignored; NOTIFY accepted from 127.0.0.1), signed with `key` if given.
   */
  secondaryOf?: { primaryPort: number; key?: AlgorithmKey };
  port?: number;
  keepDir?: boolean;
  timeoutMs?: number;
  /** The zones whose SOA answer means ready (default: every zone). */
  ready?: ZoneFile[];
}

/**
 * The `server:` lines every NSD started here shares: loopback port, no privilege drop or
 * chroot, every file in the throwaway directory.
 */
export function nsdServerLines(dir: string, port: number): string[] {
  const q = (s: string) => JSON.stringify(s);
  return [
    'server:',
    `    ip-address: 127.0.0.1@${port}`,
    '    username: ""',
    '    chroot: ""',
    `    zonesdir: ${q(dir)}`,
    `    pidfile: ${q(path.join(dir, 'nsd.pid'))}`,
    '    database: ""',
    `    zonelistfile: ${q(path.join(dir, 'zone.list'))}`,
    `    xfrdfile: ${q(path.join(dir, 'xfrd.state'))}`,
    `    xfrdir: ${q(dir)}`,
  ];
}

export async function startNsd(opts: NsdOptions): Promise<ServerHandle & { dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'peregrine-nsd-'));
  const port = opts.port ?? (await freePort());
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    ...nsdServerLines(dir, port),
    '    server-count: 1',
    `    identity: ${q(TEST_IDENTITY)}`,
    `    version: ${q(TEST_VERSION)}`,
    '    hide-identity: no',
    '    hide-version: no',
    '    verbosity: 1',
    '    ipv4-edns-size: 1232',
    'remote-control:',
    '    control-enable: no',
  ];
  const sec = opts.secondaryOf;
  if (sec?.key) lines.push('key:', `    name: ${q(sec.key.name)}`, `    algorithm: ${sec.key.algorithm}`, `    secret: ${q(sec.key.secret)}`);
  for (const z of opts.zones) {
    if (sec === undefined) {
      lines.push('zone:', `    name: ${q(absolute(z.origin))}`, `    zonefile: ${q(path.resolve(z.file))}`);
      continue;
    }
    const key = sec.key?.name ?? 'NOKEY';
    lines.push(
      'zone:',
      `    name: ${q(absolute(z.origin))}`,
      `    zonefile: ${q(path.join(dir, `${absolute(z.origin)}zone`))}`,
      `    request-xfr: 127.0.0.1@${sec.primaryPort} ${key}`,
      `    allow-notify: 127.0.0.1 ${key}`,
    );
  }
  const conf = path.join(dir, 'nsd.conf');
  await writeFile(conf, lines.join('\n') + '\n');
  const proc = spawnServer('nsd', ['-d', '-c', conf], { cwd: dir });
  const stop = await zonesReady('nsd', proc, port, dir, { ...opts, zones: opts.ready ?? opts.zones });
  return { name: 'nsd', port, dir, output: proc.output, stop };
}
