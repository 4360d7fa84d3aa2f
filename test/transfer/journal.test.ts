// The IXFR journal, serial arithmetic and the transfer ACL.
import { describe, expect, it } from 'vitest';
import { parseCidr as parse } from '../../src/config/cidr.ts';
import { allowed } from '../../src/transfer/acl.ts';
import { Journal } from '../../src/transfer/journal.ts';
import { compareSerial, serialLess } from '../../src/transfer/serial.ts';
import { TransferForm, encodeTransfer, transferRecords } from '../../src/transfer/zone-records.ts';
import { parseName, nameToText } from '../../src/zone/name.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';

const parseCidr = (text: string) => parse(text, '--allow-transfer');

function form(serial: number, body: string): SharedArrayBuffer {
  const parsed = parseZoneText(`$TTL 300\n@ SOA ns1 h ${serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n${body}`, 'z', { origin: parseName('j.test.', null) });
  if (parsed.errors.length > 0) throw new Error(String(parsed.errors[0]));
  return encodeTransfer(transferRecords(parsed.zone));
}

const names = (rs: { owner: Uint8Array; type: number }[]) => rs.map((r) => `${nameToText(r.owner)}/${r.type}`);

describe('transfer form', () => {
  it('holds the SOA first, then every record once in canonical order', () => {
    const f = new TransferForm(form(7, 'b A 192.0.2.2\nA A 192.0.2.3\nb A 192.0.2.2\nb AAAA ::1\n'));
    expect(f.serial).toBe(7);
    expect(names([...f.records()])).toEqual(['j.test./6', 'j.test./2', 'A.j.test./1', 'b.j.test./1', 'b.j.test./28', 'ns1.j.test./1']);
  });
});

describe('journal', () => {
  it('chains differences from any kept serial to the current one', () => {
    const j = new Journal({ entries: 2 });
    j.record('j.test.', form(1, 'a A 192.0.2.10\n'));
    j.record('j.test.', form(2, 'a A 192.0.2.11\n'));
    j.record('j.test.', form(3, 'a A 192.0.2.11\nb A 192.0.2.12\n'));
    const chain = j.since('j.test.', 1, 3)!;
    expect(chain.map((e) => [e.from, e.to])).toEqual([[1, 2], [2, 3]]);
    expect(names(chain[0].deleted)).toEqual(['a.j.test./1']);
    expect(names(chain[0].added)).toEqual(['a.j.test./1']);
    expect(chain[1].deleted).toEqual([]);
    expect(names(chain[1].added)).toEqual(['b.j.test./1']);
    expect(j.since('j.test.', 2, 3)).toHaveLength(1);
    // Bounded by count: a fourth version drops the oldest difference.
    j.record('j.test.', form(4, 'b A 192.0.2.12\n'));
    expect(j.since('j.test.', 1, 4)).toBeNull();
    expect(j.since('j.test.', 2, 4)).toHaveLength(2);
    expect(j.since('j.test.', 0, 4)).toBeNull();
  });

  it('starts over when a version keeps or lowers its serial', () => {
    const j = new Journal();
    j.record('j.test.', form(1, ''));
    j.record('j.test.', form(2, 'a A 192.0.2.1\n'));
    j.record('j.test.', form(2, 'a A 192.0.2.2\n'));
    expect(j.since('j.test.', 1, 2)).toBeNull();
    expect(j.entries('j.test.')).toHaveLength(0);
  });
});

describe('serial arithmetic (RFC 1982)', () => {
  it('compares across the wrap', () => {
    expect(serialLess(1, 2)).toBe(true);
    expect(serialLess(0xffffffff, 0)).toBe(true);
    expect(serialLess(0, 0xffffffff)).toBe(false);
    expect(serialLess(5, 5)).toBe(false);
    expect(compareSerial(0x7fffffff, 0)).toBe(1);
    expect(compareSerial(100, 100 + 0x7fffffff)).toBe(-1);
  });
});

describe('transfer ACL', () => {
  it('matches IPv4 and IPv6 prefixes, IPv4-mapped clients as IPv4', () => {
    const acl = [parseCidr('192.0.2.0/25'), parseCidr('2001:db8::/33'), parseCidr('198.51.100.7')];
    expect(allowed(acl, '192.0.2.127')).toBe(true);
    expect(allowed(acl, '192.0.2.128')).toBe(false);
    expect(allowed(acl, '::ffff:192.0.2.1')).toBe(true);
    expect(allowed(acl, '2001:db8:7fff::1')).toBe(true);
    expect(allowed(acl, '2001:db8:8000::1')).toBe(false);
    expect(allowed(acl, '198.51.100.7')).toBe(true);
    expect(allowed(acl, '198.51.100.8')).toBe(false);
    expect(allowed([], '127.0.0.1')).toBe(false);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => parseCidr('example.com/8')).toThrow(/not an address/);
  });
});
