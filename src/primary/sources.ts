// Every zone source `peregrine serve` runs, from its options. A new kind of source is one more line.

import { apiSource } from '../sources/api/source.ts';
import { ZoneFiles } from '../sources/files/zone-files.ts';
import { TinydnsSource } from '../sources/tinydns/source.ts';
import { registrySource, servicesSource } from '../sources/services/create.ts';
import { GeoSource } from '../sources/geo/geo-source.ts';
import { catalogProducer, secondarySource } from '../sources/catalog/create.ts';
import { needsTransferForm } from '../transfer/transfers.ts';
import { reloadDurationHistogram } from './reload-metrics.ts';
import type { SourceContext, ZoneSource } from './zone-source.ts';

export function createSources(c: SourceContext): ZoneSource[] {
  // One histogram for every source (a metric is registered once).
  const observeLoad = reloadDurationHistogram(c.metrics.registry);
  // First: geo views decorate the zones of every other source from their first publication on.
  const sources: ZoneSource[] = c.options.geo.length === 0 ? [] : [new GeoSource({ specs: c.options.geo, publisher: c.publisher, log: c.log, answer: { maxUdpPayload: c.options.maxUdpPayload, chaos: c.options.chaos } })];
  sources.push(zoneFileSource(c, observeLoad));
  if (c.options.tinydns.length > 0) sources.push(tinydnsSource(c, observeLoad));
  sources.push(...c.options.services.map((file) => servicesSource(c, file)), ...c.options.registries.map((file) => registrySource(c, file)));
  if (c.options.secondaries.length > 0 || c.options.catalogConsumers.length > 0) sources.push(secondarySource(c));
  // Last: the API reloads zones of every source before it.
  sources.push(apiSource(c, () => sources));
  // After every other source: the catalog lists what they serve.
  if (c.options.catalog !== null) sources.push(catalogProducer(c, c.options.catalog, sources));
  return sources;
}

/** The zone-file source of --zone and --zone-dir: it watches its files and publishes through `publisher`. */
function zoneFileSource(c: SourceContext, observeLoad: (seconds: number) => void): ZoneSource {
  return new ZoneFiles({
    zones: c.options.zones,
    zoneDirs: c.options.zoneDirs,
    publisher: c.publisher,
    registry: c.registry,
    log: c.log,
    expiryWarningSeconds: c.options.expiryWarningSeconds,
    transferForm: needsTransferForm(c.options),
    zonemdVerify: c.options.zonemdVerify,
    observeLoad,
    onPublished: c.onPublished,
    build: c.builds.build,
    serialPolicy: c.options.serialPolicy,
    stateDir: c.options.stateDir,
  });
}

/** The tinydns data files of --tinydns: each a set of zones, watched, built in the build pool. */
function tinydnsSource(c: SourceContext, observeLoad: (seconds: number) => void): ZoneSource {
  return new TinydnsSource({
    files: c.options.tinydns,
    publisher: c.publisher,
    registry: c.registry,
    log: c.log,
    build: c.builds.buildTinydns,
    observeLoad,
    onPublished: c.onPublished,
  });
}
