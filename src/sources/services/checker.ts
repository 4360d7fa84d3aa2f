// Health checks, run by the primary (never by workers): one probe loop per distinct (check,
// endpoint) — services sharing both share the probe — at most `maxInFlight` probes at once,
// each with its timeout (< interval). A target's first probe starts at a random point of its
// first interval (at most 1 s in), so a thousand endpoints are not probed in one burst; from then
// on every `interval` after the previous start, or as soon as a slot is free if the queue ran late.
// Results go through the hysteresis; a change of state is reported through `onChange`.

import type { Address } from './address.ts';
import type { CheckSpec } from './config.ts';
import { Hysteresis, type EndpointState } from './hysteresis.ts';
import { probe as realProbe, type Probe } from './probes.ts';

export const DEFAULT_MAX_IN_FLIGHT = 64;
/** The first probe of a new target starts within this (or within its interval, if shorter). */
const FIRST_PROBE_SPREAD_MS = 1000;

export interface TargetSpec {
  check: CheckSpec;
  endpoint: Address;
}

export interface Target extends TargetSpec {
  key: string;
  health: Hysteresis;
  /** When the last probe finished (ms, performance.now()), and whether it was healthy. */
  lastProbeAt: number | null;
  lastOk: boolean | null;
  timer: NodeJS.Timeout | null;
  queued: boolean;
  inFlight: boolean;
  lastStart: number;
  /** The first result is in (up or down). */
  settled: boolean;
}

export interface CheckerOptions {
  probe?: Probe;
  maxInFlight?: number;
  /** A target's state changed (its first result included). */
  onChange: (target: Target, to: EndpointState) => void;
  /** Every probe's duration, for the histogram. */
  observe?: (kind: CheckSpec['kind'], seconds: number) => void;
  random?: () => number;
}

/** The identity of a probe loop: the check's settings and the endpoint. */
export function targetKey(check: CheckSpec, endpoint: Address): string {
  const what = check.kind === 'http' ? check.url : check.kind === 'tcp' ? String(check.port) : `${check.dnsName}/${check.dnsType}@${check.port}`;
  return `${check.kind}|${what}|${check.intervalMs}|${check.timeoutMs}|${check.fails}|${check.succs}|${endpoint.text}`;
}

export class HealthChecker {
  private readonly options: CheckerOptions;
  private readonly probe: Probe;
  private readonly maxInFlight: number;
  private readonly random: () => number;
  private readonly targets = new Map<string, Target>();
  private readonly queue: Target[] = [];
  private inFlight = 0;
  private closed = false;
  private settledWaiters: (() => void)[] = [];

  constructor(options: CheckerOptions) {
    this.options = options;
    this.probe = options.probe ?? realProbe;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.random = options.random ?? Math.random;
  }

  get(key: string): Target | undefined {
    return this.targets.get(key);
  }

  all(): IterableIterator<Target> {
    return this.targets.values();
  }

  /**
   * Probe exactly these targets from now on. A target already probed keeps its state (editing
   * the services file does not reset health); new ones start unknown; the others stop.
   */
  setTargets(specs: Iterable<TargetSpec>): void {
    if (this.closed) return;
    const wanted = new Map<string, TargetSpec>();
    for (const s of specs) wanted.set(targetKey(s.check, s.endpoint), s);
    for (const [key, t] of this.targets) {
      if (wanted.has(key)) continue;
      if (t.timer !== null) clearTimeout(t.timer);
      t.timer = null;
      this.targets.delete(key);
    }
    for (const [key, s] of wanted) {
      if (this.targets.has(key)) continue;
      const t: Target = {
        ...s,
        key,
        health: new Hysteresis(s.check.fails, s.check.succs),
        lastProbeAt: null,
        lastOk: null,
        timer: null,
        queued: false,
        inFlight: false,
        lastStart: 0,
        settled: false,
      };
      this.targets.set(key, t);
      this.later(t, this.random() * Math.min(FIRST_PROBE_SPREAD_MS, s.check.intervalMs));
    }
    this.wakeSettled();
  }

  /** Resolves once every current target has its first result, or after `maxMs`. */
  settled(maxMs: number): Promise<void> {
    if (this.allSettled()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.settledWaiters.push(done);
    });
  }

  close(): void {
    this.closed = true;
    for (const t of this.targets.values()) if (t.timer !== null) clearTimeout(t.timer);
    this.targets.clear();
    this.queue.length = 0;
    this.wakeSettled(true);
  }

  private allSettled(): boolean {
    for (const t of this.targets.values()) if (!t.settled) return false;
    return true;
  }

  private wakeSettled(force = false): void {
    if (this.settledWaiters.length === 0 || (!force && !this.allSettled())) return;
    for (const w of this.settledWaiters.splice(0)) w();
  }

  private later(t: Target, ms: number): void {
    t.timer = setTimeout(() => {
      t.timer = null;
      this.enqueue(t);
    }, Math.max(0, ms));
    t.timer.unref?.();
  }

  private enqueue(t: Target): void {
    if (this.closed || this.targets.get(t.key) !== t || t.queued || t.inFlight) return;
    t.queued = true;
    this.queue.push(t);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const t = this.queue.shift()!;
      t.queued = false;
      if (this.targets.get(t.key) !== t) continue;
      void this.run(t);
    }
  }

  private async run(t: Target): Promise<void> {
    this.inFlight++;
    t.inFlight = true;
    const started = performance.now();
    t.lastStart = started;
    let ok = false;
    try {
      ok = await this.probe(t.check, t.endpoint);
    } catch {
      ok = false; // a probe that throws is a failed probe
    }
    const finished = performance.now();
    this.inFlight--;
    t.inFlight = false;
    if (this.closed || this.targets.get(t.key) !== t) {
      this.pump();
      return;
    }
    this.options.observe?.(t.check.kind, (finished - started) / 1000);
    t.lastProbeAt = finished;
    t.lastOk = ok;
    const to = t.health.observe(ok);
    t.settled = true;
    this.later(t, started + t.check.intervalMs - finished);
    this.pump();
    if (to !== null) this.options.onChange(t, to);
    this.wakeSettled();
  }
}
