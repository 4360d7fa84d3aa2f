// Loading the zones at start: the zone registry gets every outcome, and signatures that expired or
// expire soon are logged as one warning line per zone (never one per record).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAll } from '../../src/primary/serve.ts';
import { ZoneRegistry } from '../../src/primary/zone-registry.ts';
import { memoryLog, signedZoneText } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-load-all-'));
function zoneFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const DAY = 86400_000;
const fromNow = (ms: number) => new Date(Math.floor((Date.now() + ms) / 1000) * 1000);

describe('loadAll', () => {
  it('warns once per zone with expired or expiring signatures, with the earliest expiry', () => {
    const expiredAt = new Date('2017-09-04T00:00:00Z');
    const soon = fromNow(2 * DAY);
    const far = fromNow(300 * DAY);
    const files = [
      zoneFile('expired.example.zone', signedZoneText(1, { soa: far, ns: expiredAt, a: soon })),
      zoneFile('soon.example.zone', signedZoneText(2, { soa: soon, ns: soon, a: far })),
      zoneFile('fine.example.zone', signedZoneText(3, { soa: far, ns: far, a: far })),
    ];
    const { log, lines } = memoryLog();
    const registry = new ZoneRegistry();
    const zones = loadAll([...files.map((file) => ({ file, origin: null })), { file: 'examples/localhost.zone', origin: null }], registry, log);
    expect(zones.map((z) => z.origin)).toEqual(['expired.example.', 'soon.example.', 'fine.example.', 'localhost.']);

    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => w.fields)).toEqual([
      {
        event: 'signatures_expiring',
        zone: 'expired.example.',
        file: files[0],
        expired: 1,
        expiring: 1,
        earliestExpiry: '2017-09-04T00:00:00.000Z',
        code: 'PGN_WARN_SIGNATURES_EXPIRED',
      },
      {
        event: 'signatures_expiring',
        zone: 'soon.example.',
        file: files[1],
        expired: 0,
        expiring: 2,
        earliestExpiry: soon.toISOString(),
        code: 'PGN_WARN_SIGNATURES_EXPIRING',
      },
    ]);
    expect(warnings[0].msg).toBe('expired.example.: 1 RRSIG set(s) expired, 1 more expire within 7d; earliest expiry 2017-09-04T00:00:00.000Z');
    expect(warnings[1].msg).toBe(`soon.example.: 2 RRSIG set(s) expire within 7d; earliest expiry ${soon.toISOString()}`);

    const loaded = lines.filter((l) => l.fields.event === 'zone_loaded').map((l) => l.fields);
    expect(loaded[2]).toMatchObject({ zone: 'fine.example.', signed: true, denial: 'nsec', signatureExpiry: far.toISOString() });
    expect(loaded[3]).toMatchObject({ zone: 'localhost.', signed: false, denial: 'none', signatureExpiry: null });
    expect(registry.get('fine.example.')).toMatchObject({ serial: 3, signed: true, signatureExpiry: far, loads: { ok: 1, error: 0 } });
  });

  it('records rejected zones (bad data, duplicate origin) in the registry', () => {
    const bad = zoneFile('bad.example.zone', '@ IN SOA ns1 hostmaster 1 3600 600 86400 300\nwww IN A 192.0.2.999\nftp IN A nonsense\n');
    const dup = zoneFile('dup.zone', '$ORIGIN localhost.\n@ IN SOA ns1 hostmaster 99 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n');
    const { log } = memoryLog();
    const registry = new ZoneRegistry();
    const zones = loadAll(
      [{ file: bad, origin: null }, { file: 'examples/localhost.zone', origin: null }, { file: dup, origin: null }],
      registry,
      log,
    );
    expect(zones.map((z) => z.origin)).toEqual(['localhost.']);
    expect(registry.get('bad.example.')).toMatchObject({
      file: bad,
      loadedAt: null,
      lastError: expect.stringMatching(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: .* \\(and 1 more\\)$`)),
      loads: { ok: 0, error: 1 },
    });
    // The first localhost. keeps serving; the duplicate shows up as its last error.
    expect(registry.get('localhost.')).toMatchObject({
      file: 'examples/localhost.zone',
      serial: 42,
      lastError: `${dup}: zone localhost. is already loaded from examples/localhost.zone; not loaded`,
      loads: { ok: 1, error: 1 },
    });
  });
});
