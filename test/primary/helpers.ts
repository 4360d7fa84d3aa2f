// Shared helpers for the primary's tests.

import type { LoadedZone } from '../../src/primary/zone-loader.ts';

/** A loaded zone with an empty image of `bytes` bytes (publisher and worker tests never read it). */
export function fakeZone(origin: string, bytes: number, extra: Partial<LoadedZone> = {}): LoadedZone {
  return {
    origin,
    file: `${origin}zone`,
    serial: 1,
    records: 1,
    image: new SharedArrayBuffer(bytes),
    loadedAt: new Date(0),
    signatures: { signed: false, denial: 'none', earliestExpiration: null, expired: 0, expiring: 0 },
    ...extra,
  };
}
