// Run dnsperf against one server and read its summary. This dnsperf (2.10) has no latency
// histogram option, so p99 comes from verbose mode (-v: one "> RCODE name type latency" line
// per response), written to a temp file and read afterwards into a histogram. -v is used for
// every server alike; it costs dnsperf itself a few percent.
import { spawn } from 'node:child_process';
import { createReadStream, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface DnsperfOptions {
  port: number;
  queryFile: string;
  seconds: number;
  clients: number;
  outstanding: number;
  /** Set the DO bit (-D, implies EDNS). */
  dnssecOk?: boolean;
  /** Where the verbose output goes (deleted after reading). */
  verboseFile: string;
}

export interface DnsperfResult {
  command: string;
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  avgLatencyMs: number;
  p99LatencyMs: number | null;
  responseCodes: string;
  avgResponseBytes: number;
}

export function dnsperfArgs(o: DnsperfOptions): string[] {
  return [
    '-s', '127.0.0.1', '-p', String(o.port), '-d', o.queryFile, '-l', String(o.seconds),
    '-c', String(o.clients), '-q', String(o.outstanding), '-t', '2', '-v',
    ...(o.dnssecOk ? ['-D'] : []),
  ];
}

/** Parse dnsperf's "Statistics:" block. */
export function parseSummary(text: string): Omit<DnsperfResult, 'command' | 'p99LatencyMs'> {
  const num = (re: RegExp): number => {
    const m = re.exec(text);
    if (!m) throw new Error(`dnsperf output without ${re}:\n${text.slice(-2000)}`);
    return Number(m[1]);
  };
  return {
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    responseCodes: /Response codes:\s+(.*)/.exec(text)?.[1]?.trim() ?? '',
    avgResponseBytes: num(/Average packet size:\s+request \d+, response (\d+)/),
  };
}

/** Latency histogram in 1 µs buckets up to 100 ms (then one overflow bucket). */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(100_001);
  count = 0;
  add(seconds: number): void {
    const us = Math.min(Math.round(seconds * 1e6), 100_000);
    this.buckets[us]++;
    this.count++;
  }
  /** Quantile q in ms, or null if empty. */
  quantileMs(q: number): number | null {
    if (this.count === 0) return null;
    const target = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= target) return i / 1000;
    }
    return 100;
  }
}

/** Read dnsperf -v lines ("> NOERROR name type 0.000123") into a histogram. */
export async function readVerbose(file: string): Promise<LatencyHistogram> {
  const h = new LatencyHistogram();
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.charCodeAt(0) !== 62 /* > */) continue;
    const sp = line.lastIndexOf(' ');
    const v = Number(line.slice(sp + 1));
    if (Number.isFinite(v)) h.add(v);
  }
  return h;
}

export async function runDnsperf(o: DnsperfOptions): Promise<DnsperfResult> {
  const args = dnsperfArgs(o);
  const out = await open(o.verboseFile, 'w');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('dnsperf', args, { stdio: ['ignore', out.fd, 'ignore'] });
      const kill = setTimeout(() => child.kill('SIGKILL'), (o.seconds + 30) * 1000);
      child.on('error', reject);
      child.on('exit', (c) => {
        clearTimeout(kill);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`dnsperf exited with ${code}`);
  } finally {
    await out.close();
  }
  try {
    // The summary is at the end of the file: read the tail only.
    const fh = await open(o.verboseFile, 'r');
    const { size } = await fh.stat();
    const tail = Buffer.alloc(Math.min(size, 4096));
    await fh.read(tail, 0, tail.length, size - tail.length);
    await fh.close();
    const summary = parseSummary(tail.toString('latin1'));
    const hist = await readVerbose(o.verboseFile);
    return { command: `dnsperf ${args.join(' ')}`, ...summary, p99LatencyMs: hist.quantileMs(0.99) };
  } finally {
    rmSync(o.verboseFile, { force: true });
  }
}
