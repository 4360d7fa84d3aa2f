// Start the real tinydns (Debian package `tinydns`) on a free 127.0.0.x address: tinydns-data
// compiles `data` to data.cdb in a temp dir, tinydns runs chrooted there (env ROOT, IP, UID, GID)
// and listens on UDP port 53 of that address, which needs root. Also: a UDP query sent from a
// chosen source address (tinydns locations decide by the client's address).
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildQuery } from './dns-client.ts';
import { spawnServer, waitUntil, zonesReady } from './process.ts';

export interface TinydnsHandle {
  /** The address tinydns answers on (port 53). */
  ip: string;
  /** The data file (beside data.cdb). */
  dataFile: string;
  output(): string;
  stop(): Promise<void>;
}

/** Unprivileged user tinydns drops to (Debian's `nobody`). */
const NOBODY = 65534;

function which(program: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** A 127.0.0.x whose UDP port 53 is free. */
async function freeLoopbackAddress(): Promise<string> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const ip = `127.0.0.${2 + Math.floor(Math.random() * 250)}`;
    const ok = await new Promise<boolean>((resolve) => {
      const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      sock.once('error', () => {
        sock.close();
        resolve(false);
      });
      sock.bind({ port: 53, address: ip, exclusive: true }, () => sock.close(() => resolve(true)));
    });
    if (ok) return ip;
  }
  throw new Error('no 127.0.0.x address with UDP port 53 free');
}

/**
 * Write `data` (mtime set to `mtime` Unix seconds: the default SOA serial), compile it with
 * tinydns-data and start tinydns; resolves once it answers `readyName` SOA.
 */
export async function startTinydns(data: string, mtime: number, readyName: string): Promise<TinydnsHandle> {
  for (const program of ['tinydns', 'tinydns-data']) {
    if (which(program) === '') throw new Error(`${program} is not installed (Debian package tinydns)`);
  }
  if (process.getuid?.() !== 0) throw new Error('tinydns binds port 53: run the tinydns interop test as root');
  const dir = mkdtempSync(path.join(tmpdir(), 'pgn-tinydns-'));
  chmodSync(dir, 0o755);
  const dataFile = path.join(dir, 'data');
  writeFileSync(dataFile, data, 'latin1');
  utimesSync(dataFile, mtime, mtime);
  execFileSync(which('tinydns-data'), [], { cwd: dir, stdio: 'pipe' });
  const ip = await freeLoopbackAddress();
  const proc = spawnServer(which('tinydns'), [], {
    cwd: dir,
    env: { ROOT: dir, IP: ip, UID: String(NOBODY), GID: String(NOBODY), PATH: process.env.PATH ?? '' },
  });
  const stop = await zonesReady('tinydns', proc, 53, dir, { zones: [], timeoutMs: 10_000 });
  try {
    await waitUntil(`tinydns on ${ip}:53`, proc, async () => {
      const res = await udpQueryFrom(ip, 53, buildQuery({ name: readyName, type: 'SOA' }), 500);
      return res !== undefined;
    }, 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { ip, dataFile, output: proc.output, stop };
}

/** One UDP query to host:port from `source` (an address of this host); undefined when no answer came in time. */
export function udpQueryFrom(host: string, port: number, query: Buffer, timeoutMs = 1500, source?: string): Promise<Buffer | undefined> {
  const id = query.readUInt16BE(0);
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    let done = false;
    const finish = (res: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(res);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('message', (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) finish(msg);
    });
    sock.bind({ port: 0, address: source }, () => sock.send(query, port, host));
  });
}
