// Gauges of the secondary zones' expiry, for alerts before a zone stops answering (the SOA expire
// timer runs out without a refresh confirming the version served): when each zone expires, and
// whether it has.

import { Gauge, type Registry } from 'prom-client';

export interface SecondaryExpiry {
  zone: string;
  /** Unix time in seconds when the version served expires unless a refresh confirms it. */
  expiresAt: number;
  expired: boolean;
}

export function registerSecondaryGauges(registry: Registry, read: () => SecondaryExpiry[]): void {
  new Gauge({
    name: 'peregrine_secondary_expiry_seconds',
    help: 'When a secondary zone expires (Unix time in seconds) unless a refresh from a primary confirms its serial first.',
    labelNames: ['zone'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of read()) this.set({ zone: e.zone }, e.expiresAt);
    },
  });
  new Gauge({
    name: 'peregrine_secondary_expired',
    help: '1 while a secondary zone is expired (answered SERVFAIL, /healthz 503), else 0.',
    labelNames: ['zone'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of read()) this.set({ zone: e.zone }, e.expired ? 1 : 0);
    },
  });
}
