// The tinydns source: zones of a data file published at start; a rewrite by atomic rename
// republishes only the zones that changed and removes those that left; a broken rewrite keeps
// every zone serving and is logged as FILE:LINE; timestamps and locations decide per build.
import { mkdtempSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Publisher } from '../../../src/primary/publisher.ts';
import type { LoadedZone } from '../../../src/primary/zone-loader.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import { TinydnsSource } from '../../../src/sources/tinydns/source.ts';
import { parseTinydnsData } from '../../../src/sources/tinydns/parse-data.ts';
import { tinydnsZones } from '../../../src/sources/tinydns/zones.ts';
import { memoryLog } from '../../primary/helpers.ts';
import { until } from '../../helpers/until.ts';

const BASE = ['.a.test:10.0.0.1:a', '+www.a.test:10.0.1.1', '.b.test:10.0.0.2:a', '+www.b.test:10.0.2.1'];

let sources: TinydnsSource[] = [];
afterEach(() => {
  for (const s of sources) s.close();
  sources = [];
});

function setup(lines: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgn-tinysrc-'));
  const file = path.join(dir, 'data');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const publisher = new Publisher();
  const published: { changed: string[]; removed: string[] }[] = [];
  publisher.onPublished((changed: readonly LoadedZone[], removed: readonly string[]) =>
    published.push({ changed: changed.map((z) => z.origin).sort(), removed: [...removed].sort() }));
  const registry = new ZoneRegistry();
  const { log, lines: logs } = memoryLog();
  const source = new TinydnsSource({ files: [file], publisher, registry, log, debounceMs: 20 });
  sources.push(source);
  /** Rewrite as a cluster watcher does: a temporary file renamed over the data file, with a new mtime. */
  let mtime = 1_700_000_000;
  const rewrite = (next: string[]) => {
    const tmp = path.join(dir, '.data.tmp');
    writeFileSync(tmp, `${next.join('\n')}\n`);
    mtime += 10;
    utimesSync(tmp, mtime, mtime);
    renameSync(tmp, file);
  };
  return { file, publisher, published, registry, logs, source, rewrite };
}

describe('TinydnsSource', () => {
  it('publishes every zone of the file at start, in one generation', async () => {
    const s = setup(BASE);
    await s.source.start();
    expect(s.published).toEqual([{ changed: ['a.test.', 'b.test.'], removed: [] }]);
    expect(s.registry.get('a.test.')?.loadedAt).not.toBeNull();
  });

  it('on a rewrite republishes only the zone that changed (a new mtime alone changes nothing), and removes a zone that left', async () => {
    const s = setup(BASE);
    await s.source.start();
    s.rewrite([...BASE, '+new.b.test:10.0.2.2']);
    await until(() => s.published.length === 2);
    expect(s.published[1]).toEqual({ changed: ['b.test.'], removed: [] });
    s.rewrite([BASE[2], BASE[3], '+new.b.test:10.0.2.2']);
    await until(() => s.published.length === 3);
    expect(s.published[2]).toEqual({ changed: [], removed: ['a.test.'] });
    expect(s.publisher.get('a.test.')).toBeUndefined();
    expect(s.registry.get('a.test.')).toBeUndefined();
  });

  it('keeps every zone of the last good version when a rewrite is broken, logging FILE:LINE and counting the failure', async () => {
    const s = setup(BASE);
    await s.source.start();
    const served = s.publisher.get('a.test.');
    s.rewrite([...BASE, '+bad.a.test:10.0.0.300']);
    await until(() => s.logs.some((l) => l.fields.event === 'zone_rejected'));
    expect(s.logs.find((l) => l.fields.event === 'zone_error')?.msg).toBe(`${s.file}:5: bad IPv4 address '10.0.0.300'`);
    expect(s.published).toHaveLength(1);
    expect(s.publisher.get('a.test.')).toBe(served);
    expect(s.registry.get('a.test.')?.loads.error).toBe(1);
    expect(s.registry.get('a.test.')?.lastError).toMatch(/:5: bad IPv4 address/);
  });
});

describe('tinydnsZones', () => {
  const at = (lines: string[], now: number) => {
    const r = parseTinydnsData(`${lines.join('\n')}\n`, 'data', 1_700_000_000);
    if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
    return tinydnsZones(r.data, now);
  };
  const addresses = (z: ReturnType<typeof at>, origin: string, location = '') =>
    z.zones.find((x) => x.origin === origin)!.versions.find((v) => v.location === location)!.zone.records
      .filter((r) => r.type === 1).map((r) => `${r.rdata.join('.')}/${r.ttl}`);

  it('timestamps: a TTL with a timestamp starts then, TTL 0 ends then with a shrinking TTL; the next change is reported', () => {
    const start = 0x65000000 - 10; // the Unix time of TAI64 label 4000000065000000
    const lines = ['.a.test:10.0.0.1:a', '+s.a.test:10.0.0.2:600:4000000065000000', '+e.a.test:10.0.0.3:0:4000000065000000'];
    expect(addresses(at(lines, start - 10_000), 'a.test.')).toEqual(['10.0.0.1/259200', '10.0.0.3/3600']);
    expect(at(lines, start - 10_000).nextEvent).toBe(start - 7200);
    expect(addresses(at(lines, start - 1000), 'a.test.')).toEqual(['10.0.0.1/259200', '10.0.0.3/500']);
    expect(at(lines, start - 1000).nextEvent).toBe(start - 500);
    expect(addresses(at(lines, start + 1), 'a.test.')).toEqual(['10.0.0.1/259200', '10.0.0.2/600']);
    expect(at(lines, start + 1).nextEvent).toBeNull();
  });

  it('locations: one version per location used, the % table in the version for every other client', () => {
    const z = at(['%in:10', '.a.test:10.0.0.1:a', '+x.a.test:1.1.1.1:::in', '+x.a.test:2.2.2.2', '.b.test:10.0.0.2:a'], 1_700_000_000);
    const a = z.zones.find((x) => x.origin === 'a.test.')!;
    expect(a.versions.map((v) => v.location)).toEqual(['', 'in']);
    expect(a.versions[0].zone.locationPrefixes).toEqual([{ location: 'in', prefix: Uint8Array.of(10) }]);
    expect(addresses(z, 'a.test.', 'in')).toEqual(['10.0.0.1/259200', '1.1.1.1/86400', '2.2.2.2/86400']);
    expect(addresses(z, 'a.test.')).toEqual(['10.0.0.1/259200', '2.2.2.2/86400']);
    expect(z.zones.find((x) => x.origin === 'b.test.')!.versions).toHaveLength(1);
  });

  it('one SOA per name (the first line), records in no zone counted, a zone without NS refused', () => {
    const z = at(['.a.test:10.0.0.1:a', '.a.test:10.0.0.2:b', '+lonely.example:1.2.3.4'], 1_700_000_000);
    expect(z.zones[0].versions[0].zone.records.filter((r) => r.type === 6)).toHaveLength(1);
    expect(z.ignored).toBe(1);
    expect(at(['Zc.test:ns.c.test.:me.c.test.'], 1_700_000_000).errors.map(String)).toEqual([
      'data:1: zone c.test.: no NS record at the apex (add a . or & line for it)',
    ]);
  });
});
