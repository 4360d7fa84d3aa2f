// bench `--only rebuild`: a full rebuild (SIGHUP) of many small zones plus one big one in a
// --zone-dir, with /healthz polled every 10 ms throughout; how long the rebuild takes, how slow
// /healthz gets, and the primary's RSS before, during and after (the build threads' heaps go with
// them after the build pool's idle timeout).

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './servers.ts';
import { ORIGIN } from './workload.ts';

export interface RebuildResult {
  smallZones: number;
  bigNames: number;
  startMs: number;
  rebuildMs: number;
  healthz: { polls: number; maxMs: number; p99Ms: number; p50Ms: number; failed: number };
  rssMiB: { before: number; peak: number; after: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

function smallZone(i: number): string {
  return `$ORIGIN z${i}.test.\n$TTL 300\n@ SOA ns1 hm 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.${i % 250}\nmail A 192.0.2.25\n@ MX 10 mail\n`;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const r1 = (n: number) => Math.round(n * 10) / 10;

/** `writeBig(file)` writes the big zone (origin ORIGIN) there. */
export async function measureRebuild(o: {
  dir: string;
  smallZones: number;
  bigNames: number;
  writeBig: (file: string) => Promise<void>;
  workers: number;
  progress: (msg: string) => void;
}): Promise<RebuildResult> {
  const zones = path.join(o.dir, 'zones');
  mkdirSync(zones, { recursive: true });
  o.progress(`rebuild: writing ${o.smallZones} small zones and one of ${o.bigNames} names`);
  for (let i = 0; i < o.smallZones; i++) writeFileSync(path.join(zones, `z${i}.test.zone`), smallZone(i));
  await o.writeBig(path.join(zones, `${ORIGIN}zone`));
  const total = o.smallZones + 1;

  const dns = await freePort();
  const http = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [
    path.join(ROOT, 'bin/peregrine.js'), 'serve', '--zone-dir', zones,
    '--listen', `127.0.0.1:${dns}`, '--http', `127.0.0.1:${http}`, '--workers', String(o.workers), '--drain', '0',
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Count the zone_reloaded lines (one per zone when a rebuild has gone into service).
  let reloaded = 0;
  let lastReloadedAt = 0;
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    // Cheap, so that reading 10k log lines does not delay the /healthz timings of this process.
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.includes('"event":"zone_reloaded"')) {
        reloaded++;
        lastReloadedAt = performance.now();
      }
    }
  });
  const healthz = async (): Promise<number | null> => {
    try {
      const res = await fetch(`http://127.0.0.1:${http}/healthz`, { signal: AbortSignal.timeout(10_000) });
      await res.text();
      return res.status;
    } catch {
      return null;
    }
  };
  try {
    o.progress(`rebuild: peregrine serve --zone-dir (${total} zones), waiting for /healthz 200`);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`peregrine exited with ${child.exitCode}`);
      if ((await healthz()) === 200) break;
      if (performance.now() - t0 > 900_000) throw new Error('rebuild: not serving after 900 s');
      await sleep(250);
    }
    const startMs = Math.round(performance.now() - t0);
    await sleep(15_000); // the build threads idle out (2 s) and their heaps go (some 10 s later)
    const before = rssMiB(child.pid!);

    o.progress('rebuild: SIGHUP, polling /healthz every 10 ms');
    const latencies: number[] = [];
    let failed = 0;
    let peak = before;
    let lastRss = 0;
    const sent = performance.now();
    child.kill('SIGHUP');
    while (reloaded < total) {
      if (child.exitCode !== null) throw new Error(`peregrine exited with ${child.exitCode}`);
      if (performance.now() - sent > 900_000) throw new Error(`rebuild: ${reloaded}/${total} zones after 900 s`);
      const t = performance.now();
      if ((await healthz()) !== 200) failed++;
      latencies.push(performance.now() - t);
      if (process.env.REBUILD_DEBUG && performance.now() - t > 50) console.error(`slow /healthz at +${Math.round(t - sent)} ms: ${Math.round(performance.now() - t)} ms (${reloaded} reloaded)`);
      if (t - lastRss > 100) {
        peak = Math.max(peak, rssMiB(child.pid!));
        lastRss = t;
      }
      await sleep(Math.max(0, 10 - (performance.now() - t)));
    }
    const rebuildMs = Math.round(lastReloadedAt - sent);
    await sleep(15_000);
    const after = rssMiB(child.pid!);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      smallZones: o.smallZones,
      bigNames: o.bigNames,
      startMs,
      rebuildMs,
      healthz: { polls: latencies.length, maxMs: r1(sorted.at(-1) ?? 0), p99Ms: r1(quantile(sorted, 0.99)), p50Ms: r1(quantile(sorted, 0.5)), failed },
      rssMiB: { before, peak, after },
    };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}
