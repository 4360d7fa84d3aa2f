// /metrics: a private prom-client Registry, filled on scrape from the zone registry (no global state).
// Per-query counters (summed from the workers' shared counters) join it in a later change.

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ZoneRegistry, ZoneStatus } from './zone-registry.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The exposition text, collected now. */
  text(): Promise<string>;
}

export function createMetrics(zones: ZoneRegistry): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Each collect() rebuilds its series from the registry, so a zone that goes away leaves no
  // stale series behind. Gauges describe the version served; a zone never loaded has none.
  const zoneGauge = (name: string, help: string, value: (z: ZoneStatus) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['zone'],
      registers: [registry],
      collect() {
        this.reset();
        for (const z of zones.serving()) {
          const v = value(z);
          if (v !== null) this.set({ zone: z.name }, v);
        }
      },
    });

  zoneGauge('peregrine_zone_serial', 'SOA serial of the zone version served.', (z) => z.serial);
  zoneGauge('peregrine_zone_records', 'Records in the zone version served.', (z) => z.records);
  zoneGauge('peregrine_zone_signed', '1 if the zone served is DNSSEC-signed (DNSKEY and RRSIGs at the apex), else 0.', (z) =>
    z.signed ? 1 : 0,
  );
  zoneGauge(
    'peregrine_zone_signature_expiry_seconds',
    'Earliest RRSIG expiration in a signed zone, as Unix time in seconds.',
    (z) => (z.signed && z.signatureExpiry !== null ? z.signatureExpiry.getTime() / 1000 : null),
  );
  zoneGauge('peregrine_image_bytes', 'Size of the zone\'s compiled image (one SharedArrayBuffer shared by all workers).', (z) =>
    z.imageBytes,
  );

  new Counter({
    name: 'peregrine_zone_reload_total',
    help: 'Zone loads by result (ok: the new version serves; error: it was rejected).',
    labelNames: ['zone', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const z of zones.list()) {
        this.inc({ zone: z.name, result: 'ok' }, z.loads.ok);
        this.inc({ zone: z.name, result: 'error' }, z.loads.error);
      }
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
  };
}
