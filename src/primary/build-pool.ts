// Zone builds off the primary's event loop: a piscina pool of build threads (build-worker.ts), each
// running loadZone for one zone file. The primary keeps answering /healthz, /metrics and worker
// acks while a million-record zone compiles, and the gigabytes of heap a build needs live in the
// build thread, returned to the OS when the thread idles out.
//
// Settings, and why:
// - maxThreads 2 (1 on a single-CPU machine): one thread may spend 20 s on a huge zone while the
//   other keeps small-zone reloads within their 1 s target; start-up of many small zones goes
//   twice as fast. No more: build threads take CPU from the DNS workers of the same process, and
//   each huge build holds ~3 GB while it runs.
// - minThreads 0, idleTimeout 2 s: no thread (and no heap) is kept between rebuilds.
// - resourceLimits.maxOldGenerationSizeMb 8192: a 1M-record zone needs ~3 GB while compiling; the
//   limit is a ceiling, not a reservation.

import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { decodeError, decodeResult, type WireResult } from './build-result.ts';
import type { BuildTask } from './build-worker.ts';
import type { TinydnsBuildResult, TinydnsWireResult } from '../sources/tinydns/build.ts';
import type { LoadOptions, LoadResult } from './zone-loader.ts';
import type { ChangeResult, ChangeTask } from './zone-change.ts';

/** Builds one zone file into a LoadResult (loadZone, off the event loop or not). */
export type ZoneBuilder = (file: string, origin: string | null, options?: LoadOptions) => Promise<LoadResult>;

export interface BuildPoolOptions {
  maxThreads?: number;
  idleTimeoutMs?: number;
  maxOldGenerationSizeMb?: number;
}

export const BUILD_IDLE_TIMEOUT_MS = 2000;
export const BUILD_HEAP_MB = 8192;
/** The change thread stays this long after the last change (then a new change starts one again). */
export const CHANGE_IDLE_TIMEOUT_MS = 10 * 60_000;

export function defaultBuildThreads(cpus = availableParallelism()): number {
  return cpus <= 1 ? 1 : 2;
}

export class BuildPool {
  private readonly pool: Piscina<BuildTask, WireResult | TinydnsWireResult | ChangeResult>;
  private destroyed = false;
  /** The pool of changes (one warm thread), made at the first change. */
  private changes: Piscina<BuildTask, WireResult | TinydnsWireResult | ChangeResult> | null = null;
  private readonly heapMb: number;

  constructor(options: BuildPoolOptions = {}) {
    this.heapMb = options.maxOldGenerationSizeMb ?? BUILD_HEAP_MB;
    this.pool = new Piscina<BuildTask, WireResult | TinydnsWireResult | ChangeResult>({
      filename: new URL('./build-worker.ts', import.meta.url).href,
      name: 'default',
      minThreads: 0,
      maxThreads: options.maxThreads ?? defaultBuildThreads(),
      idleTimeout: options.idleTimeoutMs ?? BUILD_IDLE_TIMEOUT_MS,
      resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? BUILD_HEAP_MB },
      // The primary's argv and flags (the pool's threads need neither the CLI's nor --inspect's).
      argv: [],
      execArgv: [],
    });
  }

  /** loadZone(file, origin, options) in a build thread. */
  readonly build: ZoneBuilder = async (file, origin, options = {}) => {
    const task: BuildTask = {
      file,
      origin,
      now: options.now?.getTime(),
      expiryWarningSeconds: options.expiryWarningSeconds,
      transferForm: options.transferForm,
      serialPolicy: options.serialPolicy,
      serialBase: options.serialBase,
      zonemdVerify: options.zonemdVerify,
    };
    return decodeResult((await this.pool.run(task)) as WireResult);
  };

  /** A tinydns data file and its zones (src/sources/tinydns/build.ts) in a build thread. */
  readonly buildTinydns = async (file: string, known: Record<string, string> = {}): Promise<TinydnsBuildResult> => {
    const w = (await this.pool.run({ kind: 'tinydns', file, known })) as TinydnsWireResult;
    if (!w.ok) return { ok: false, errors: w.errors.map(decodeError) };
    return {
      ...w,
      zones: w.zones.map((z) => {
        if (z.zone === null) return { ...z, zone: null };
        const r = decodeResult({ ok: true, zone: z.zone });
        return { ...z, zone: r.ok ? r.zone : null };
      }),
    };
  };

  /**
   * A change to a served zone (zone-change.ts): incremental when it can be, in a build thread of
   * its own, kept warm once a change has come (starting a thread and loading the compiler takes
   * ~0.5 s, ten times what a one-record change costs; an idle thread holds ~30 MB).
   */
  readonly change = async (task: Omit<ChangeTask, 'kind'>): Promise<ChangeResult> => {
    this.changes ??= new Piscina<BuildTask, WireResult | TinydnsWireResult | ChangeResult>({
      filename: new URL('./build-worker.ts', import.meta.url).href,
      name: 'default',
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: CHANGE_IDLE_TIMEOUT_MS,
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
      argv: [],
      execArgv: [],
    });
    return (await this.changes.run({ kind: 'change', ...task })) as ChangeResult;
  };

  /** Build threads alive now (0 once idle for the idle timeout). */
  get threads(): number {
    return this.pool.threads.length;
  }

  /** Stop every thread (a build in progress is abandoned: its promise rejects). */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all([this.pool.destroy(), this.changes?.destroy()]);
  }
}
