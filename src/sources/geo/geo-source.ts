// Geo files as serve runs them (`--geo ORIGIN=FILE`, config `geo:`): each file is read at start
// and watched; its zone, whichever source publishes it, is decorated at every publication with
// the view images compiled from its main image (compile/geo-views.ts). A geo file that does not
// read keeps its last good version (the zone without views if there never was one), logged with
// FILE:LINE; a changed file republishes its zone with the new views.

import type { AnswerOptions } from '../../answer/answer.ts';
import { compileGeoViews } from '../../compile/geo-views.ts';
import type { GeoSpec } from '../../config/serve-options.ts';
import type { Logger } from '../../primary/log.ts';
import type { Publisher } from '../../primary/publisher.ts';
import type { LoadedZone } from '../../primary/zone-loader.ts';
import type { ZoneSource } from '../../primary/zone-source.ts';
import { type FileWatcher, watchFile } from '../files/watch.ts';
import { GeoFileError, readGeoFile, type GeoConfig } from './geo-file.ts';

export interface GeoSourceOptions {
  specs: GeoSpec[];
  publisher: Publisher;
  log: Logger;
  answer: AnswerOptions;
  watch?: boolean;
}

export class GeoSource implements ZoneSource {
  readonly kind = 'geo';
  private readonly o: GeoSourceOptions;
  private readonly configs = new Map<string, GeoConfig>();
  private readonly watchers: FileWatcher[] = [];

  /** Reads every geo file now, so the zones' first publications already carry their views. */
  constructor(options: GeoSourceOptions) {
    this.o = options;
    for (const spec of options.specs) this.read(spec);
    options.publisher.decorate((zone) => this.decorate(zone));
  }

  async start(): Promise<void> {
    if (this.o.watch === false) return;
    for (const spec of this.o.specs) {
      this.watchers.push(watchFile(spec.file, { log: this.o.log, onChange: () => void this.reload(spec) }));
    }
  }

  async reloadAll(): Promise<void> {
    await Promise.all(this.o.specs.map((s) => this.reload(s)));
  }

  close(): void {
    for (const w of this.watchers) w.close();
  }

  /** Read `spec`'s file again; republish its zone (with the new views) if it read. */
  async reload(spec: GeoSpec): Promise<void> {
    if (!this.read(spec)) return;
    const zone = this.o.publisher.get(spec.origin);
    if (zone !== undefined) await this.o.publisher.publish([zone]);
  }

  private read(spec: GeoSpec): boolean {
    try {
      const config = readGeoFile(spec.file, { mode: spec.mode, ttl: spec.ttl, geodbFile: spec.geodbFile, geodbKeys: spec.geodbKeys });
      this.configs.set(spec.origin, config);
      this.o.log.info({ event: 'geo_loaded', zone: spec.origin, file: spec.file, owners: config.owners.length }, `geo file ${spec.file}: ${config.owners.length} owner(s) for ${spec.origin}`);
      return true;
    } catch (err) {
      if (!(err instanceof GeoFileError)) throw err;
      for (const p of err.problems.slice(0, 50)) this.o.log.error({ event: 'geo_error', code: p.code, zone: spec.origin, file: p.context.file, line: p.context.line }, String(p));
      const kept = this.configs.has(spec.origin) ? 'the previous version keeps serving' : 'the zone is served without views';
      this.o.log.error({ event: 'geo_rejected', code: 'PGN_ERR_GEO', zone: spec.origin, file: spec.file, problems: err.problems.length }, `geo file ${spec.file} not loaded (${err.problems.length} problem(s)): ${kept}`);
      return false;
    }
  }

  private decorate(zone: LoadedZone): LoadedZone {
    const config = this.configs.get(zone.origin);
    if (config === undefined) return zone.geoViews === undefined ? zone : { ...zone, geoViews: undefined };
    try {
      const views = compileGeoViews(zone.image, config, this.o.answer);
      for (const w of views.warnings) this.o.log.warn({ event: 'geo_warning', code: w.code, zone: zone.origin, file: w.context.file, line: w.context.line }, String(w));
      return { ...zone, geoViews: views.images };
    } catch (err) {
      this.o.log.error({ event: 'geo_error', code: 'PGN_ERR_GEO', zone: zone.origin, stack: (err as Error).stack }, `geo views of ${zone.origin} not compiled: ${(err as Error).message}`);
      return { ...zone, geoViews: undefined };
    }
  }
}
