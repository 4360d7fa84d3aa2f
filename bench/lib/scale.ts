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
  /** Peregrine: the zone build as its log reports it (`zone_loaded` ms: read, parse, check, compile); null for the others. */
  buildMs: number | null;
  /**
   * One-record IXFR: change to the new serial answered, ms. Not measured here (issue 16 part 2,
   * incremental updates, fills it); null.
   */
  ixfrMs: number | null;
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
  let buildMs: number | null = null;
  if (server === 'peregrine') {
    const out = (running as Running & { proc: { output(): string } }).proc.output();
    const m = /"event":"zone_loaded"[^\n]*?"ms":(\d+)/.exec(out);
    if (m) buildMs = Number(m[1]);
  }
  try {
    await sleep(settleMs);
    const steady = treePssMiB(running.pid);
    const peak = sampler.stop();
    return {
      server, names, records,
      startMs: Math.round(startMs),
      buildMs,
      ixfrMs: null,
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

/** Records in the generated zone of `names` names (workload.ts zoneLines: every line but the two directives). */
export function recordCount(lines: Iterable<string>): number {
  let n = 0;
  for (const l of lines) if (!l.startsWith('$')) n++;
  return n;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');

/** The markdown table of a scale run (README "Large zones" and bench/NOTES.md use it as printed). */
export function scaleTable(rows: ScaleRow[]): string {
  const out = [
    '| names | records | server | build s | start→first answer s | µs/record | peak PSS MiB | steady PSS MiB | bytes/record | start vs NSD | steady vs NSD | peak/steady | 1-record IXFR ms |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const nsd = rows.find((x) => x.server === 'nsd' && x.names === r.names);
    out.push(`| ${fmt(r.names)} | ${fmt(r.records)} | ${r.server} | ${r.buildMs === null ? '–' : (r.buildMs / 1000).toFixed(2)} | ${(r.startMs / 1000).toFixed(2)} | ${r.usPerRecord} | ${fmt(r.peakPssMiB)} | ${fmt(r.steadyPssMiB)} | ${fmt(r.bytesPerRecord)} | ${nsd ? ratio(r.startMs, nsd.startMs) : '–'} | ${nsd ? ratio(r.steadyPssMiB, nsd.steadyPssMiB) : '–'} | ${ratio(r.peakPssMiB, r.steadyPssMiB)} | ${r.ixfrMs ?? '–'} |`);
  }
  return out.join('\n');
}
