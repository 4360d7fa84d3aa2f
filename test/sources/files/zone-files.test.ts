// The zone-file source. At start: the zone registry gets every outcome, and signatures that expired
// or expire soon are logged as one warning line per zone (never one per record). Later: reloads of
// the changed zone only, broken versions kept out, files appearing in and leaving zone directories.

import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ZoneSpec } from '../../../src/config/serve-options.ts';
import type { Logger } from '../../../src/primary/log.ts';
import { Publisher } from '../../../src/primary/publisher.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import { ZoneFiles } from '../../../src/sources/files/zone-files.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS } from '../../../src/zone/signatures.ts';
import { until } from '../../helpers/until.ts';
import { memoryLog, signedZoneText } from '../../primary/helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-load-all-'));
function zoneFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Start-up as serve does it, without watching: the zones published, in load order. */
async function loadAll(specs: ZoneSpec[], registry: ZoneRegistry, log: Logger) {
  const publisher = new Publisher();
  const files = new ZoneFiles({
    zones: specs,
    zoneDirs: [],
    publisher,
    registry,
    log,
    expiryWarningSeconds: DEFAULT_EXPIRY_WARNING_SECONDS,
    watch: false,
  });
  await files.start();
  return publisher.loaded();
}

const DAY = 86400_000;
const fromNow = (ms: number) => new Date(Math.floor((Date.now() + ms) / 1000) * 1000);

describe('ZoneFiles at start', () => {
  it('warns once per zone with expired or expiring signatures, with the earliest expiry', async () => {
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
    const zones = await loadAll([...files.map((file) => ({ file, origin: null })), { file: 'examples/localhost.zone', origin: null }], registry, log);
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

  it('records rejected zones (bad data, duplicate origin) in the registry', async () => {
    const bad = zoneFile('bad.example.zone', '@ IN SOA ns1 hostmaster 1 3600 600 86400 300\nwww IN A 192.0.2.999\nftp IN A nonsense\n');
    const dup = zoneFile('dup.zone', '$ORIGIN localhost.\n@ IN SOA ns1 hostmaster 99 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n');
    const { log } = memoryLog();
    const registry = new ZoneRegistry();
    const zones = await loadAll(
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

/** A zone of `example.` style with this origin, serial and address for www. */
function zoneText(serial: number, address = '192.0.2.10', extra = ''): string {
  return `$TTL 300\n@ IN SOA ns1 hostmaster ${serial} 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A ${address}\n${extra}`;
}

function source(options: { zones?: ZoneSpec[]; zoneDirs?: string[]; watch?: boolean }) {
  const { log, lines } = memoryLog();
  const registry = new ZoneRegistry();
  const publisher = new Publisher();
  const observed: number[] = [];
  const files = new ZoneFiles({
    zones: options.zones ?? [],
    zoneDirs: options.zoneDirs ?? [],
    publisher,
    registry,
    log,
    expiryWarningSeconds: DEFAULT_EXPIRY_WARNING_SECONDS,
    watch: options.watch ?? false,
    observeLoad: (s) => void observed.push(s),
  });
  sources.push(files);
  /** origin → image served now. */
  const images = () => new Map(publisher.loaded().map((z) => [z.origin, z.image]));
  return { files, publisher, registry, lines, observed, images };
}

const sources: ZoneFiles[] = [];
afterEach(() => {
  for (const s of sources.splice(0)) s.close();
});

describe('ZoneFiles reloads', () => {
  it('reloads only the zone whose file changed, in a new generation', async () => {
    const a = zoneFile('a.example.zone', zoneText(1));
    const b = zoneFile('b.example.zone', zoneText(1));
    const s = source({ zones: [{ file: a, origin: null }, { file: b, origin: null }] });
    await s.files.start();
    const before = s.images();
    expect(s.publisher.current().generation).toBe(1);
    writeFileSync(a, zoneText(2, '192.0.2.20'));
    await s.files.changed([a]);
    const after = s.images();
    expect(s.publisher.current().generation).toBe(2);
    expect(after.get('a.example.')).not.toBe(before.get('a.example.'));
    // b.example. was not read again: the very same image serves.
    expect(after.get('b.example.')).toBe(before.get('b.example.'));
    expect(s.registry.get('a.example.')).toMatchObject({ serial: 2, lastError: null, loads: { ok: 2, error: 0 } });
    expect(s.registry.get('b.example.')).toMatchObject({ serial: 1, loads: { ok: 1, error: 0 } });
    const reloaded = s.lines.filter((l) => l.fields.event === 'zone_reloaded');
    expect(reloaded.map((l) => l.fields)).toEqual([
      expect.objectContaining({ zone: 'a.example.', serial: 2, previousSerial: 1, reason: 'change' }),
    ]);
    expect(s.observed).toHaveLength(3);
  });

  it('keeps the last good version when the new one is broken, logs FILE:LINE and counts the failure', async () => {
    const a = zoneFile('keep.example.zone', zoneText(1));
    const s = source({ zones: [{ file: a, origin: null }] });
    await s.files.start();
    const good = s.images().get('keep.example.');
    writeFileSync(a, zoneText(2, '192.0.2.300'));
    await s.files.changed([a]);
    expect(s.images().get('keep.example.')).toBe(good);
    expect(s.publisher.current().generation).toBe(1);
    expect(s.registry.get('keep.example.')).toMatchObject({
      serial: 1,
      lastError: expect.stringMatching(new RegExp(`^${escape(a)}:5: `)),
      loads: { ok: 1, error: 1 },
    });
    const errors = s.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.fields)).toEqual([
      { event: 'zone_error', file: a, line: 5, code: 'PGN_ERR_ZONE_DATA' },
      expect.objectContaining({ event: 'zone_rejected', file: a, zone: 'keep.example.', reload: true, servingSerial: 1, code: 'PGN_ERR_ZONE_REJECTED' }),
    ]);
    expect(errors[0].msg).toMatch(new RegExp(`^${escape(a)}:5: `));
    // Fixed: served again, and the error is gone from /zones.
    writeFileSync(a, zoneText(3));
    await s.files.changed([a]);
    expect(s.registry.get('keep.example.')).toMatchObject({ serial: 3, lastError: null, loads: { ok: 2, error: 1 } });
  });

  it('reloads the zones that $INCLUDE a changed file', async () => {
    const inc = zoneFile('hosts.inc', 'extra IN A 192.0.2.50\n');
    const a = zoneFile('inc.example.zone', zoneText(1, '192.0.2.10', `$INCLUDE ${path.basename(inc)}\n`));
    const s = source({ zones: [{ file: a, origin: null }] });
    await s.files.start();
    expect(s.registry.get('inc.example.')?.records).toBe(5);
    writeFileSync(inc, 'extra IN A 192.0.2.50\nmore IN A 192.0.2.51\n');
    await s.files.changed([inc]);
    expect(s.registry.get('inc.example.')).toMatchObject({ records: 6, loads: { ok: 2, error: 0 } });
  });

  it('a --zone file deleted keeps serving, with a warning; it is loaded again when it comes back', async () => {
    const a = zoneFile('gone.example.zone', zoneText(1));
    const s = source({ zones: [{ file: a, origin: null }] });
    await s.files.start();
    rmSync(a);
    await s.files.changed([a]);
    expect(s.images().has('gone.example.')).toBe(true);
    expect(s.lines.find((l) => l.fields.event === 'zone_file_missing')).toMatchObject({
      level: 'warn',
      fields: { file: a, zone: 'gone.example.', code: 'PGN_WARN_ZONE_FILE_MISSING' },
    });
    expect(s.registry.get('gone.example.')).toMatchObject({ serial: 1, lastError: expect.stringContaining('is gone'), loads: { ok: 1, error: 0 } });
    writeFileSync(a, zoneText(2));
    await s.files.changed([a]);
    expect(s.registry.get('gone.example.')).toMatchObject({ serial: 2, lastError: null });
  });

  it('a --zone-dir file added is served, one removed is dropped', async () => {
    const zones = mkdtempSync(path.join(dir, 'zones-'));
    writeFileSync(path.join(zones, 'one.example.zone'), zoneText(1));
    writeFileSync(path.join(zones, '.hidden.example.zone'), zoneText(1));
    const s = source({ zoneDirs: [zones] });
    await s.files.start();
    expect([...s.images().keys()]).toEqual(['one.example.']);
    const two = path.join(zones, 'two.example.zone');
    writeFileSync(two, zoneText(7));
    await s.files.changed([two]);
    expect([...s.images().keys()].sort()).toEqual(['one.example.', 'two.example.']);
    rmSync(path.join(zones, 'one.example.zone'));
    await s.files.changed([path.join(zones, 'one.example.zone')]);
    expect([...s.images().keys()]).toEqual(['two.example.']);
    expect(s.registry.get('one.example.')).toBeUndefined();
    expect(s.lines.find((l) => l.fields.event === 'zone_removed')?.fields).toMatchObject({ zone: 'one.example.', code: 'PGN_WARN_ZONE_REMOVED' });
  });

  it('reloadAll (SIGHUP) reads every zone again and rescans the zone directories', async () => {
    const zones = mkdtempSync(path.join(dir, 'zones-'));
    const a = path.join(zones, 'a.example.zone');
    writeFileSync(a, zoneText(1));
    const s = source({ zoneDirs: [zones] });
    await s.files.start();
    writeFileSync(a, zoneText(2));
    writeFileSync(path.join(zones, 'b.example.zone'), zoneText(1));
    await s.files.reloadAll();
    expect(s.registry.get('a.example.')).toMatchObject({ serial: 2 });
    expect(s.registry.get('b.example.')).toMatchObject({ serial: 1 });
    expect(s.lines.filter((l) => l.fields.event === 'zone_reloaded').map((l) => l.fields.reason)).toEqual(['sighup', 'sighup']);
  });

  it('rejects a reload that takes an origin another file serves, and follows a file whose origin changed', async () => {
    const a = zoneFile('first.zone', `$ORIGIN first.example.\n${zoneText(1)}`);
    const b = zoneFile('second.zone', `$ORIGIN second.example.\n${zoneText(1)}`);
    const s = source({ zones: [{ file: a, origin: null }, { file: b, origin: null }] });
    await s.files.start();
    writeFileSync(b, `$ORIGIN first.example.\n${zoneText(2)}`);
    await s.files.changed([b]);
    expect([...s.images().keys()].sort()).toEqual(['first.example.', 'second.example.']);
    expect(s.lines.find((l) => l.fields.code === 'PGN_ERR_ZONE_DUPLICATE')?.msg).toBe(
      `${b}: zone first.example. is already loaded from ${a}; not loaded`,
    );
    writeFileSync(b, `$ORIGIN third.example.\n${zoneText(3)}`);
    await s.files.changed([b]);
    expect([...s.images().keys()].sort()).toEqual(['first.example.', 'third.example.']);
    expect(s.registry.get('second.example.')).toBeUndefined();
  });

  it('watching: a rename over the zone file is reloaded without being asked', async () => {
    const a = zoneFile('watched.example.zone', zoneText(1));
    const s = source({ zones: [{ file: a, origin: null }], watch: true });
    await s.files.start();
    expect(s.files.watchedDirectories()).toEqual([dir]);
    const tmp = zoneFile('.watched.tmp', zoneText(2, '192.0.2.99'));
    renameSync(tmp, a);
    await until(() => s.registry.get('watched.example.')?.serial === 2, { what: 'serial 2' });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
