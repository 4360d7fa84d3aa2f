// Generated zones: built and checked like zone files (FILE:LINE from the source file), the serial
// moves by one per content change and never on unchanged content, also across restarts (state dir).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Publisher } from '../../../src/primary/publisher.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import { parseAddress } from '../../../src/sources/services/address.ts';
import { assembleZone, DEFAULT_SOA, type ZoneContent } from '../../../src/sources/services/generated-zone.ts';
import { GeneratedZones } from '../../../src/sources/services/generated-zones.ts';
import { SerialKeeper } from '../../../src/sources/services/serial.ts';
import { memoryLog } from '../../primary/helpers.ts';
import { answerData } from './helpers.ts';

const ip = (t: string) => parseAddress(t)!;

function content(addresses: string[], extra: Partial<ZoneContent> = {}): ZoneContent {
  return {
    apex: {
      origin: 'svc.test.',
      ttl: 30,
      soa: { ...DEFAULT_SOA, mname: 'ns1.svc.test.', rname: 'hostmaster.svc.test.', minimum: 30 },
      ns: [{ name: 'ns1.svc.test.', ips: [ip('192.0.2.53')] }],
      nsGiven: false,
      base: null,
      line: 1,
    },
    file: 'svc.yaml',
    baseRecords: null,
    baseFiles: [],
    addresses: [{ owner: 'www.svc.test.', ttl: 30, addresses: addresses.map(ip), line: 4 }],
    ptrs: [],
    ...extra,
  };
}

describe('generated zones', () => {
  it('fingerprint ignores RRset order and the serial, and sees any content change', () => {
    const a = assembleZone(content(['10.0.0.1', '10.0.0.2']));
    const b = assembleZone(content(['10.0.0.2', '10.0.0.1']));
    const c = assembleZone(content(['10.0.0.1', '10.0.0.3']));
    if (!a.ok || !b.ok || !c.ok) throw new Error('should build');
    expect(a.zone.fingerprint).toBe(b.zone.fingerprint);
    expect(a.zone.fingerprint).not.toBe(c.zone.fingerprint);
    const soa = a.zone.withSerial(4242).records[0];
    expect(new DataView(soa.rdata.buffer).getUint32(soa.rdata.length - 20)).toBe(4242);
  });

  it('checks the zone like a zone file: an in-zone NS target without an address is served, as knotd and NSD serve it (a warning of check)', () => {
    const r = assembleZone(content(['10.0.0.1'], { apex: { ...content([]).apex, ns: [{ name: 'ns1.svc.test.', ips: [], line: 2 }] } }));
    expect(r.ok).toBe(true);
  });

  it('serial: one more per change, none when unchanged, wraps, and survives a restart in the state dir', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pgn-serial-'));
    const { log } = memoryLog();
    const k = new SerialKeeper(dir, 'svc.test.', log, () => 1_700_000_000_000);
    expect(k.serialFor('a')).toBe(1_700_000_000);
    expect(k.serialFor('a')).toBe(1_700_000_000);
    expect(k.serialFor('b')).toBe(1_700_000_001);
    const again = new SerialKeeper(dir, 'svc.test.', log, () => 1_800_000_000_000);
    expect(again.serialFor('b')).toBe(1_700_000_001);
    expect(again.serialFor('c')).toBe(1_700_000_002);
    writeFileSync(path.join(dir, 'generated-serials', 'svc.test.json'), JSON.stringify({ serial: 0xffffffff, fingerprint: 'c' }));
    expect(new SerialKeeper(dir, 'svc.test.', log).serialFor('d')).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'generated-serials', 'svc.test.json'), 'utf8'))).toEqual({ serial: 0, fingerprint: 'd' });
  });

  it('publishes changed content only, with the serial one more, and removes zones no longer given', async () => {
    const publisher = new Publisher();
    const registry = new ZoneRegistry();
    const { log, lines } = memoryLog();
    const zones = new GeneratedZones({ publisher, registry, log, stateDir: null, kind: 'services' });
    expect(await zones.update([content(['10.0.0.1', '10.0.0.2'])], 'start')).toEqual(['svc.test.']);
    const first = publisher.get('svc.test.')!;
    expect(answerData([first], 'www.svc.test', 'A')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(await zones.update([content(['10.0.0.2', '10.0.0.1'])], 'health')).toEqual([]);
    expect(publisher.get('svc.test.')).toBe(first);
    expect(await zones.update([content(['10.0.0.2'])], 'health')).toEqual(['svc.test.']);
    const second = publisher.get('svc.test.')!;
    expect(second.serial).toBe((first.serial + 1) >>> 0);
    expect(answerData([second], 'www.svc.test', 'A')).toEqual(['10.0.0.2']);
    expect(registry.get('svc.test.')).toMatchObject({ serial: second.serial, loads: { ok: 2, error: 0 } });
    expect(lines.filter((l) => l.fields.event === 'zone_reloaded')).toHaveLength(1);

    // Two TTLs in one RRset: served (Knot and NSD serve it; check warns), the last record's TTL wins.
    const mixed = content(['10.0.0.3'], { addresses: [{ owner: 'svc.test.', ttl: 30, addresses: [ip('10.0.0.3')], line: 9 }, { owner: 'svc.test.', ttl: 60, addresses: [ip('10.0.0.4')], line: 10 }] });
    expect(await zones.update([mixed], 'change')).toEqual(['svc.test.']);
    expect(registry.get('svc.test.')).toMatchObject({ loads: { ok: 3, error: 0 } });

    await zones.update([], 'change');
    expect(publisher.get('svc.test.')).toBeUndefined();
    expect(registry.get('svc.test.')).toBeUndefined();
  });
});
