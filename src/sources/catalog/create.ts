// The catalog pieces from the options: the producer (--catalog) and the secondary source with its
// catalog consumers (--catalog-consumer), each catalog a secondary zone whose versions add and
// remove member zones of the same SecondaryZones.

import path from 'node:path';
import type { SourceContext, ZoneSource } from '../../primary/zone-source.ts';
import { SecondaryZones } from '../secondary/secondary-zones.ts';
import { CatalogConsumer, CatalogOwners } from './consumer.ts';
import { CatalogProducer } from './producer.ts';

/** The --catalog producer, started once every source in `others` has. */
export function catalogProducer(c: SourceContext, origin: string, others: readonly ZoneSource[]): ZoneSource {
  const excluded = new Set<string>();
  const excludedFiles = new Set<string>();
  for (const z of c.options.zones) {
    if (z.catalog !== false) continue;
    if (z.origin !== null) excluded.add(z.origin.toLowerCase().endsWith('.') ? z.origin.toLowerCase() : `${z.origin.toLowerCase()}.`);
    else excludedFiles.add(path.resolve(z.file));
  }
  for (const z of c.options.secondaries) if (z.catalog === false) excluded.add(z.origin);
  // A consumed catalog is not ours to list again.
  for (const z of c.options.catalogConsumers) excluded.add(z.origin);
  const started = others.map((s) => wrapStart(s));
  return new CatalogProducer(c, { origin, excluded, excludedFiles, othersStarted: Promise.allSettled(started.map((s) => s.promise)) });
}

/** A promise of `source`'s start(), settled when serve's call to it settles. */
function wrapStart(source: ZoneSource): { promise: Promise<void> } {
  let done!: () => void;
  const promise = new Promise<void>((resolve) => (done = resolve));
  const start = source.start.bind(source);
  source.start = () => start().finally(done);
  return { promise };
}

/** --secondary zones, and the catalogs of --catalog-consumer with the members they list. */
export function secondarySource(c: SourceContext): SecondaryZones {
  const owners = new CatalogOwners();
  const consumers = new Map<string, CatalogConsumer>();
  const specs = c.options.catalogConsumers.map((spec) => {
    const consumer = new CatalogConsumer(spec, owners, c.log);
    consumers.set(spec.origin, consumer);
    return consumer;
  });
  const secondaries = new SecondaryZones({ ...c, options: { ...c.options, secondaries: [...c.options.secondaries, ...specs.map((s) => s.catalogSpec)] } });
  for (const consumer of specs) consumer.attach(secondaries);
  secondaries.onServed = (origin, zone) => void consumers.get(origin)?.served(zone);
  return secondaries;
}
