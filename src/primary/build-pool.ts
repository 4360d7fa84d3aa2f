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

/** Builds one zone file into a LoadResult (loadZone, off the event loop or not). */
export type ZoneBuilder = (file: string, origin: string | null, options?: LoadOptions) => Promise<LoadResult>;

export interface BuildPoolOptions {
  maxThreads?: number;
  idleTimeoutMs?: number;
  maxOldGenerationSizeMb?: number;
}

export const BUILD_IDLE_TIMEOUT_MS = 2000;
export const BUILD_HEAP_MB = 8192;

export function defaultBuildThreads(cpus = availableParallelism()): number {
  return cpus <= 1 ? 1 : 2;
}

export class BuildPool {
  private readonly pool: Piscina<BuildTask, WireResult | TinydnsWireResult>;
  private destroyed = false;

  constructor(options: BuildPoolOptions = {}) {
    this.pool = new Piscina<BuildTask, WireResult | TinydnsWireResult>({
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

  /** Build threads alive now (0 once idle for the idle timeout). */
  get threads(): number {
    return this.pool.threads.length;
  }

  /** Stop every thread (a build in progress is abandoned: its promise rejects). */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.pool.destroy();
  }
}
