// bench `--only scale` (issue 16): a large zone, Peregrine side by side with NSD and Knot, each
// started fresh on the same file with one worker: process start to the first answered SOA, PSS
// of the process tree while loading (peak, sampled every 100 ms) and once settled (steady, after
// SETTLE_MS: Peregrine's build thread idles out and hands its heap back), and per record.

import { startKnotd, startNsd, startPeregrine, type Running } from './servers.ts';
import { PssSampler, treePssMiB } from './pss.ts';
import { ORIGIN } from './workload.ts';

/** How long after the first answer steady memory is read (the build pool idles out after 2 s). */
export const SETTLE_MS = 15_000;

export type ScaleServer = 'peregrine' | 'nsd' | 'knotd';

export interface ScaleRow {
  server: ScaleServer;
  names: number;
  records: number;
  /** Spawn to the first SOA answer (readiness polled every 50 ms). */
  startMs: number;
  peakPssMiB: number;
  steadyPssMiB: number;
  /** startMs per record, µs. */
  usPerRecord: number;
  /** Steady PSS per record, bytes. */
  bytesPerRecord: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureServer(server: ScaleServer, file: string, names: number, records: number, settleMs = SETTLE_MS): Promise<ScaleRow> {
  const sampler = new PssSampler(100);
  const o = { origin: ORIGIN, file, workers: 1, timeoutMs: 600_000, pollMs: 50, onSpawn: (pid: number) => sampler.start(pid) };
  const t0 = performance.now();
  let running: Running;
  if (server === 'peregrine') running = await startPeregrine(o);
  else if (server === 'nsd') running = await startNsd(o);
  else running = await startKnotd(o);
  const startMs = server === 'peregrine' ? (running as Running & { startMs: number }).startMs : performance.now() - t0;
  try {
    await sleep(settleMs);
    const steady = treePssMiB(running.pid);
    const peak = sampler.stop();
    return {
      server, names, records,
      startMs: Math.round(startMs),
      peakPssMiB: Math.round(peak),
      steadyPssMiB: Math.round(steady),
      usPerRecord: Number(((startMs * 1000) / records).toFixed(2)),
      bytesPerRecord: Math.round((steady * 2 ** 20) / records),
    };
  } finally {
    sampler.stop();
    await running.stop();
  }
}
