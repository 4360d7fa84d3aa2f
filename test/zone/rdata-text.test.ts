// Wire RDATA → presentation: every record of the all-types fixture renders to text that parses
// back to the same bytes; common types render as people write them; what does not fit its type
// comes out in the RFC 3597 form.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseName } from '../../src/zone/name.ts';
import { RdataError } from '../../src/zone/rdata/common.ts';
import { rdataFromText, rdataToText } from '../../src/zone/rdata-text.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { typeFromText, typeToText } from '../../src/zone/types.ts';

const origin = parseName('example.com.', null);
const wire = (type: string, text: string) => rdataFromText(typeFromText(type)!, text, origin);
const render = (type: string, text: string) => rdataToText(typeFromText(type)!, wire(type, text));

describe('rdataToText', () => {
  it('round-trips every record of the all-types fixture', () => {
    const file = 'test/zone/fixtures/alltypes.zone';
    const parsed = parseZoneText(readFileSync(file, 'latin1'), file);
    expect(parsed.errors).toEqual([]);
    expect(parsed.zone.records.length).toBeGreaterThanOrEqual(60);
    const generic: string[] = [];
    for (const rr of parsed.zone.records) {
      const text = rdataToText(rr.type, rr.rdata);
      expect(Buffer.from(rdataFromText(rr.type, text, null)), `${typeToText(rr.type)} ${text}`).toEqual(Buffer.from(rr.rdata));
      if (text.startsWith('\\#')) generic.push(typeToText(rr.type));
    }
    // The common types have a real presentation form (the rest fall back to \#).
    for (const t of ['A', 'AAAA', 'NS', 'MX', 'TXT', 'SOA', 'SRV', 'CAA', 'DS', 'DNSKEY', 'TLSA', 'NAPTR', 'CNAME', 'PTR']) {
      expect(generic).not.toContain(t);
    }
  });

  it('renders names absolute, numbers and addresses as written by people', () => {
    expect(render('A', '192.0.2.1')).toBe('192.0.2.1');
    expect(render('AAAA', '2001:0db8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(render('AAAA', '::')).toBe('::');
    expect(render('AAAA', '1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(render('MX', '10 mail')).toBe('10 mail.example.com.');
    expect(render('SOA', 'ns1 hostmaster 7 3600 600 86400 300')).toBe('ns1.example.com. hostmaster.example.com. 7 3600 600 86400 300');
    expect(render('TXT', '"a \\"b\\" \\\\ \\010" plain')).toBe('"a \\"b\\" \\\\ \\010" "plain"');
    expect(render('CAA', '0 issue "ca.example.net"')).toBe('0 issue "ca.example.net"');
    expect(render('SRV', '0 5 5060 sip')).toBe('0 5 5060 sip.example.com.');
    expect(render('DS', '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118')).toBe('60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118');
  });

  it('falls back to the RFC 3597 form for RDATA that does not fit its type', () => {
    expect(rdataToText(1, new Uint8Array([1, 2, 3]))).toBe('\\# 3 010203');
    expect(rdataToText(2, new Uint8Array([3, 0x61]))).toBe('\\# 2 0361');
    expect(rdataToText(65280, new Uint8Array([]))).toBe('\\# 0');
  });
});

describe('rdataFromText', () => {
  it('parses with the zone-file parsers, relative names against the origin, Unicode as UTF-8', () => {
    expect(Buffer.from(wire('A', '192.0.2.1'))).toEqual(Buffer.from([192, 0, 2, 1]));
    expect(Buffer.from(wire('TXT', '"é"'))).toEqual(Buffer.from([2, 0xc3, 0xa9]));
    expect(Buffer.from(wire('TYPE65280', '\\# 2 abcd'))).toEqual(Buffer.from([0xab, 0xcd]));
  });

  it('refuses what is not exactly one record of the type', () => {
    expect(() => wire('A', '192.0.2.300')).toThrow(RdataError);
    expect(() => wire('A', '192.0.2.1 192.0.2.2')).toThrow(/trailing/);
    expect(() => wire('A', '')).toThrow(/empty/);
    expect(() => wire('TXT', '"a"\nwww IN A 192.0.2.1')).toThrow(/line breaks/);
    expect(() => wire('TXT', '"open')).toThrow(/unterminated/);
    expect(() => wire('MX', '10')).toThrow(/missing/);
    expect(() => wire('TXT', 'v=spf1; -all')).toThrow(/unquoted ';'/);
    expect(Buffer.from(wire('TXT', '"a;b" c\\;d')).toString('latin1')).toBe('\x03a;b\x03c;d');
  });
});
