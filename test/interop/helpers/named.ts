// Start a throwaway named (BIND 9) on 127.0.0.1 as a primary for zone-transfer tests: zones copied
// into its temp dir (it writes journals beside them), `ixfr-from-differences yes` so a reload
// (SIGHUP) after an edit is offered as IXFR, NOTIFY to 127.0.0.1:`notifyPort`, transfers allowed to
// 127.0.0.1, or only with `key` when given.
import { copyFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../helpers/ports.ts';
import { absolute, spawnServer, zonesReady, type ServerHandle } from './process.ts';
import type { AlgorithmKey, ZoneFile } from './knotd.ts';

export interface NamedOptions {
  zones: ZoneFile[];
  notifyPort: number;
  key?: AlgorithmKey;
  port?: number;
  timeoutMs?: number;
}

export interface NamedHandle extends ServerHandle {
  readonly dir: string;
  /** The copy of `origin`'s zone file named serves (edit it, then reload()). */
  zoneFile(origin: string): string;
  /** SIGHUP: reload every zone (named computes the differences and sends NOTIFY). */
  reload(): void;
}

export async function startNamed(opts: NamedOptions): Promise<NamedHandle> {
  const dir = await mkdtemp(path.join(tmpdir(), 'peregrine-named-'));
  const port = opts.port ?? (await freePort());
  const q = (s: string) => JSON.stringify(s);
  const keyRef = opts.key ? ` key ${q(opts.key.name)}` : '';
  const lines = [
    'options {',
    `  directory ${q(dir)};`,
    `  pid-file ${q(path.join(dir, 'named.pid'))};`,
    `  session-keyfile ${q(path.join(dir, 'session.key'))};`,
    `  managed-keys-directory ${q(dir)};`,
    `  listen-on port ${port} { 127.0.0.1; };`,
    '  listen-on-v6 { none; };',
    '  recursion no;',
    '  dnssec-validation no;',
    '  notify explicit;',
    `  also-notify { 127.0.0.1 port ${opts.notifyPort}${keyRef}; };`,
    '  ixfr-from-differences yes;',
    `  allow-transfer { ${opts.key ? `key ${q(opts.key.name)}` : '127.0.0.1'}; };`,
    '};',
    'controls { };',
    ...(opts.key ? [`key ${q(opts.key.name)} { algorithm ${opts.key.algorithm}; secret ${q(opts.key.secret)}; };`] : []),
  ];
  const files = new Map<string, string>();
  for (const z of opts.zones) {
    const file = path.join(dir, `${absolute(z.origin)}zone`);
    copyFileSync(z.file, file);
    files.set(absolute(z.origin), file);
    lines.push(`zone ${q(absolute(z.origin))} { type primary; file ${q(file)}; };`);
  }
  const conf = path.join(dir, 'named.conf');
  await writeFile(conf, `${lines.join('\n')}\n`);
  const proc = spawnServer('named', ['-g', '-n', '1', '-c', conf], { cwd: dir });
  const stop = await zonesReady('named', proc, port, dir, opts);
  return {
    name: 'named',
    port,
    dir,
    output: proc.output,
    stop,
    zoneFile: (origin) => files.get(absolute(origin))!,
    reload: () => void proc.child.kill('SIGHUP'),
  };
}
