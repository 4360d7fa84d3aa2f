// Catalog zones (RFC 9432): member labels as Knot makes them, the generated zone, reading a
// catalog (version, duplicates, properties).
import { describe, expect, it } from 'vitest';
import { readCatalog } from '../../../src/sources/catalog/consumer.ts';
import { memberLabel, siphash24ZeroKey } from '../../../src/sources/catalog/member-label.ts';
import { catalogZone } from '../../../src/sources/catalog/producer.ts';
import { encodeTransfer, transferRecords, TransferForm } from '../../../src/transfer/zone-records.ts';
import { nameToText, parseName } from '../../../src/zone/name.ts';
import { parseZoneText } from '../../../src/zone/parse-zone.ts';
import { checkZone } from '../../../src/zone/check-zone.ts';

function records(origin: string, text: string) {
  const parsed = parseZoneText(`$TTL 0\n@ SOA invalid. invalid. 1 3600 600 2147483646 0\n@ NS invalid.\n${text}`, 'cat', { origin: parseName(origin, null) });
  if (parsed.errors.length > 0) throw new Error(String(parsed.errors[0]));
  return [...new TransferForm(encodeTransfer(transferRecords(parsed.zone))).records()];
}

describe('member labels', () => {
  it('SipHash-2-4 with a zero key matches the reference value for the empty input', () => {
    // The reference implementation's output for key 0, message "" (as a little-endian u64).
    expect(siphash24ZeroKey(new Uint8Array(0))).toBe(0x1e924b9d737700d7n);
  });

  it('are 16 hex digits, the same for the same name and time, different otherwise', () => {
    const a = memberLabel(parseName('a.test.', null), 0);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(memberLabel(parseName('a.test.', null), 0)).toBe(a);
    expect(memberLabel(parseName('b.test.', null), 0)).not.toBe(a);
    expect(memberLabel(parseName('a.test.', null), 1)).not.toBe(a);
  });
});

describe('generated catalog', () => {
  it('is a valid zone: SOA, NS invalid., version "2", one PTR per member under zones', () => {
    const zone = catalogZone('cat.test.', new Map([['a.test.', 0], ['b.test.', 5]]), 7);
    expect(checkZone(zone)).toEqual([]);
    const text = zone.records.map((r) => `${nameToText(r.owner)} ${r.type}`);
    expect(text.slice(0, 3)).toEqual(['cat.test. 6', 'cat.test. 2', 'version.cat.test. 16']);
    expect(text.slice(3).every((t) => /^[0-9a-f]{16}\.zones\.cat\.test\. 12$/.test(t))).toBe(true);
    const read = readCatalog('cat.test.', [...new TransferForm(encodeTransfer(transferRecords(zone))).records()]);
    expect(read.ok && [...read.members.keys()].sort()).toEqual(['a.test.', 'b.test.']);
  });
});

describe('reading a catalog', () => {
  it('lists members with their group and coo properties', () => {
    const read = readCatalog('cat.test.', records('cat.test.', [
      'version TXT "2"',
      'm1.zones PTR one.test.',
      'group.m1.zones TXT "blue"',
      'm2.zones PTR two.test.',
      'coo.m2.zones PTR other.cat.',
    ].join('\n')));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.members.get('one.test.')).toEqual({ zone: 'one.test.', label: 'm1', group: 'blue', coo: null });
    expect(read.members.get('two.test.')).toEqual({ zone: 'two.test.', label: 'm2', group: null, coo: 'other.cat.' });
  });

  it('refuses a catalog without version "2"; ignores a label with two PTRs and a second label for one name', () => {
    expect(readCatalog('cat.test.', records('cat.test.', 'm1.zones PTR one.test.\n'))).toEqual({ ok: false, error: 'no version TXT record' });
    expect(readCatalog('cat.test.', records('cat.test.', 'version TXT "1"\nm1.zones PTR one.test.\n')).ok).toBe(false);
    const read = readCatalog('cat.test.', records('cat.test.', [
      'version TXT "2"',
      'a.zones PTR one.test.',
      'a.zones PTR two.test.',
      'b.zones PTR three.test.',
      'c.zones PTR three.test.',
    ].join('\n')));
    expect(read.ok && [...read.members.values()].map((m) => `${m.label} ${m.zone}`)).toEqual(['b three.test.']);
  });
});
