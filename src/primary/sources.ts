// Every zone source `peregrine serve` runs, from its options. A new kind of source is one more line.

import { ZoneFiles } from '../sources/files/zone-files.ts';
import { SecondaryZones } from '../sources/secondary/secondary-zones.ts';
import { reloadDurationHistogram } from './reload-metrics.ts';
import type { SourceContext, ZoneSource } from './zone-source.ts';

export function createSources(c: SourceContext): ZoneSource[] {
  const sources: ZoneSource[] = [zoneFileSource(c)];
  if (c.options.secondaries.length > 0) sources.push(new SecondaryZones(c));
  return sources;
}

/** The zone-file source of --zone and --zone-dir: it watches its files and publishes through `publisher`. */
function zoneFileSource(c: SourceContext): ZoneSource {
  return new ZoneFiles({
    zones: c.options.zones,
    zoneDirs: c.options.zoneDirs,
    publisher: c.publisher,
    registry: c.registry,
    log: c.log,
    expiryWarningSeconds: c.options.expiryWarningSeconds,
    observeLoad: reloadDurationHistogram(c.metrics.registry),
    onPublished: c.onPublished,
    build: c.builds.build,
  });
}
