// One-record IXFR latency: knotd as primary of the bench zone (`names` names), Peregrine as its
// secondary; `changes` times one record is added with knotc zone-begin/zone-set/zone-commit, and
// the time from knotd answering the new serial to Peregrine answering it is measured (both polled
// every millisecond over UDP on loopback). Also /healthz latency, polled during the
// changes. Callable from bench/run.ts (`--only ixfr`) or any other section.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startKnot } from '../../test/interop/helpers/knotd.ts';
import { startPeregrine } from '../../test/interop/helpers/peregrine.ts';
import { soaSerialOf } from '../../test/interop/helpers/transfer.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { ORIGIN, zoneText } from './workload.ts';
import { ROOT } from './servers.ts';

export interface IxfrLatencyResult {
  names: number;
  changes: number;
  /** ms from spawn to Peregrine serving serial 1 (AXFR + full compile). */
  firstTransferMs: number;
  latencyMs: { p50: number; p90: number; max: number; all: number[] };
  /** How each IXFR was compiled (from Peregrine's log). */
  incremental: number;
  healthz: { polls: number; p99Ms: number; maxMs: number };
}

function knotc(config: string, sock: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('knotc', ['-c', config, '-s', sock, ...args], (err, out, errOut) => (err ? reject(new Error(`knotc ${args.join(' ')}: ${out}${errOut}`)) : resolve()));
  });
}

async function until(port: number, serial: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if ((await soaSerialOf(port, ORIGIN)) === serial) return performance.now();
    if (performance.now() > deadline) throw new Error(`port ${port}: serial ${serial} not served within ${timeoutMs} ms`);
    // A 1 ms pause: a tight loop would take a core from the servers measured.
    await new Promise((r) => setTimeout(r, 1));
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

export async function measureIxfrLatency(o: { names: number; changes: number; workers?: number }): Promise<IxfrLatencyResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-bench-ixfr-'));
  const file = path.join(dir, 'bench.test.zone');
  writeFileSync(file, zoneText(o.names));
  const port = await freePort();
  const knot = await startKnot({ zones: [{ origin: ORIGIN, file }], transfer: { notifyPort: port }, timeoutMs: 600_000 });
  const sock = path.join(knot.dir, 'knot.sock');
  const config = path.join(dir, 'peregrine.yaml');
  writeFileSync(config, ['secondary:', `  - { origin: ${ORIGIN}, primaries: ["127.0.0.1:${knot.port}"] }`].join('\n') + '\n');
  const started = performance.now();
  const peregrine = await startPeregrine({ root: ROOT, zones: [], port, extraArgs: ['--config', config, '--state-dir', path.join(dir, 'state'), '--workers', String(o.workers ?? 1)], timeoutMs: 1_200_000 });
  try {
    await until(peregrine.port, 1, 1_200_000);
    const firstTransferMs = performance.now() - started;
    const healthTimes: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const t = performance.now();
        await fetch(`http://127.0.0.1:${peregrine.httpPort}/healthz`).then((r) => r.text()).catch(() => '');
        healthTimes.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const all: number[] = [];
    for (let i = 1; i <= o.changes; i++) {
      await knotc(knot.config, sock, 'zone-begin', ORIGIN);
      await knotc(knot.config, sock, 'zone-set', ORIGIN, `ixfr-bench-${i}`, '300', 'A', `192.0.2.${i % 250}`);
      await knotc(knot.config, sock, 'zone-commit', ORIGIN);
      const t0 = await until(knot.port, 1 + i, 60_000);
      const t1 = await until(peregrine.port, 1 + i, 600_000);
      all.push(Math.round((t1 - t0) * 10) / 10);
    }
    polling = false;
    await poll;
    const incremental = peregrine.output().split('\n').filter((l) => l.includes('"compile":"incremental"')).length;
    return {
      names: o.names, changes: o.changes, firstTransferMs: Math.round(firstTransferMs), incremental,
      latencyMs: { p50: pct(all, 0.5), p90: pct(all, 0.9), max: Math.max(...all), all },
      healthz: { polls: healthTimes.length, p99Ms: Math.round(pct(healthTimes, 0.99) * 10) / 10, maxMs: Math.round(Math.max(...healthTimes) * 10) / 10 },
    };
  } finally {
    await peregrine.stop();
    await knot.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run alone: node_modules/.bin/node bench/lib/ixfr-latency.ts [names] [changes]
if (import.meta.main) {
  const r = await measureIxfrLatency({ names: Number(process.argv[2] ?? 100_000), changes: Number(process.argv[3] ?? 20) });
  console.log(JSON.stringify({ ...r, latencyMs: { ...r.latencyMs, all: undefined } }, null, 2));
}
