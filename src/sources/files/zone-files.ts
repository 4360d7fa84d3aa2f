// The zone-file source: the zones of --zone and --zone-dir, loaded at start, reloaded when a file
// changes (or on SIGHUP), published to the workers one changed zone at a time.
//
// Reading and compiling go through a builder: serve's BuildPool (build threads, off this event
// loop), else loadZone in this thread. A zone is never built twice at once: a change during its
// build gets it built once more after.
//
// A reload reads and compiles only the zones whose files changed; the new images go out as one
// new generation through the Publisher, the others keep their images. A version that fails to
// load never replaces the one serving: its problems are logged as FILE:LINE and counted.

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ZoneSpec } from '../../config/serve-options.ts';
import {
  ERR_SERIAL_UNCHANGED, WARN_SERIAL_UNCHANGED, WARN_ZONE_DATA, WARN_ZONE_FILE_MISSING, WARN_ZONE_REMOVED, type PeregrineError,
} from '../../errors.ts';
import type { Logger } from '../../primary/log.ts';
import type { Publisher } from '../../primary/publisher.ts';
import type { ZoneBuilder } from '../../primary/build-pool.ts';
import { guessOrigin, loadZone, type LoadedZone, type LoadResult } from '../../primary/zone-loader.ts';
import { SerialKeeper } from '../services/serial.ts';
import type { SerialPolicy } from './serial-policy.ts';
import { firstProblem, logSignatureExpiry, logZoneErrors, zoneFields, zoneSummary } from '../../primary/zone-log.ts';
import type { ZoneRegistry } from '../../primary/zone-registry.ts';
import type { ZoneSource } from '../../primary/zone-source.ts';
import { FileWatcher, warnUnwatchable } from './watch.ts';

export interface ZoneFilesOptions {
  /** --zone, in order. */
  zones: ZoneSpec[];
  /** --zone-dir: every `*.zone` file directly inside (not dot files), in name order. */
  zoneDirs: string[];
  publisher: Publisher;
  registry: ZoneRegistry;
  log: Logger;
  expiryWarningSeconds: number;
  /** Build each zone's transfer form (LoadOptions.transferForm; default true). */
  transferForm?: boolean;
  /** Verify ZONEMD at load (LoadOptions.zonemdVerify). */
  zonemdVerify?: boolean;
  /** Watch the files and reload on change (default true). */
  watch?: boolean;
  /** Quiet time after a file event before reloading (see FileWatcher). */
  debounceMs?: number;
  /** Seconds from reading a zone file to every worker serving its new version (each version that served). */
  observeLoad?: (seconds: number) => void;
  /** After each publication (the number of zones served may have changed). */
  onPublished?: () => void;
  /**
   * Reads and compiles one zone file: serve passes its BuildPool (off the event loop); the
   * default runs loadZone in this thread.
   */
  build?: ZoneBuilder;
  /** A zone edited without a serial change: warn (default), refuse, or increment (serial-policy.ts). */
  serialPolicy?: SerialPolicy;
  /** Where `increment` keeps the served serials (generated-serials/, as generated zones do); null: in memory. */
  stateDir?: string | null;
}

/** Why zones are (re)loaded: the first load, a file event, SIGHUP, or the control API. */
export type LoadReason = 'start' | 'change' | 'sighup' | 'api';

/** One zone file and what it serves. */
interface Entry {
  spec: ZoneSpec;
  /** The resolved path: the entry's identity. */
  key: string;
  /** The --zone-dir it was found in (resolved); null for --zone. */
  dir: string | null;
  serving: LoadedZone | null;
  /** The name /zones and metrics know it by: the origin served, else the best guess. */
  name: string | null;
  /** Resolved paths of the files last read for it (the zone file and its $INCLUDEs). */
  files: string[];
  /** The batch building it now (until that batch is published and its follow-ups are done). */
  building: Promise<void> | null;
  /** A change seen while it was building: build it once more after (the first reason seen). */
  again: LoadReason | null;
  /** Under --serial-policy increment: the serials served for it (created at its first build). */
  keeper: SerialKeeper | null;
}

/** A version that loaded and waits to be published. */
interface Loaded {
  entry: Entry;
  zone: LoadedZone;
  previousSerial: number | null;
  loadMs: number;
}

/** Zones handed to the builder, or taken from it, before the thread yields (see run). */
const ZONES_AT_ONCE = 250;

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** The outcome of one build, and how long it took. */
interface Built {
  result: LoadResult;
  loadMs: number;
}

/** Zones logged as served before the thread yields (see publish). */
const LOG_LINES_AT_ONCE = 25;

/** Files in a zone directory that hold zones: `NAME.zone`, not dot files (editors' and tools' temporaries). */
export function isZoneFileName(name: string): boolean {
  return name.endsWith('.zone') && !name.startsWith('.');
}

export class ZoneFiles implements ZoneSource {
  readonly kind = 'zone-files';
  private readonly options: ZoneFilesOptions;
  /** Keyed by resolved path, in load order: --zone entries, then each directory's files. */
  private readonly entries = new Map<string, Entry>();
  /** Resolved zone directory → as given (file names in logs keep the operator's form). */
  private readonly dirs = new Map<string, string>();
  /** Origin → the entry serving it (at most one: a second one is rejected as a duplicate). */
  private readonly byOrigin = new Map<string, Entry>();
  private watcher: FileWatcher | null = null;
  private closed = false;
  private readonly builder: ZoneBuilder;

  constructor(options: ZoneFilesOptions) {
    this.options = options;
    this.builder = options.build ?? (async (file, origin, opts) => loadZone(file, origin, opts));
    for (const dir of options.zoneDirs) this.dirs.set(path.resolve(dir), dir);
  }

  /** Find and load every zone, start watching; resolves once the zones are published. */
  start(): Promise<void> {
    for (const spec of this.options.zones) this.add(spec, null);
    this.scanDirectories();
    // Watch before reading, so an edit made while we read is not missed.
    if (this.options.watch ?? true) {
      this.watcher = new FileWatcher({
        debounceMs: this.options.debounceMs,
        onChange: (paths) =>
          void this.changed(paths).catch((err: unknown) =>
            this.options.log.error(
              { event: 'reload_error', code: 'PGN_ERR_RELOAD', stack: (err as Error).stack },
              `reload failed: ${(err as Error).message}`,
            ),
          ),
        onError: warnUnwatchable(this.options.log),
      });
      this.rewatch();
    }
    return this.apply([...this.entries.keys()], 'start');
  }

  /** SIGHUP: look for new and removed files in the zone directories, then reload every zone. */
  async reloadAll(): Promise<void> {
    if (this.closed) return;
    this.scanDirectories();
    await this.apply([...this.entries.keys()], 'sighup');
  }

  /** The control API's POST /zones/NAME/reload: reload the file serving `origin` (or that last failed as it). */
  async reloadZone(origin: string): Promise<boolean> {
    if (this.closed) return false;
    let entry = this.servedBy(origin);
    if (entry === undefined) for (const e of this.entries.values()) if (e.name === origin) entry = e;
    if (entry === undefined) return false;
    await this.apply([entry.key], 'api');
    return true;
  }

  /** Paths that changed (from the watcher): reload the zones that read them; load new zone-dir files. */
  async changed(paths: string[]): Promise<void> {
    if (this.closed) return;
    const keys = new Set<string>();
    for (const p of paths) {
      if (this.entries.has(p)) {
        keys.add(p);
        continue;
      }
      const given = this.dirs.get(path.dirname(p));
      const name = path.basename(p);
      if (given !== undefined && isZoneFileName(name) && isFile(p)) {
        this.add({ file: path.join(given, name), origin: null }, path.dirname(p));
        keys.add(p);
        continue;
      }
      for (const entry of this.entries.values()) if (entry.files.includes(p)) keys.add(entry.key);
    }
    if (keys.size === 0) return;
    await this.apply([...this.entries.keys()].filter((k) => keys.has(k)), 'change');
  }

  /**
   * Stop watching and reloading. A publication in progress still completes; versions still
   * building are not published (the builder may be gone: serve destroys its pool next).
   */
  close(): void {
    this.closed = true;
    this.watcher?.close();
  }

  /** Directories watched now (resolved). */
  watchedDirectories(): string[] {
    return this.watcher?.directories() ?? [];
  }

  private add(spec: ZoneSpec, dir: string | null): void {
    const key = path.resolve(spec.file);
    // The same file named twice (--zone and inside a --zone-dir) is one zone.
    if (this.entries.has(key)) return;
    this.entries.set(key, { spec, key, dir, serving: null, name: null, files: [key], building: null, again: null, keeper: null });
  }

  /** New `*.zone` files in the zone directories become entries (loaded by the caller). */
  private scanDirectories(): void {
    for (const [dir, given] of this.dirs) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (err) {
        this.options.log.error(
          { event: 'zone_dir_error', dir: given, code: 'PGN_ERR_ZONE_DIR' },
          `cannot read zone directory ${given}: ${(err as Error).message}`,
        );
        continue;
      }
      for (const name of names.filter(isZoneFileName).sort()) {
        const file = path.join(given, name);
        if (isFile(file)) this.add({ file, origin: null }, dir);
      }
    }
  }

  private rewatch(): void {
    if (this.watcher === null) return;
    const files = new Set<string>();
    for (const entry of this.entries.values()) for (const f of entry.files) files.add(f);
    this.watcher.watch(files, [...this.dirs.keys()].map((dir) => ({ dir, accept: isZoneFileName })));
  }

  /**
   * Load these entries (read, parse, check, compile: through the builder, several at once), then
   * publish every version that loaded in one generation; resolves once every worker serves it.
   * An entry is never built twice at once: one already building is built once more after its
   * build is published (however many changes came meanwhile), and this call waits for that too.
   */
  private apply(keys: string[], reason: LoadReason): Promise<void> {
    const batch: Entry[] = [];
    const removed: string[] = [];
    const waits: Promise<void>[] = [];
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry === undefined) continue;
      if (entry.building !== null) {
        entry.again ??= reason;
        // Its batch reports its own failure; here it only has to be over.
        waits.push(entry.building.catch(() => undefined));
        continue;
      }
      // At start a missing file is a load error like any other; later it is a deletion.
      if (reason !== 'start' && !isFile(entry.key)) {
        this.gone(entry, removed);
        continue;
      }
      batch.push(entry);
    }
    if (batch.length > 0) {
      const run = this.run(batch, removed, reason);
      for (const entry of batch) entry.building = run;
      waits.push(run);
    } else {
      this.rewatch();
      if (removed.length > 0) waits.push(this.publish([], removed, reason));
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** Build a batch, publish what loaded (and what `removed` names), then the follow-up builds. */
  private async run(batch: Entry[], removed: string[], reason: LoadReason): Promise<void> {
    try {
      // Thousands of zones: hand them out, and later take them in, a few hundred at a time, so
      // that this thread answers HTTP in between.
      const building: Promise<Built | null>[] = [];
      for (const [i, entry] of batch.entries()) {
        building.push(this.build(entry));
        if (i % ZONES_AT_ONCE === ZONES_AT_ONCE - 1) await yieldToLoop();
      }
      const built = await Promise.all(building);
      // Stopping: what was built is not published any more.
      if (this.closed) return;
      const loaded: Loaded[] = [];
      for (const [i, entry] of batch.entries()) {
        if (i % ZONES_AT_ONCE === ZONES_AT_ONCE - 1) await yieldToLoop();
        const b = built[i];
        if (b === null) continue;
        const l = this.load(entry, b.result, b.loadMs, reason);
        if (l === null) continue;
        const previous = entry.serving;
        const oldName = entry.name;
        this.setServing(entry, l.zone);
        entry.name = l.zone.origin;
        entry.files = l.zone.files.map((f) => path.resolve(f));
        // The file's $ORIGIN changed: the old zone goes, and so does its status if no file serves it.
        if (previous !== null && previous.origin !== l.zone.origin) removed.push(previous.origin);
        if (oldName !== null && oldName !== l.zone.origin && this.servedBy(oldName) === undefined) {
          this.options.registry.remove(oldName);
        }
        this.options.registry.loaded(l.zone);
        loaded.push(l);
      }
      this.rewatch();
      if (loaded.length === 0 && removed.length === 0) return;
      await this.publish(loaded, removed, reason);
    } finally {
      const again = new Map<LoadReason, string[]>();
      for (const entry of batch) {
        entry.building = null;
        if (entry.again === null) continue;
        const keys = again.get(entry.again) ?? [];
        keys.push(entry.key);
        again.set(entry.again, keys);
        entry.again = null;
      }
      if (!this.closed) await Promise.all([...again].map(([r, keys]) => this.apply(keys, r)));
    }
  }

  /** One generation to every worker; then a log line and a histogram sample per zone loaded. */
  private publish(loaded: Loaded[], removed: string[], reason: LoadReason): Promise<void> {
    const publishing = performance.now();
    return this.options.publisher.publish(
      loaded.map((l) => l.zone),
      removed,
    ).then(async () => {
      const publishMs = performance.now() - publishing;
      for (const [i, l] of loaded.entries()) {
        this.served(l, publishMs, reason);
        // Log lines are written synchronously: after every 25 lines (~15 kB), let the reader of stdout
        // (a pipe of 64 kB) catch up, and this thread answer HTTP (a rebuild of 10k zones logs 10k).
        if (i % LOG_LINES_AT_ONCE === LOG_LINES_AT_ONCE - 1) await new Promise((r) => setTimeout(r, 1));
      }
      this.options.onPublished?.();
    });
  }

  /** Read and compile one entry through the builder; null when stopping abandoned it. */
  private async build(entry: Entry): Promise<Built | null> {
    const started = performance.now();
    try {
      const policy = this.options.serialPolicy ?? 'warn';
      if (policy === 'increment') {
        entry.keeper ??= new SerialKeeper(this.options.stateDir ?? null, guessOrigin(entry.spec.file, entry.spec.origin), this.options.log);
      }
      const result = await this.builder(entry.spec.file, entry.spec.origin, {
        expiryWarningSeconds: this.options.expiryWarningSeconds,
        transferForm: this.options.transferForm,
        serialPolicy: policy,
        serialBase: entry.keeper?.last() ?? null,
        zonemdVerify: this.options.zonemdVerify,
      });
      return { result, loadMs: performance.now() - started };
    } catch (err) {
      if (this.closed) return null;
      throw err;
    }
  }

  /** The outcome of a build; on failure log every problem, count it, and return null. */
  private load(entry: Entry, result: LoadResult, loadMs: number, reason: LoadReason): Loaded | null {
    const { log, registry } = this.options;
    const file = entry.spec.file;
    const serving = entry.serving;
    if (!result.ok) {
      const name = serving?.origin ?? result.origin;
      entry.name = name;
      this.reject(entry, name, result.errors, reason);
      registry.failed(name, file, firstProblem(file, result.errors));
      return null;
    }
    const zone = result.zone;
    const owner = this.servedBy(zone.origin);
    if (owner !== undefined && owner !== entry) {
      const message = `${file}: zone ${zone.origin} is already loaded from ${owner.spec.file}; not loaded`;
      log.error({ event: 'zone_rejected', file, zone: zone.origin, reload: reason !== 'start', code: 'PGN_ERR_ZONE_DUPLICATE' }, message);
      registry.failed(serving?.origin ?? zone.origin, file, message);
      if (serving === null) entry.name = zone.origin;
      return null;
    }
    if (!this.serialDiscipline(entry, zone, reason)) return null;
    return { entry, zone, previousSerial: serving?.serial ?? null, loadMs };
  }

  /**
   * --serial-policy: a version whose content differs from the one serving under the same file
   * serial is a warning (counted), refused under `refuse` (false: the old version keeps serving);
   * under `increment` it already carries a higher serial (loadZone), remembered here.
   */
  private serialDiscipline(entry: Entry, zone: LoadedZone, reason: LoadReason): boolean {
    const { log, registry } = this.options;
    const policy = this.options.serialPolicy ?? 'warn';
    const serving = entry.serving;
    const file = entry.spec.file;
    const unchanged =
      serving !== null && serving.origin === zone.origin && zone.fingerprint !== undefined &&
      serving.fingerprint !== undefined && zone.fingerprint !== serving.fingerprint && zone.fileSerial === serving.fileSerial;
    if (unchanged) {
      registry.serialUnchanged(zone.origin);
      const fields = { event: 'serial_unchanged', file, zone: zone.origin, serial: zone.fileSerial, policy, reload: reason !== 'start' };
      if (policy === 'refuse') {
        const message = `${file}: zone ${zone.origin} changed but its serial ${zone.fileSerial} did not; not loaded (--serial-policy refuse), still serving the previous version`;
        log.error({ ...fields, code: ERR_SERIAL_UNCHANGED }, message);
        registry.failed(zone.origin, file, message);
        return false;
      }
      const what = policy === 'increment' ? `serving serial ${zone.serial} (--serial-policy increment)` : 'served as it is (--serial-policy warn)';
      log.warn({ ...fields, served: zone.serial, code: WARN_SERIAL_UNCHANGED }, `${file}: zone ${zone.origin} changed but its serial ${zone.fileSerial} did not; ${what}`);
    }
    if (policy === 'increment' && zone.fingerprint !== undefined) entry.keeper?.record(zone.serial, zone.fingerprint);
    return true;
  }

  private reject(entry: Entry, name: string, errors: PeregrineError[], reason: LoadReason): void {
    const file = entry.spec.file;
    logZoneErrors(this.options.log, file, errors);
    const serving = entry.serving;
    const kept = serving === null ? '' : `; still serving serial ${serving.serial}`;
    this.options.log.error(
      {
        event: 'zone_rejected',
        file,
        zone: name,
        errors: errors.length,
        reload: reason !== 'start',
        servingSerial: serving?.serial ?? null,
        code: 'PGN_ERR_ZONE_REJECTED',
      },
      `${file}: not loaded (${errors.length} error(s))${kept}`,
    );
  }

  /** The file of an entry is gone: a --zone-dir zone goes with it; a --zone zone keeps serving. */
  private gone(entry: Entry, removed: string[]): void {
    const { log, registry } = this.options;
    const file = entry.spec.file;
    const serving = entry.serving;
    if (entry.dir !== null) {
      this.entries.delete(entry.key);
      this.setServing(entry, null);
      if (entry.name !== null && this.servedBy(entry.name) === undefined) registry.remove(entry.name);
      if (serving !== null) removed.push(serving.origin);
      log.warn(
        { event: 'zone_removed', file, zone: entry.name, code: WARN_ZONE_REMOVED },
        serving === null ? `${file} is gone` : `${file} is gone: zone ${serving.origin} is no longer served`,
      );
      return;
    }
    const since = serving?.loadedAt.toISOString();
    const message =
      serving === null
        ? `${file} is gone (its zone was never loaded)`
        : `${file} is gone: still serving ${serving.origin} serial ${serving.serial} (loaded at ${since})`;
    log.warn({ event: 'zone_file_missing', file, zone: entry.name, code: WARN_ZONE_FILE_MISSING }, message);
    if (entry.name !== null) registry.noted(entry.name, message);
  }

  /** Every worker serves the new version: one log line for it, and its time in the histogram. */
  private served(l: Loaded, publishMs: number, reason: LoadReason): void {
    const { log } = this.options;
    const zone = l.zone;
    const ms = l.loadMs + publishMs;
    this.options.observeLoad?.(ms / 1000);
    if (reason === 'start') {
      log.info({ event: 'zone_loaded', ...zoneFields(zone), ms: Math.round(ms) }, `${zone.origin} loaded from ${zone.file} (${zoneSummary(zone)})`);
    } else {
      log.info(
        { event: 'zone_reloaded', ...zoneFields(zone), previousSerial: l.previousSerial, reason, ms: Math.round(ms) },
        `${zone.origin} reloaded from ${zone.file} (${zoneSummary(zone)}) and served by every worker in ${Math.round(ms)} ms`,
      );
    }
    logSignatureExpiry(log, zone, this.options.expiryWarningSeconds);
    logZoneWarnings(log, zone);
  }

  private servedBy(origin: string): Entry | undefined {
    return this.byOrigin.get(origin);
  }

  /** What an entry serves now, and the origin index with it (no scan of 10k entries per zone). */
  private setServing(entry: Entry, zone: LoadedZone | null): void {
    const previous = entry.serving;
    if (previous !== null && this.byOrigin.get(previous.origin) === entry) this.byOrigin.delete(previous.origin);
    entry.serving = zone;
    if (zone !== null) this.byOrigin.set(zone.origin, entry);
  }
}

/** Each check warning of a version that serves as `FILE:LINE: message` (the first 50), and their count. */
function logZoneWarnings(log: Logger, zone: LoadedZone): void {
  const w = zone.warnings;
  if (w === undefined || w.count === 0) return;
  for (const line of w.lines) log.warn({ event: 'zone_warning', zone: zone.origin, file: zone.file, code: WARN_ZONE_DATA }, line);
  const more = w.count - w.lines.length;
  log.warn(
    { event: 'zone_warnings', zone: zone.origin, file: zone.file, warnings: w.count, code: WARN_ZONE_DATA },
    `${zone.origin}: ${w.count} warning(s)${more > 0 ? ` (${more} not logged)` : ''}; served anyway (peregrine check lists them)`,
  );
}

function isFile(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}
