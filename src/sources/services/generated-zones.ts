// Publishing zones a source builds itself (services, registries): assemble and check, give the
// serial (one more per changed content, never on unchanged content), compile, publish the
// changed zones in one generation, and tell the zone registry and the log. A zone whose content
// did not change is not republished.

import type { PeregrineError } from '../../errors.ts';
import type { Logger } from '../../primary/log.ts';
import type { Publisher } from '../../primary/publisher.ts';
import { loadZoneModel, type LoadedZone } from '../../primary/zone-loader.ts';
import { firstProblem, logZoneErrors, zoneFields, zoneSummary } from '../../primary/zone-log.ts';
import type { ZoneRegistry } from '../../primary/zone-registry.ts';
import { assembleZone, type NameServer, type ZoneContent } from './generated-zone.ts';
import { SerialKeeper } from './serial.ts';

export type UpdateReason = 'start' | 'change' | 'health' | 'sighup';

export interface GeneratedZonesOptions {
  publisher: Publisher;
  registry: ZoneRegistry;
  log: Logger;
  stateDir: string | null;
  onPublished?: () => void;
  /** For log lines: `services`, `registry`. */
  kind: string;
}

/** What a source of generated zones (a services or registry file) is built with. */
export interface GeneratedSourceOptions extends Omit<GeneratedZonesOptions, 'kind'> {
  file: string;
  /** Name servers of a zone whose file has no `ns:` (the server's own addresses). */
  defaultNs: (origin: string) => NameServer[];
  /** Test seams. */
  watch?: boolean;
  debounceMs?: number;
}

interface Served {
  fingerprint: string;
  zone: LoadedZone;
  keeper: SerialKeeper;
}

export class GeneratedZones {
  private readonly o: GeneratedZonesOptions;
  private readonly served = new Map<string, Served>();
  private readonly keepers = new Map<string, SerialKeeper>();
  private closed = false;

  constructor(options: GeneratedZonesOptions) {
    this.o = options;
  }

  /** The version of `origin` served now. */
  get(origin: string): LoadedZone | undefined {
    return this.served.get(origin)?.zone;
  }

  /**
   * Serve these zones: each one whose content changed gets the next serial and is published;
   * zones published before and absent now are removed. A zone that fails its checks keeps its
   * previous version (logged FILE:LINE, counted). Resolves once every worker serves the result.
   * Returns the origins published.
   */
  async update(contents: readonly ZoneContent[], reason: UpdateReason): Promise<string[]> {
    const { log, registry } = this.o;
    const changed: { zone: LoadedZone; previousSerial: number | null; fingerprint: string; keeper: SerialKeeper }[] = [];
    const present = new Set<string>();
    const started = performance.now();
    for (const c of contents) {
      const origin = c.apex.origin;
      present.add(origin);
      const assembled = assembleZone(c);
      if (!assembled.ok) {
        this.reject(origin, c.file, assembled.errors, reason);
        continue;
      }
      const previous = this.served.get(origin);
      if (previous !== undefined && previous.fingerprint === assembled.zone.fingerprint) continue;
      const keeper = this.keeper(origin);
      const serial = keeper.serialFor(assembled.zone.fingerprint);
      const loaded = loadZoneModel(assembled.zone.withSerial(serial), c.file);
      if (!loaded.ok) {
        this.reject(origin, c.file, loaded.errors, reason);
        continue;
      }
      changed.push({ zone: loaded.zone, previousSerial: previous?.zone.serial ?? null, fingerprint: assembled.zone.fingerprint, keeper });
    }
    const removed = [...this.served.keys()].filter((o) => !present.has(o));
    if (this.closed || (changed.length === 0 && removed.length === 0)) return [];
    await this.o.publisher.publish(changed.map((c) => c.zone), removed);
    const ms = Math.round(performance.now() - started);
    for (const origin of removed) {
      const was = this.served.get(origin)!;
      this.served.delete(origin);
      registry.remove(origin);
      log.warn({ event: 'zone_removed', zone: origin, file: was.zone.file, source: this.o.kind, code: 'PGN_WARN_ZONE_REMOVED' }, `${origin} is no longer in ${was.zone.file}: not served`);
    }
    for (const c of changed) {
      this.served.set(c.zone.origin, { fingerprint: c.fingerprint, zone: c.zone, keeper: c.keeper });
      registry.loaded(c.zone);
      const z = c.zone;
      if (c.previousSerial === null) {
        log.info({ event: 'zone_loaded', ...zoneFields(z), source: this.o.kind, ms }, `${z.origin} built from ${z.file} (${zoneSummary(z)})`);
      } else {
        log.info(
          { event: 'zone_reloaded', ...zoneFields(z), previousSerial: c.previousSerial, reason, source: this.o.kind, ms },
          `${z.origin} rebuilt from ${z.file} (${zoneSummary(z)}, ${reason}) and served by every worker in ${ms} ms`,
        );
      }
    }
    this.o.onPublished?.();
    return changed.map((c) => c.zone.origin);
  }

  /** The source's file could not be read or validated: count it against the zone(s) it serves. */
  failed(origin: string | null, file: string, errors: PeregrineError[], reason: UpdateReason): void {
    this.reject(origin, file, errors, reason);
  }

  /** Stop publishing (a build in progress is dropped). */
  close(): void {
    this.closed = true;
  }

  private keeper(origin: string): SerialKeeper {
    let k = this.keepers.get(origin);
    if (k === undefined) {
      k = new SerialKeeper(this.o.stateDir, origin, this.o.log);
      this.keepers.set(origin, k);
    }
    return k;
  }

  private reject(origin: string | null, file: string, errors: PeregrineError[], reason: UpdateReason): void {
    const { log, registry } = this.o;
    logZoneErrors(log, file, errors);
    const served = origin === null ? undefined : this.served.get(origin);
    const kept = served === undefined ? '' : `; still serving serial ${served.zone.serial}`;
    log.error(
      { event: 'zone_rejected', file, zone: origin, errors: errors.length, reload: reason !== 'start', servingSerial: served?.zone.serial ?? null, source: this.o.kind, code: 'PGN_ERR_ZONE_REJECTED' },
      `${file}: not loaded (${errors.length} error(s))${kept}`,
    );
    // A file that never named a zone is shown under its own name.
    registry.failed(origin ?? file, file, firstProblem(file, errors));
  }
}
