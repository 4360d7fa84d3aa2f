// The tinydns source (`--tinydns FILE`, repeatable): each data file is a set of zones, built in
// the build pool (build.ts), watched (a cluster watcher rewrites it by atomic rename), and rebuilt
// on change, on SIGHUP and when a timestamp in it comes due. Only zones whose content changed are
// published again; zones that left the file are removed. A broken file keeps every zone of its last
// good version serving, each problem logged as FILE:LINE and the failure counted.
//
// A zone defined twice is served once: by the first data file (in the order given), and a zone
// file beats any data file; the other is logged as an error.

import path from 'node:path';
import { WARN_ZONE_FILE_MISSING, type PeregrineError } from '../../errors.ts';
import type { Logger } from '../../primary/log.ts';
import type { Publisher } from '../../primary/publisher.ts';
import type { LoadedZone } from '../../primary/zone-loader.ts';
import { firstProblem, logZoneErrors, zoneFields, zoneSummary } from '../../primary/zone-log.ts';
import type { ZoneRegistry } from '../../primary/zone-registry.ts';
import type { ZoneSource } from '../../primary/zone-source.ts';
import { FileWatcher, warnUnwatchable } from '../files/watch.ts';
import { buildTinydns, type TinydnsBuildResult } from './build.ts';
import { statSync } from 'node:fs';

export type TinydnsBuilder = (file: string, known: Record<string, string>) => Promise<TinydnsBuildResult>;

export interface TinydnsSourceOptions {
  files: string[];
  publisher: Publisher;
  registry: ZoneRegistry;
  log: Logger;
  /** serve passes its BuildPool's buildTinydns; the default builds in this thread. */
  build?: TinydnsBuilder;
  watch?: boolean;
  debounceMs?: number;
  /** Seconds from reading a data file to every worker serving what changed. */
  observeLoad?: (seconds: number) => void;
  onPublished?: () => void;
}

type Reason = 'start' | 'change' | 'sighup' | 'timestamp';

interface Served {
  fingerprint: string;
  zone: LoadedZone;
}

interface Entry {
  /** As given (logs). */
  file: string;
  /** Resolved: identity and watch. */
  key: string;
  /** Zones this file serves now, by origin. */
  zones: Map<string, Served>;
  building: Promise<void> | null;
  again: Reason | null;
  timer: NodeJS.Timeout | null;
}

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 0x7fffffff;

export class TinydnsSource implements ZoneSource {
  readonly kind = 'tinydns';
  private readonly options: TinydnsSourceOptions;
  private readonly entries = new Map<string, Entry>();
  /** Origin → the entry serving it. */
  private readonly owners = new Map<string, Entry>();
  private readonly builder: TinydnsBuilder;
  private watcher: FileWatcher | null = null;
  private closed = false;

  constructor(options: TinydnsSourceOptions) {
    this.options = options;
    this.builder = options.build ?? (async (file, known) => buildTinydns({ kind: 'tinydns', file, known }));
    for (const file of options.files) {
      const key = path.resolve(file);
      if (!this.entries.has(key)) this.entries.set(key, { file, key, zones: new Map(), building: null, again: null, timer: null });
    }
    // A zone file serving an origin one of our files serves wins: it is the first source.
    options.publisher.onPublished((changed) => {
      for (const zone of changed) {
        const owner = this.owners.get(zone.origin);
        if (owner === undefined || zone.file === owner.file) continue;
        this.options.log.error(
          { event: 'zone_rejected', file: owner.file, zone: zone.origin, code: 'PGN_ERR_ZONE_DUPLICATE' },
          `${owner.file}: zone ${zone.origin} is also loaded from ${zone.file}; serving that one`,
        );
        owner.zones.delete(zone.origin);
        this.owners.delete(zone.origin);
      }
    });
  }

  async start(): Promise<void> {
    if (this.options.watch ?? true) {
      this.watcher = new FileWatcher({
        debounceMs: this.options.debounceMs,
        onChange: (paths) => {
          for (const p of paths) {
            const entry = this.entries.get(p);
            if (entry !== undefined) void this.load(entry, 'change');
          }
        },
        onError: warnUnwatchable(this.options.log),
      });
      this.watcher.watch(this.entries.keys());
    }
    await Promise.all([...this.entries.values()].map((e) => this.load(e, 'start')));
  }

  async reloadAll(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.entries.values()].map((e) => this.load(e, 'sighup')));
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    for (const entry of this.entries.values()) if (entry.timer !== null) clearTimeout(entry.timer);
  }

  /** Build a file now, or once more after the build in progress (however many changes came meanwhile). */
  private load(entry: Entry, reason: Reason): Promise<void> {
    if (entry.building !== null) {
      entry.again ??= reason;
      return entry.building;
    }
    const run = async (): Promise<void> => {
      let next: Reason | null = reason;
      while (next !== null && !this.closed) {
        entry.again = null;
        try {
          await this.buildOnce(entry, next);
        } catch (err) {
          if (this.closed) return;
          this.options.log.error(
            { event: 'reload_error', file: entry.file, code: 'PGN_ERR_RELOAD', stack: (err as Error).stack },
            `${entry.file}: build failed: ${(err as Error).message}`,
          );
        }
        next = entry.again;
      }
    };
    entry.building = run().finally(() => {
      entry.building = null;
    });
    return entry.building;
  }

  private async buildOnce(entry: Entry, reason: Reason): Promise<void> {
    const { log, registry } = this.options;
    if (reason !== 'start' && !isFile(entry.key)) {
      const message = `${entry.file} is gone: still serving its ${entry.zones.size} zone(s)`;
      log.warn({ event: 'zone_file_missing', file: entry.file, code: WARN_ZONE_FILE_MISSING }, message);
      for (const origin of entry.zones.keys()) registry.noted(origin, message);
      return;
    }
    const started = performance.now();
    const known: Record<string, string> = {};
    for (const [origin, s] of entry.zones) known[origin] = s.fingerprint;
    const result = await this.builder(entry.file, known);
    if (this.closed) return;
    const loadMs = performance.now() - started;
    if (!result.ok) {
      this.reject(entry, result.errors, reason);
      return;
    }
    this.schedule(entry, result.nextEvent);
    // A failure logged before any zone loaded went by the file's name.
    if (registry.get(entry.file)?.loadedAt === null) registry.remove(entry.file);
    const changed: { zone: LoadedZone; previousSerial: number | null }[] = [];
    const present = new Set<string>();
    for (const z of result.zones) {
      present.add(z.origin);
      if (z.zone === null) continue;
      const owner = this.owners.get(z.origin);
      const other = this.options.publisher.get(z.origin);
      if ((owner !== undefined && owner !== entry) || (owner === undefined && other !== undefined)) {
        const from = owner?.file ?? other?.file;
        const message = `${entry.file}:${z.line}: zone ${z.origin} is already loaded from ${from}; not loaded`;
        log.error({ event: 'zone_rejected', file: entry.file, zone: z.origin, reload: reason !== 'start', code: 'PGN_ERR_ZONE_DUPLICATE' }, message);
        continue;
      }
      changed.push({ zone: z.zone, previousSerial: entry.zones.get(z.origin)?.zone.serial ?? null });
      entry.zones.set(z.origin, { fingerprint: z.fingerprint, zone: z.zone });
      this.owners.set(z.origin, entry);
      registry.loaded(z.zone);
    }
    const removed: string[] = [];
    for (const origin of [...entry.zones.keys()]) {
      if (present.has(origin)) continue;
      entry.zones.delete(origin);
      this.owners.delete(origin);
      registry.remove(origin);
      removed.push(origin);
    }
    log.info(
      {
        event: 'tinydns_loaded', file: entry.file, reason, zones: entry.zones.size, changed: changed.length,
        removed: removed.length, records: result.records, ignored: result.ignored, ms: Math.round(loadMs),
      },
      `${entry.file}: ${entry.zones.size} zone(s), ${changed.length} changed, ${removed.length} removed` +
        (result.ignored > 0 ? `; ${result.ignored} record(s) in no zone (not served)` : ''),
    );
    if (changed.length === 0 && removed.length === 0) return;
    const publishing = performance.now();
    await this.options.publisher.publish(changed.map((c) => c.zone), removed);
    const ms = loadMs + performance.now() - publishing;
    this.options.observeLoad?.(ms / 1000);
    for (const { zone, previousSerial } of changed) {
      if (reason === 'start') {
        log.info({ event: 'zone_loaded', ...zoneFields(zone), ms: Math.round(ms) }, `${zone.origin} loaded from ${zone.file} (${zoneSummary(zone)})`);
      } else {
        log.info(
          { event: 'zone_reloaded', ...zoneFields(zone), previousSerial, reason, ms: Math.round(ms) },
          `${zone.origin} reloaded from ${zone.file} (${zoneSummary(zone)}) and served by every worker in ${Math.round(ms)} ms`,
        );
      }
    }
    for (const origin of removed) {
      log.warn({ event: 'zone_removed', file: entry.file, zone: origin, code: 'PGN_WARN_ZONE_REMOVED' }, `${entry.file}: zone ${origin} is no longer in the file`);
    }
    this.options.onPublished?.();
  }

  private reject(entry: Entry, errors: PeregrineError[], reason: Reason): void {
    const { log, registry } = this.options;
    logZoneErrors(log, entry.file, errors);
    const kept = entry.zones.size === 0 ? '' : `; still serving its last good version (${entry.zones.size} zone(s))`;
    log.error(
      { event: 'zone_rejected', file: entry.file, errors: errors.length, reload: reason !== 'start', code: 'PGN_ERR_ZONE_REJECTED' },
      `${entry.file}: not loaded (${errors.length} error(s))${kept}`,
    );
    const problem = firstProblem(entry.file, errors);
    if (entry.zones.size === 0) registry.failed(entry.file, entry.file, problem);
    for (const origin of entry.zones.keys()) registry.failed(origin, entry.file, problem);
  }

  /** Build again when a timestamp in the file comes due. */
  private schedule(entry: Entry, at: number | null): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
    if (at === null || this.closed) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at * 1000 - Date.now()));
    entry.timer = setTimeout(() => {
      entry.timer = null;
      void this.load(entry, 'timestamp');
    }, delay);
    entry.timer.unref();
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}
