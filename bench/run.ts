// `npm run bench`: Peregrine side by side with Knot and NSD under dnsperf, plus compile time,
// image size, RSS, start time, reload time and /metrics throughput. A measurement, not a test:
// installs nothing, and says what is missing.
//
//   node_modules/.bin/node bench/run.ts [--workers 1] [--seconds 10] [--names 10000]
//       [--io mmsg|dgram|mmsg,dgram] [--dnsperf-workers 1,2]
//       [--only dnsperf,do,compile,rss,reload,http,rebuild,scale,ixfr] [--do] [--big-names 1000000]
//       [--small-zones 10000]   (rebuild, scale, ixfr: --only …; not part of the default run)
//       [--scale-names 10000,100000,1000000]
//       [--clients 8] [--outstanding 500] [--rss-workers N] [--cpu-prof DIR] [--json] [--no-write]
//
// All traffic goes to 127.0.0.1. Results: bench/results/bench-<date>.json.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';
import { buildQuery, udpQuery } from '../test/interop/helpers/dns-client.ts';
import { signZone } from '../test/interop/helpers/sign-zone.ts';
import { runDnsperf, type DnsperfResult } from './lib/dnsperf.ts';
import {
  ROOT, healthz, startKnotd, startNsd, startPeregrine, type PeregrineRunning, type Running,
} from './lib/servers.ts';
import { measureRebuild } from './lib/rebuild.ts';
import { SETTLE_MS, measureServer, recordCount, scaleTable, type ScaleRow, type ScaleServer } from './lib/scale.ts';
import { measureIxfrLatency } from './lib/ixfr-latency.ts';
import { MIX, ORIGIN, queryText, zoneLines, zoneText } from './lib/workload.ts';

const SECTIONS = ['dnsperf', 'do', 'compile', 'rss', 'reload', 'http', 'rebuild', 'scale', 'ixfr'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1' },
    io: { type: 'string', default: 'mmsg' },
    'dnsperf-workers': { type: 'string' },
    seconds: { type: 'string', default: '10' },
    names: { type: 'string', default: '10000' },
    'big-names': { type: 'string', default: '1000000' },
    'small-zones': { type: 'string', default: '10000' },
    'scale-names': { type: 'string', default: '10000,100000,1000000' },
    only: { type: 'string' },
    do: { type: 'boolean', default: false },
    clients: { type: 'string', default: '8' },
    outstanding: { type: 'string', default: '500' },
    'rss-workers': { type: 'string' },
    'cpu-prof': { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  const head = readFileSync(import.meta.filename, 'utf8').split('\n').filter((l) => l.startsWith('//'));
  console.log(head.map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}

const workers = Number(values.workers);
const seconds = Number(values.seconds);
const names = Number(values.names);
const bigNames = Number(values['big-names']);
const smallZones = Number(values['small-zones']);
const clients = Number(values.clients);
const outstanding = Number(values.outstanding);
const cores = availableParallelism();
// Peregrine's UDP I/O, one row per mode; the first is the one compared with NSD and Knot.
const ioModes = values.io.split(',');
for (const io of ioModes) {
  if (io !== 'mmsg' && io !== 'dgram') {
    console.error(`--io: '${io}' is neither mmsg nor dgram`);
    process.exit(2);
  }
}
// dnsperf: W Peregrine workers against W NSD processes and W Knot UDP workers, for each W.
// Default: 1, and 2 as well where there are 2 cores or more.
const dnsperfWorkers = (values['dnsperf-workers'] ?? (workers === 1 && cores >= 2 ? '1,2' : String(workers))).split(',').map(Number);
const rssWorkers = Number(values['rss-workers'] ?? Math.max(2, workers, cores));
const sections = new Set<Section>();
if (values.only) {
  for (const s of values.only.split(',')) {
    if (!(SECTIONS as readonly string[]).includes(s)) {
      console.error(`--only: unknown part '${s}' (parts: ${SECTIONS.join(', ')})`);
      process.exit(2);
    }
    sections.add(s as Section);
  }
} else {
  for (const s of SECTIONS) if (s !== 'do' && s !== 'rebuild' && s !== 'scale' && s !== 'ixfr') sections.add(s);
  if (values.do) sections.add('do');
}
if (values.do) sections.add('do');
for (const [k, v] of Object.entries({ workers, ...Object.fromEntries(dnsperfWorkers.map((w, i) => [`dnsperf-workers[${i}]`, w])), seconds, names, bigNames, smallZones, clients, outstanding, rssWorkers })) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${k}: a positive integer is needed`);
    process.exit(2);
  }
}

// ---- what is installed -------------------------------------------------------------------

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(path.join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

const NEEDS: Record<string, { pkg: string; for: Section[] }> = {
  dnsperf: { pkg: 'dnsperf', for: ['dnsperf', 'do'] },
  knotd: { pkg: 'knot', for: ['dnsperf', 'do', 'scale', 'ixfr'] },
  nsd: { pkg: 'nsd', for: ['dnsperf', 'scale'] },
  'dnssec-keygen': { pkg: 'bind9-utils', for: ['do'] },
  'dnssec-signzone': { pkg: 'bind9-utils', for: ['do'] },
};
const missing = Object.entries(NEEDS).filter(([cmd, n]) => n.for.some((s) => sections.has(s)) && !onPath(cmd));
if (missing.length > 0) {
  console.error('npm run bench: missing programs (nothing is installed by the benchmark):');
  for (const [cmd, n] of missing) console.error(`  ${cmd}  (Debian package ${n.pkg}; needed for: ${n.for.filter((s) => sections.has(s)).join(', ')})`);
  console.error(`install with: apt-get install ${[...new Set(missing.map(([, n]) => n.pkg))].join(' ')}`);
  console.error('or run the parts that need none of them: --only compile,rss,reload,http');
  process.exit(1);
}

function version(cmd: string, args: string[]): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n').find((l) => /\d+\.\d+/.test(l))?.trim() ?? out.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    return text.split('\n').find((l) => /\d+\.\d+/.test(l))?.trim() ?? 'unknown';
  }
}

// ---- helpers -----------------------------------------------------------------------------

const log = (s: string) => {
  if (!values.json) console.log(s);
};
const progress = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const work = mkdtempSync(path.join(tmpdir(), 'peregrine-bench-'));
const round = (x: number, d = 0) => Number(x.toFixed(d));
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function soaSerial(port: number): Promise<number | null> {
  try {
    const res = await udpQuery(port, buildQuery({ name: ORIGIN, type: 'SOA' }), 500);
    const msg = dnsPacket.decode(res);
    const soa = (msg.answers ?? []).find((a) => a.type === 'SOA') as { data: { serial: number } } | undefined;
    return soa ? soa.data.serial : null;
  } catch {
    return null;
  }
}

async function writeZone(file: string, count: number, serial = 1): Promise<void> {
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let chunk: string[] = [];
  for (const line of zoneLines(count, serial)) {
    chunk.push(line);
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = [];
    }
  }
  out.end(chunk.length ? `${chunk.join('\n')}\n` : '');
  await new Promise<void>((r) => out.once('close', () => r()));
  renameSync(tmp, file);
}

const peregrineNodeArgs = (): string[] =>
  values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof'])] : [];

// ---- sections ----------------------------------------------------------------------------

interface ServerRuns {
  name: string;
  settings: string[];
  runs: DnsperfResult[];
  qps: number;
  avgLatencyMs: number;
  p99LatencyMs: number | null;
  lost: number;
}

function summarize(name: string, settings: string[], runs: DnsperfResult[]): ServerRuns {
  const mean = (f: (r: DnsperfResult) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length;
  const p99s = runs.map((r) => r.p99LatencyMs).filter((x): x is number => x !== null);
  return {
    name,
    settings,
    runs,
    qps: round(mean((r) => r.qps)),
    avgLatencyMs: round(mean((r) => r.avgLatencyMs), 3),
    p99LatencyMs: p99s.length ? round(p99s.reduce((a, b) => a + b, 0) / p99s.length, 3) : null,
    lost: runs.reduce((a, r) => a + r.lost, 0),
  };
}

/** A B C A B C: each server gets `rounds` runs, interleaved so drift hits all alike. */
async function interleave(
  servers: { label: string; running: Running; dnssecOk?: boolean }[],
  queryFile: string,
  rounds = 2,
): Promise<Map<string, DnsperfResult[]>> {
  const results = new Map<string, DnsperfResult[]>();
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      progress(`dnsperf ${s.label} round ${r + 1}/${rounds} (${seconds} s)`);
      const res = await runDnsperf({
        port: s.running.port, queryFile, seconds, clients, outstanding, dnssecOk: s.dnssecOk,
        verboseFile: path.join(work, 'dnsperf-verbose.txt'),
      });
      results.set(s.label, [...(results.get(s.label) ?? []), res]);
    }
  }
  return results;
}

function table(rows: ServerRuns[]): string {
  const lines = ['| server | qps (mean of 2) | run 1 | run 2 | avg latency ms | p99 latency ms | lost |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.name} | ${fmt(r.qps)} | ${r.runs.map((x) => fmt(x.qps)).join(' | ')} | ${r.avgLatencyMs.toFixed(3)} | ${r.p99LatencyMs?.toFixed(3) ?? '–'} | ${r.lost} |`);
  }
  return lines.join('\n');
}

const results: Record<string, unknown> = {};
let sharedPeregrine: PeregrineRunning | null = null;
const queryFile = path.join(work, 'queries.txt');
const zoneFile = path.join(work, 'bench.zone');

async function sectionDnsperf(): Promise<void> {
  progress(`zone of ${names} names, queries`);
  const all: Record<string, unknown>[] = [];
  for (const w of dnsperfWorkers) all.push(await dnsperfWith(w));
  results.dnsperf = all;
}

/** Peregrine (one per --io mode), NSD and Knot, each with `w` workers, A B C A B C. */
async function dnsperfWith(w: number): Promise<Record<string, unknown>> {
  const started: Running[] = [];
  try {
    const servers: { label: string; running: Running }[] = [];
    for (const io of ioModes) {
      const p = await startPeregrine({ origin: ORIGIN, file: zoneFile, workers: w, nodeArgs: peregrineNodeArgs(), io });
      started.push(p);
      if (sharedPeregrine === null) sharedPeregrine = p;
      servers.push({ label: ioModes.length > 1 ? `peregrine --io ${io}` : 'peregrine', running: p });
    }
    const nsd = await startNsd({ origin: ORIGIN, file: zoneFile, workers: w });
    started.push(nsd);
    const knot = await startKnotd({ origin: ORIGIN, file: zoneFile, workers: w });
    started.push(knot);
    servers.push({ label: 'nsd', running: nsd }, { label: 'knotd', running: knot });
    const runs = await interleave(servers, queryFile);
    const rows = servers.map((s) => summarize(s.label, s.running.settings, runs.get(s.label)!));
    const [first] = rows;
    const nsdRow = rows.find((r) => r.name === 'nsd')!;
    const knotRow = rows.find((r) => r.name === 'knotd')!;
    const ratios: Record<string, number> = {
      peregrineOverNsd: round(first.qps / nsdRow.qps, 2),
      peregrineOverKnot: round(first.qps / knotRow.qps, 2),
    };
    if (ioModes.length > 1) ratios[`${ioModes[0]}Over${ioModes[1][0].toUpperCase()}${ioModes[1].slice(1)}`] = round(rows[0].qps / rows[1].qps, 2);
    const startMs = Math.round((started[0] as PeregrineRunning).startMs);
    log(`\n## dnsperf: ${fmt(names)} names, mix ${MIX.existing * 100}/${MIX.nxdomain * 100}/${MIX.wildcard * 100}/${MIX.referral * 100} (existing/NXDOMAIN/wildcard/referral), ${w} worker(s)/process(es) each, Peregrine --io ${ioModes.join(' and ')}, ${seconds} s per run, A B C A B C, -c ${clients} -q ${outstanding}, ${cores} cores\n`);
    log(table(rows));
    log(`\nPeregrine/NSD ${ratios.peregrineOverNsd}×   Peregrine/Knot ${ratios.peregrineOverKnot}×${ioModes.length > 1 ? `   ${ioModes[0]}/${ioModes[1]} ${round(rows[0].qps / rows[1].qps, 2)}×` : ''}   (Peregrine start to first answer: ${startMs} ms)`);
    return { names, workers: w, io: ioModes, seconds, clients, outstanding, mix: MIX, rows, ratios, peregrineStartMs: startMs };
  } finally {
    for (const s of started) if (s !== sharedPeregrine) await s.stop();
  }
}

async function sectionDo(): Promise<void> {
  progress('signing the zone with dnssec-signzone (NSEC, ECDSAP256SHA256)');
  const t0 = performance.now();
  const signed = await signZone(ORIGIN, zoneFile, { name: 'nsec', signer: 'dnssec-signzone' });
  const signMs = performance.now() - t0;
  const started: Running[] = [];
  try {
    const p = await startPeregrine({ origin: ORIGIN, file: signed.file, workers, nodeArgs: peregrineNodeArgs(), io: ioModes[0] });
    started.push(p);
    const knot = await startKnotd({ origin: ORIGIN, file: signed.file, workers });
    started.push(knot);
    const runs = await interleave([
      { label: 'peregrine', running: p },
      { label: 'peregrine +DO', running: p, dnssecOk: true },
      { label: 'knotd', running: knot },
      { label: 'knotd +DO', running: knot, dnssecOk: true },
    ], queryFile);
    const rows = [...runs.entries()].map(([label, r]) => summarize(label, label.startsWith('peregrine') ? p.settings : knot.settings, r));
    const ratios = {
      peregrineDoOverNoDo: round(rows[1].qps / rows[0].qps, 2),
      knotDoOverNoDo: round(rows[3].qps / rows[2].qps, 2),
      peregrineOverKnotDo: round(rows[1].qps / rows[3].qps, 2),
    };
    results.do = { names, workers, signMs: Math.round(signMs), rows, ratios };
    log(`\n## DO bit (dnsperf -D) on the signed zone (dnssec-signzone, NSEC): same query mix\n`);
    log(table(rows));
    log(`\nDO/no-DO: Peregrine ${ratios.peregrineDoOverNoDo}×, Knot ${ratios.knotDoOverNoDo}×   Peregrine/Knot with DO ${ratios.peregrineOverKnotDo}×`);
  } finally {
    for (const s of started) await s.stop();
    await signed.remove();
  }
}

function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

async function sectionCompile(): Promise<void> {
  const sizes = [...new Set([10_000, 100_000, bigNames])].sort((a, b) => a - b);
  const rows: Record<string, number>[] = [];
  for (const n of sizes) {
    progress(`compile ${fmt(n)} names (fresh process)`);
    rows.push(JSON.parse(await runChild([path.join(ROOT, 'bench/compile-one.ts'), '--names', String(n)])));
  }
  results.compile = rows;
  log('\n## Compile (in process: parseZoneFile + compile, one zone, primary thread)\n');
  log('| names | records | parse ms | compile ms | image bytes | bytes/record |');
  log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) log(`| ${fmt(r.names)} | ${fmt(r.records)} | ${fmt(r.parseMs)} | ${fmt(r.compileMs)} | ${fmt(r.imageBytes)} | ${r.bytesPerRecord} |`);
}

async function sectionBig(doRss: boolean, doReload: boolean): Promise<void> {
  const dir = path.join(work, 'big');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'bench.zone');
  progress(`writing a zone of ${fmt(bigNames)} names`);
  await writeZone(file, bigNames, 1);
  const rssRows: { workers: number; rssMiB: number; startMs: number }[] = [];
  const measureRss = async (p: PeregrineRunning, w: number) => {
    while (!(await healthz(p.httpPort))) await sleep(100);
    await sleep(15_000); // let the compiler's garbage go, and the build thread end with its heap (see rss.ts)
    rssRows.push({ workers: w, rssMiB: rssMiB(p.pid), startMs: Math.round(p.startMs) });
  };
  progress(`peregrine serve, ${fmt(bigNames)} names, 1 worker`);
  const p1 = await startPeregrine({ origin: ORIGIN, file, workers: 1, timeoutMs: 300_000 });
  try {
    if (doRss) await measureRss(p1, 1);
    if (doReload) {
      progress('reload: rewriting the zone (serial 2) and renaming it over the served file');
      const next = path.join(dir, 'next.zone');
      await writeZone(next, bigNames, 2);
      const t0 = performance.now();
      renameSync(next, file);
      let serial: number | null = null;
      while (performance.now() - t0 < 300_000) {
        serial = await soaSerial(p1.port);
        if (serial === 2) break;
        await sleep(20);
      }
      const reloadMs = Math.round(performance.now() - t0);
      if (serial !== 2) throw new Error(`reload: serial 2 not served after ${reloadMs} ms`);
      results.reload = { names: bigNames, reloadMs, how: 'rename over the watched file, poll SOA serial every 20 ms' };
      log(`\n## Reload: ${fmt(bigNames)} names, rename over the served file → new serial answered after ${fmt(reloadMs)} ms`);
    }
  } finally {
    await p1.stop();
  }
  if (doRss) {
    progress(`peregrine serve, ${fmt(bigNames)} names, ${rssWorkers} workers`);
    const pn = await startPeregrine({ origin: ORIGIN, file, workers: rssWorkers, timeoutMs: 300_000 });
    try {
      await measureRss(pn, rssWorkers);
    } finally {
      await pn.stop();
    }
    results.rss = { names: bigNames, rows: rssRows };
    log(`\n## RSS and start to first answer: ${fmt(bigNames)} names\n`);
    log('| workers | RSS MiB | start to first answer ms |');
    log('|---:|---:|---:|');
    for (const r of rssRows) log(`| ${r.workers} | ${fmt(r.rssMiB)} | ${fmt(r.startMs)} |`);
  }
  rmSync(dir, { recursive: true, force: true });
}

async function sectionIxfr(): Promise<void> {
  // One-record IXFR from knotd to Peregrine (secondary), for --names and --big-names names.
  const rows = [];
  for (const n of [names, bigNames]) {
    const r = await measureIxfrLatency({ names: n, changes: 20, workers });
    rows.push({ ...r, latencyMs: { ...r.latencyMs, all: r.latencyMs.all } });
  }
  results.ixfr = rows;
  log('\n## One-record IXFR: knotd serves the new serial → Peregrine serves it (20 changes)\n');
  log('| names | first AXFR ms | p50 ms | p90 ms | max ms | incremental | /healthz p99 ms | max ms |');
  log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    log(`| ${fmt(r.names)} | ${fmt(r.firstTransferMs)} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.max} | ${r.incremental}/${r.changes} | ${r.healthz.p99Ms} | ${r.healthz.maxMs} |`);
  }
}

async function sectionRebuild(): Promise<void> {
  const r = await measureRebuild({
    dir: path.join(work, 'rebuild'),
    smallZones,
    bigNames,
    writeBig: (file) => writeZone(file, bigNames, 1),
    workers,
    progress,
  });
  rmSync(path.join(work, 'rebuild'), { recursive: true, force: true });
  results.rebuild = r;
  log(`\n## Full rebuild (SIGHUP): ${fmt(r.smallZones)} small zones + one of ${fmt(r.bigNames)} names, --workers ${workers}\n`);
  log('| start ms | rebuild ms | /healthz polls | max ms | p99 ms | p50 ms | failed | RSS before MiB | peak MiB | after MiB |');
  log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  log(`| ${fmt(r.startMs)} | ${fmt(r.rebuildMs)} | ${fmt(r.healthz.polls)} | ${r.healthz.maxMs} | ${r.healthz.p99Ms} | ${r.healthz.p50Ms} | ${r.healthz.failed} | ${fmt(r.rssMiB.before)} | ${fmt(r.rssMiB.peak)} | ${fmt(r.rssMiB.after)} |`);
}

async function sectionScale(): Promise<void> {
  const sizes = values['scale-names'].split(',').map(Number);
  const rows: ScaleRow[] = [];
  const dir = path.join(work, 'scale');
  mkdirSync(dir, { recursive: true });
  for (const n of sizes) {
    const file = path.join(dir, 'bench.zone');
    progress(`scale: writing a zone of ${fmt(n)} names`);
    await writeZone(file, n, 1);
    const records = recordCount(zoneLines(n, 1));
    for (const server of ['peregrine', 'nsd', 'knotd'] as ScaleServer[]) {
      progress(`scale: ${server}, ${fmt(n)} names (start, then ${SETTLE_MS / 1000} s to settle)`);
      rows.push(await measureServer(server, file, n, records));
    }
    rmSync(file, { force: true });
  }
  results.scale = { settleMs: SETTLE_MS, workers: 1, pss: 'sum of /proc/PID/smaps_rollup Pss over the process tree; peak sampled every 100 ms from spawn to settled', rows };
  log(`\n## Large zones: one worker each, spawn → first SOA answer, PSS of the process tree (peak while loading, steady ${SETTLE_MS / 1000} s after)\n`);
  log(scaleTable(rows));
}

async function sectionHttp(): Promise<void> {
  let p = sharedPeregrine;
  let own = false;
  if (!p) {
    p = await startPeregrine({ origin: ORIGIN, file: zoneFile, workers });
    own = true;
  }
  try {
    progress(`autocannon /metrics (${seconds} s, 10 connections)`);
    const bin = path.join(ROOT, 'node_modules/autocannon/autocannon.js');
    const args = [bin, '-c', '10', '-d', String(seconds), '-j', `http://127.0.0.1:${p.httpPort}/metrics`];
    const out = JSON.parse(await runChild(args));
    const r = {
      requestsPerSecond: round(out.requests.average),
      latencyAvgMs: round(out.latency.average, 2),
      latencyP99Ms: out.latency.p99,
      bytesPerSecond: round(out.throughput.average),
      errors: out.errors,
      non2xx: out.non2xx,
      command: `autocannon -c 10 -d ${seconds} -j http://127.0.0.1:PORT/metrics`,
    };
    results.http = r;
    log(`\n## HTTP /metrics (autocannon -c 10 -d ${seconds}): ${fmt(r.requestsPerSecond)} req/s, avg ${r.latencyAvgMs} ms, p99 ${r.latencyP99Ms} ms, ${fmt(r.bytesPerSecond / 1024)} KiB/s, errors ${r.errors}, non-2xx ${r.non2xx}`);
  } finally {
    if (own) await p.stop();
  }
}

// ---- main --------------------------------------------------------------------------------

const command = `node bench/run.ts ${process.argv.slice(2).join(' ')}`.trim();
const t0 = performance.now();
let failed = false;
try {
  if (sections.has('dnsperf') || sections.has('do') || sections.has('http')) {
    writeFileSync(zoneFile, zoneText(names));
    writeFileSync(queryFile, queryText(names, Math.max(100_000, names)));
  }
  log(`# Peregrine benchmark — ${new Date().toISOString()}, ${cores} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB`);
  log(`command: ${command}`);
  if (sections.has('dnsperf')) await sectionDnsperf();
  if (sections.has('http')) await sectionHttp();
  if (sharedPeregrine) await (sharedPeregrine as PeregrineRunning).stop();
  sharedPeregrine = null;
  if (sections.has('do')) await sectionDo();
  if (sections.has('compile')) await sectionCompile();
  if (sections.has('rss') || sections.has('reload')) await sectionBig(sections.has('rss'), sections.has('reload'));
  if (sections.has('rebuild')) await sectionRebuild();
  if (sections.has('scale')) await sectionScale();
  if (sections.has('ixfr')) await sectionIxfr();
} catch (err) {
  failed = true;
  console.error(`bench failed: ${(err as Error).stack ?? err}`);
} finally {
  if (sharedPeregrine) await (sharedPeregrine as PeregrineRunning).stop();
  rmSync(work, { recursive: true, force: true });
}

const report = {
  date: new Date().toISOString(),
  command,
  cores,
  cpu: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  tools: {
    dnsperf: onPath('dnsperf') ? version('dnsperf', ['-h']) : null,
    knotd: onPath('knotd') ? version('knotd', ['-V']) : null,
    nsd: onPath('nsd') ? version('nsd', ['-v']) : null,
  },
  options: { workers, io: ioModes, dnsperfWorkers, seconds, names, bigNames, smallZones, scaleNames: values['scale-names'], clients, outstanding, rssWorkers, sections: [...sections] },
  elapsedSeconds: round((performance.now() - t0) / 1000),
  failed,
  ...results,
};
if (values.json) console.log(JSON.stringify(report, null, 2));
if (!values['no-write']) {
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${report.date.slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  progress(`written ${path.relative(ROOT, file)} (${report.elapsedSeconds} s)`);
}
process.exitCode = failed ? 1 : 0;
