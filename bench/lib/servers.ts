// The three servers under test, each started on 127.0.0.1 (free port) with W workers and the
// same zone file. Reuses the interop suite's process plumbing (spawn, readiness by SOA query).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/helpers/ports.ts';
import { healthz } from '../../test/interop/helpers/peregrine.ts';
import { nsdServerLines } from '../../test/interop/helpers/nsd.ts';
import {
  answersSoa, spawnServer, waitUntil, zonesReady, type Spawned,
} from '../../test/interop/helpers/process.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Running {
  name: string;
  port: number;
  pid: number;
  /** How it was configured (for the results file). */
  settings: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  origin: string;
  file: string;
  workers: number;
  timeoutMs?: number;
  /** Called with the server's pid as soon as it is spawned (memory sampling while it loads). */
  onSpawn?: (pid: number) => void;
  /** How often readiness (an SOA answer) is polled, ms (default 100; 50 for Peregrine). */
  pollMs?: number;
}

export async function startKnotd(o: StartOptions): Promise<Running> {
  const dir = await mkdtemp(path.join(tmpdir(), 'peregrine-bench-knotd-'));
  await mkdir(path.join(dir, 'db'));
  const port = await freePort();
  const settings = [
    `udp-workers: ${o.workers}`, 'tcp-workers: 1', 'background-workers: 1',
    'rate-limit: 0 (off, the default)', 'semantic-checks: off', 'udp-max-payload: 1232',
  ];
  const conf = [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: 127.0.0.1@${port}`,
    `    udp-workers: ${o.workers}`,
    '    tcp-workers: 1',
    '    background-workers: 1',
    '    udp-max-payload: 1232',
    '    nsid: ""',
    'log:',
    '  - target: stderr',
    '    any: warning',
    'database:',
    `    storage: "${path.join(dir, 'db')}"`,
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    '    semantic-checks: off',
    'zone:',
    `  - domain: "${o.origin}"`,
    `    file: "${path.resolve(o.file)}"`,
    '',
  ].join('\n');
  const config = path.join(dir, 'knot.conf');
  await writeFile(config, conf);
  const proc = spawnServer('knotd', ['-c', config, '-s', path.join(dir, 'knot.sock')], { cwd: dir });
  if (proc.child.pid !== undefined) o.onSpawn?.(proc.child.pid);
  const stop = await zonesReady('knotd', proc, port, dir, { zones: [{ origin: o.origin }], timeoutMs: o.timeoutMs ?? 120_000, intervalMs: o.pollMs });
  return { name: 'knotd', port, pid: proc.child.pid!, settings, stop };
}

export async function startNsd(o: StartOptions): Promise<Running> {
  const dir = await mkdtemp(path.join(tmpdir(), 'peregrine-bench-nsd-'));
  const port = await freePort();
  const q = (s: string) => JSON.stringify(s);
  // Debian's NSD is built with --enable-ratelimit: RRL is ON by default at 200 qps per
  // source block, which would cap a benchmark from one address. Off here, with its
  // whitelist limit too. reuseport gives each server process its own socket (as Knot and
  // Peregrine have); the default (no) makes W processes share one.
  const settings = [
    `server-count: ${o.workers}`, 'rrl-ratelimit: 0', 'rrl-whitelist-ratelimit: 0',
    `reuseport: ${o.workers > 1 ? 'yes' : 'no'}`, 'ipv4-edns-size: 1232', 'verbosity: 0',
  ];
  const lines = [
    ...nsdServerLines(dir, port),
    `    server-count: ${o.workers}`,
    `    reuseport: ${o.workers > 1 ? 'yes' : 'no'}`,
    '    rrl-ratelimit: 0',
    '    rrl-whitelist-ratelimit: 0',
    '    verbosity: 0',
    '    ipv4-edns-size: 1232',
    'remote-control:',
    '    control-enable: no',
    'zone:',
    `    name: ${q(o.origin)}`,
    `    zonefile: ${q(path.resolve(o.file))}`,
  ];
  const conf = path.join(dir, 'nsd.conf');
  await writeFile(conf, `${lines.join('\n')}\n`);
  const proc = spawnServer('nsd', ['-d', '-c', conf], { cwd: dir });
  if (proc.child.pid !== undefined) o.onSpawn?.(proc.child.pid);
  const stop = await zonesReady('nsd', proc, port, dir, { zones: [{ origin: o.origin }], timeoutMs: o.timeoutMs ?? 120_000, intervalMs: o.pollMs });
  return { name: 'nsd', port, pid: proc.child.pid!, settings, stop };
}

export { healthz };

export interface PeregrineRunning extends Running {
  httpPort: number;
  proc: Spawned;
  /** ms from spawn to the first SOA answer. */
  startMs: number;
}

export interface PeregrineStart extends StartOptions {
  /** Extra Node flags (e.g. --cpu-prof) placed before the script. */
  nodeArgs?: string[];
  cwd?: string;
  /** `--io` (UDP I/O); omitted: the server's default. */
  io?: string;
}

export async function startPeregrine(o: PeregrineStart): Promise<PeregrineRunning> {
  const port = await freePort();
  const httpPort = await freePort();
  const args = [
    ...(o.nodeArgs ?? []),
    path.join(ROOT, 'bin/peregrine.js'), 'serve',
    '--zone', `${o.origin}=${path.resolve(o.file)}`,
    '--listen', `127.0.0.1:${port}`, '--http', `127.0.0.1:${httpPort}`,
    '--workers', String(o.workers), '--drain', '0', '--max-udp-size', '1232',
    ...(o.io === undefined ? [] : ['--io', o.io]),
  ];
  const t0 = performance.now();
  const proc = spawnServer(process.execPath, args, { cwd: o.cwd ?? ROOT });
  if (proc.child.pid !== undefined) o.onSpawn?.(proc.child.pid);
  try {
    await waitUntil('peregrine', proc, () => answersSoa(port, o.origin), o.timeoutMs ?? 180_000, o.pollMs ?? 50);
  } catch (err) {
    await proc.stop(3_000);
    throw err;
  }
  const startMs = performance.now() - t0;
  return {
    name: 'peregrine', port, httpPort, pid: proc.child.pid!, proc, startMs,
    settings: [`--workers ${o.workers}`, '--max-udp-size 1232', '--drain 0', ...(o.io === undefined ? [] : [`--io ${o.io}`])],
    stop: () => proc.stop(),
  };
}
