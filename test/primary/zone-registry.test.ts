// ZoneRegistry: what /zones and /metrics report per zone across loads and failures.

import { describe, expect, it } from 'vitest';
import { ZoneRegistry } from '../../src/primary/zone-registry.ts';
import { fakeZone } from './helpers.ts';

const T1 = new Date('2026-11-01T10:00:00Z');
const T2 = new Date('2026-11-02T10:00:00Z');
const EXPIRY = new Date('2026-12-01T00:00:00Z');

describe('ZoneRegistry', () => {
  it('keeps the served version through a failed reload, and clears the error on the next good one', () => {
    const reg = new ZoneRegistry();
    reg.loaded(fakeZone('a.example.', 100, { serial: 7, records: 12, file: 'a.zone', loadedAt: T1 }));
    reg.failed('a.example.', 'a.zone', 'a.zone:5: bad A');
    expect(reg.get('a.example.')).toMatchObject({
      serial: 7,
      records: 12,
      imageBytes: 100,
      loadedAt: T1,
      lastError: 'a.zone:5: bad A',
      loads: { ok: 1, error: 1 },
    });
    reg.loaded(fakeZone('a.example.', 120, { serial: 8, records: 13, file: 'a.zone', loadedAt: T2 }));
    expect(reg.get('a.example.')).toMatchObject({ serial: 8, imageBytes: 120, loadedAt: T2, lastError: null, loads: { ok: 2, error: 1 } });
  });

  it('lists zones never loaded (with their error) but does not count them as serving', () => {
    const reg = new ZoneRegistry();
    reg.failed('b.example.', 'b.zone', 'b.zone:1: nope');
    reg.loaded(fakeZone('a.example.', 10));
    expect(reg.list().map((z) => z.name)).toEqual(['a.example.', 'b.example.']);
    expect(reg.serving().map((z) => z.name)).toEqual(['a.example.']);
    expect(reg.get('b.example.')).toMatchObject({ file: 'b.zone', serial: null, loadedAt: null, lastError: 'b.zone:1: nope' });
  });

  it('serializes to the /zones JSON shape, signature expiry only for signed zones', () => {
    const reg = new ZoneRegistry();
    const sigs = { denial: 'nsec3' as const, earliestExpiration: EXPIRY, expired: 0, expiring: 0 };
    reg.loaded(fakeZone('s.example.', 10, { file: 's.zone', serial: 3, records: 9, loadedAt: T1, signatures: { signed: true, ...sigs } }));
    // RRSIGs in a zone that is not signed (no apex DNSKEY) give no signature expiry.
    reg.loaded(fakeZone('u.example.', 10, { file: 'u.zone', serial: 4, records: 5, loadedAt: T2, signatures: { signed: false, ...sigs } }));
    expect(reg.toJSON()).toEqual([
      {
        name: 's.example.',
        serial: 3,
        records: 9,
        file: 's.zone',
        loadedAt: '2026-11-01T10:00:00.000Z',
        lastError: null,
        signed: true,
        denial: 'nsec3',
        signatureExpiry: '2026-12-01T00:00:00.000Z',
      },
      {
        name: 'u.example.',
        serial: 4,
        records: 5,
        file: 'u.zone',
        loadedAt: '2026-11-02T10:00:00.000Z',
        lastError: null,
        signed: false,
        denial: 'nsec3',
        signatureExpiry: null,
      },
    ]);
  });
});
