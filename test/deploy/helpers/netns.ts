// Network namespaces made by a test, for tests of the deployment files (VRRP between two
// keepalived "directors", a DR real server). Everything a test sends stays inside namespaces it
// created; cleanup() stops every process the lab started and deletes every namespace, and is
// meant for afterAll (it never throws).

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (bounded: 15 s). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 15_000, env: opts.env ?? process.env });
  if (r.error) return { code: null, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error.message}` };
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Is an executable with this name on PATH (or in the sbin directories)? Its path, or null. */
export function which(name: string): string | null {
  const r = run('sh', ['-c', `PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v ${name}`]);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** The `ip` program (iproute2), by absolute path: commands may run with an empty environment. */
export const IP = which('ip') ?? 'ip';

/** `ip netns add` itself was refused (no privilege, no netns support): the only reason to skip. */
export class NetnsRefused extends Error {}

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
}

export class NetnsLab {
  /** Namespace names start with this (unique per process and lab). */
  readonly prefix: string;
  private readonly namespaces: string[] = [];
  private readonly processes: Spawned[] = [];

  constructor(tag: string) {
    this.prefix = `pgn-${tag}-${process.pid}`;
  }

  /** Create namespace `pgn-TAG-PID-name` with lo up; returns its full name. */
  add(name: string): string {
    const ns = `${this.prefix}-${name}`;
    const r = run(IP, ['netns', 'add', ns]);
    if (r.code !== 0) {
      throw new NetnsRefused(`\`ip netns add ${ns}\` failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    }
    this.namespaces.push(ns);
    this.ip(ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** `ip -n NS ARGS...`; throws with ip's message on failure. */
  ip(ns: string, ...args: string[]): string {
    const r = run(IP, ['-n', ns, ...args]);
    if (r.code !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Run a command inside NS to completion. */
  exec(ns: string, cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
    return run(IP, ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /** Run a command inside NS asynchronously, with its duration. */
  execAsync(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): Promise<RunResult & { ms: number }> {
    const started = performance.now();
    return new Promise((resolve) => {
      const child = spawn(IP, ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (err) => resolve({ code: null, stdout, stderr: stderr + err.message, ms: performance.now() - started }));
      child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
    });
  }

  /** Start a long-running process inside NS (`ip netns exec` execs it: same pid). */
  spawn(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): Spawned {
    const child = spawn(IP, ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    const append = (c: Buffer) => {
      out += c.toString();
      if (out.length > 200_000) out = out.slice(-200_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    let done = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => {
        done = true;
        resolve({ code, signal });
      });
      child.on('error', (err) => {
        append(Buffer.from(`[spawn error] ${err.message}\n`));
        done = true;
        resolve({ code: null, signal: null });
      });
    });
    const p: Spawned = { child, output: () => out, exited, running: () => !done };
    this.processes.push(p);
    return p;
  }

  /** Stop one process: `signal`, then SIGKILL after graceMs. */
  async stop(p: Spawned, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (!p.running()) return;
    p.child.kill(signal);
    const timer = setTimeout(() => p.running() && p.child.kill('SIGKILL'), graceMs);
    await p.exited;
    clearTimeout(timer);
  }

  /**
   * Stop every process this lab started, then any process still inside its namespaces (started
   * by this lab's processes: keepalived's children, scripts), then delete the namespaces.
   */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(this.processes.map((p) => this.stop(p, 'SIGTERM', 3000).catch((e) => problems.push(String(e)))));
    for (const ns of this.namespaces) {
      const pids = run(IP, ['netns', 'pids', ns]).stdout.split(/\s+/).filter((s) => /^[0-9]+$/.test(s));
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const ns of this.namespaces.splice(0)) {
      let r = run(IP, ['netns', 'del', ns]);
      for (let i = 0; r.code !== 0 && i < 20; i++) {
        await new Promise((res) => setTimeout(res, 100));
        r = run(IP, ['netns', 'del', ns]);
      }
      if (r.code !== 0) problems.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    return problems;
  }

  /** The IPv4 addresses on DEV in NS. */
  addresses(ns: string, dev: string): string[] {
    const out = run(IP, ['-n', ns, '-4', '-o', 'addr', 'show', 'dev', dev]).stdout;
    return [...out.matchAll(/inet ([0-9.]+\/[0-9]+)/g)].map((m) => m[1]);
  }

  /** MAC address of DEV in NS. */
  mac(ns: string, dev: string): string {
    const m = /link\/ether ([0-9a-f:]{17})/.exec(this.ip(ns, 'link', 'show', 'dev', dev));
    if (!m) throw new Error(`no MAC for ${dev} in ${ns}`);
    return m[1];
  }
}

/** Poll until cond() is true; resolves with the time it took (ms), rejects after timeoutMs. */
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 25): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await cond()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
