// Child-process plumbing shared by the server helpers (knotd, nsd, peregrine):
// spawn, capture output, wait for readiness, stop with SIGTERM.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { buildQuery, udpQuery } from './dns-client.ts';
import dnsPacket from 'dns-packet';

export interface ServerHandle {
  /** Human-readable name ("knotd", "peregrine", ...), used in diff listings. */
  readonly name: string;
  /** DNS port on 127.0.0.1 (UDP and TCP). */
  readonly port: number;
  /** Captured stdout+stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves when the process exits (code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  stop(graceMs?: number): Promise<void>;
}

const MAX_OUTPUT = 200_000;

export function spawnServer(cmd: string, args: string[], opts: SpawnOptions = {}): Spawned {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > MAX_OUTPUT) out = out.slice(out.length - MAX_OUTPUT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      append(Buffer.from(`\n[spawn error] ${err.message}\n`));
      exitedFlag = true;
      resolve({ code: -1, signal: null });
    });
  });
  return {
    child,
    output: () => out,
    exited,
    hasExited: () => exitedFlag,
    async stop(graceMs = 10_000) {
      if (exitedFlag) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exitedFlag) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Poll `check` every `intervalMs` until it returns true, the process exits, or time runs out. */
export async function waitUntil(
  what: string,
  proc: Spawned,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      const { code, signal } = await proc.exited;
      throw new Error(`${what}: process exited early (code ${code}, signal ${signal}). Output:\n${proc.output()}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms (last error: ${lastErr || 'none'}). Output:\n${proc.output()}`);
}

/**
 * Wait until a server that runs in its own temp dir `dir` answers the SOA of every zone, and
 * give its stop(): SIGTERM, then remove `dir` unless `keepDir`. If the server does not get
 * ready, it is stopped that way and the error thrown.
 */
export async function zonesReady(
  name: string,
  proc: Spawned,
  port: number,
  dir: string,
  opts: { zones: Array<{ origin: string }>; keepDir?: boolean; timeoutMs?: number; intervalMs?: number },
): Promise<() => Promise<void>> {
  const stop = async () => {
    await proc.stop();
    if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const z of opts.zones) {
      await waitUntil(`${name} zone ${absolute(z.origin)}`, proc, () => answersSoa(port, absolute(z.origin)), opts.timeoutMs, opts.intervalMs);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}

/** True once the server answers an SOA query for `origin` authoritatively with the SOA. */
export async function answersSoa(port: number, origin: string): Promise<boolean> {
  const res = await udpQuery(port, buildQuery({ name: origin, type: 'SOA' }), 500);
  const msg = dnsPacket.decode(res);
  const rcode = (msg as unknown as { rcode: string }).rcode;
  return rcode === 'NOERROR' && msg.flag_aa && (msg.answers ?? []).some((a) => a.type === 'SOA');
}

export function absolute(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}
