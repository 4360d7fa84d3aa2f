// Helpers for tests that run `peregrine serve` as a real process: free ports, health polling, DNS queries.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import { freePort } from './helpers/ports.ts';
import { until } from './helpers/until.ts';

export const BIN = path.resolve('bin/peregrine.js');

/**
 * The UDP I/O modes a serve test runs in (`--io`). mmsg needs the native addon (npm ci builds
 * it): with `--io mmsg` and no addon the server exits 1, so such a test fails, never skips.
 */
export const IO_MODES = ['dgram', 'mmsg'] as const;
export type IoModeName = (typeof IO_MODES)[number];

/** The `io` log line says the server uses `mode` (not a fallback). */
export function ioLogged(server: Server, mode: IoModeName): boolean {
  return server.logs.some((l) => l.event === 'io' && l.io === mode);
}

/** A port free for both TCP and UDP on 127.0.0.1, never the same twice in one test file. */
export { freePort };

export interface Server {
  child: ChildProcess;
  /** Every stdout line so far, parsed (pino JSON). */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Every server started and not yet stopped by stopServers(). */
const started: Server[] = [];

/** Kill (SIGKILL) every server still running and wait for each to exit: a test file's afterEach. */
export async function stopServers(): Promise<void> {
  for (const s of started.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
  }
}

/**
 * `env`: extra environment variables (PEREGRINE_TEST_HOOKS=1 for the test-only signals). The
 * server is remembered for stopServers().
 */
export function startServer(args: string[], env: Record<string, string> = {}): Server {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const logs: Record<string, unknown>[] = [];
  let pending = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ unparsed: line });
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => logs.push({ stderr: chunk }));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const server = { child, logs, exited };
  started.push(server);
  return server;
}

/** Wait for /healthz to return `status`; fail at once, with its output, if the server exits. */
export async function waitHealth(server: Server, httpPort: number, status: number, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`server exited (${server.child.exitCode ?? server.child.signalCode}):\n${describeLogs(server)}`);
    }
    return (await healthz(httpPort)) === status;
  }, `/healthz ${status}`, timeoutMs);
}

export function describeLogs(server: Server): string {
  return server.logs.map((l) => (typeof l.stderr === 'string' ? l.stderr : JSON.stringify(l))).join('\n');
}

export async function healthz(httpPort: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    await res.text();
    return res.status;
  } catch {
    return null;
  }
}

export function waitFor(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  return until(cond, { what, timeoutMs, intervalMs: 50 });
}

export type Response = dnsPacket.DecodedPacket & { rcode?: string };

export function query(name: string, type: dnsPacket.RecordType, id: number, qclass: dnsPacket.RecordClass = 'IN'): dnsPacket.Packet {
  return { type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: qclass }] };
}

export async function udpQuery(port: number, packet: dnsPacket.Packet, timeoutMs = 2000, host = '127.0.0.1'): Promise<Response> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  try {
    return await new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no UDP answer')), timeoutMs);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(dnsPacket.decode(msg) as Response);
      });
      socket.send(dnsPacket.encode(packet), port, host);
    });
  } finally {
    socket.close();
  }
}

export async function tcpQuery(port: number, packet: dnsPacket.Packet, timeoutMs = 2000, host = '127.0.0.1'): Promise<Response> {
  const socket = net.connect({ host, port });
  try {
    return await new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no TCP answer')), timeoutMs);
      let data = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        data = Buffer.concat([data, chunk]);
        if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
          clearTimeout(timer);
          resolve(dnsPacket.decode(data.subarray(2, 2 + data.readUInt16BE(0))) as Response);
        }
      });
      socket.write(dnsPacket.streamEncode(packet));
    });
  } finally {
    socket.destroy();
  }
}

export async function metricsText(httpPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
}

/** /metrics as a map from series (name and labels) to value, Peregrine's own series only. */
export async function scrape(httpPort: number): Promise<Map<string, number>> {
  const text = await metricsText(httpPort);
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(peregrine_\S+) (\S+)$/.exec(line);
    if (m !== null) samples.set(m[1], Number(m[2]));
  }
  return samples;
}

export interface StartOptions {
  /** Extra environment variables (PEREGRINE_TEST_HOOKS=1 for the test-only signals). */
  env?: Record<string, string>;
  /** Ports to listen on (default: free ones). */
  dnsPort?: number;
  httpPort?: number;
  healthTimeoutMs?: number;
}

/**
 * `peregrine serve ARGS` on 127.0.0.1 (`--listen`, `--http` and `--drain 0` appended), once
 * /healthz says 200.
 */
export async function startServing(args: string[], o: StartOptions = {}): Promise<{ s: Server; dnsPort: number; httpPort: number }> {
  const dnsPort = o.dnsPort ?? (await freePort());
  const httpPort = o.httpPort ?? (await freePort());
  const s = startServer([...args, '--listen', `127.0.0.1:${dnsPort}`, '--http', `127.0.0.1:${httpPort}`, '--drain', '0'], o.env);
  await waitHealth(s, httpPort, 200, o.healthTimeoutMs);
  return { s, dnsPort, httpPort };
}
