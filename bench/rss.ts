// Memory of the appliance by worker count: one copy of each zone image, whatever the number
// of workers. Generates a zone of N names, starts `peregrine serve` with 1 and then W
// workers, waits until it serves, and reads the process RSS (workers are threads of it).
//
//   node_modules/.bin/node bench/rss.ts [--names 1000000] [--workers 4]
//
// Writes bench/results/rss-<date>.json. A measurement, not a test.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';

const { values } = parseArgs({
  options: { names: { type: 'string', default: '1000000' }, workers: { type: 'string', default: '4' } },
});
const names = Number(values.names);
const workers = Number(values.workers);
const root = path.resolve(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function measure(zone: string, count: number): Promise<{ workers: number; rssMiB: number; startSeconds: number }> {
  const dns = await freePort();
  const http = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [
    path.join(root, 'bin/peregrine.js'), 'serve', '--zone', `bench.test.=${zone}`,
    '--listen', `127.0.0.1:${dns}`, '--http', `127.0.0.1:${http}`, '--workers', String(count), '--drain', '0',
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`peregrine exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${http}/healthz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const startSeconds = (performance.now() - started) / 1000;
    // Let the compiler's garbage go, and the build thread end with its heap: it idles out after
    // 2 s, and its ~3 GB are back with the OS some 10 s after the zone is served.
    await new Promise((r) => setTimeout(r, 15_000));
    return { workers: count, rssMiB: Math.round(rssKiB(child.pid!) / 1024), startSeconds: Number(startSeconds.toFixed(1)) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-rss-'));
try {
  const zone = path.join(dir, 'bench.zone');
  const lines = ['$ORIGIN bench.test.', '$TTL 300', '@ SOA ns hm 1 7200 3600 1209600 300', '@ NS ns', 'ns A 192.0.2.1'];
  for (let i = 0; i < names; i++) lines.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  writeFileSync(zone, `${lines.join('\n')}\n`);
  const rows = [await measure(zone, 1), await measure(zone, workers)];
  console.log(`zone of ${names} names, ${availableParallelism()} cores`);
  console.log('workers  RSS MiB  start to first answer (s)');
  for (const r of rows) console.log(`${String(r.workers).padStart(7)}  ${String(r.rssMiB).padStart(7)}  ${r.startSeconds}`);
  console.log(`RSS added by ${workers - 1} more workers: ${rows[1].rssMiB - rows[0].rssMiB} MiB`);
  const out = path.join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `rss-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), cores: availableParallelism(), names, rows }, null, 2)}\n`);
  console.log(`written ${path.relative(root, file)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
