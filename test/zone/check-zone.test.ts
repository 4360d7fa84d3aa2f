import { describe, it, expect } from 'vitest';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { checkZone, checkZoneAll } from '../../src/zone/check-zone.ts';
import { ZoneDataError } from '../../src/errors.ts';

const HEAD = '$ORIGIN ex.\n$TTL 3600\n@ SOA ns1 hm 1 2 3 4 5\n  NS ns1\nns1 A 192.0.2.1\n'; // lines 1-5

/** Parse (must be clean) and check; returns the check errors as strings. */
function check(body: string, head = HEAD): string[] {
  const r = parseZoneText(head + body, 'z.zone');
  expect(r.errors.map(String)).toEqual([]);
  return checkZone(r.zone).map(String);
}

/** Parse (must be clean) and check; returns the check warnings as strings (and asserts no errors). */
function warnings(body: string, head = HEAD): string[] {
  const r = parseZoneText(head + body, 'z.zone');
  expect(r.errors.map(String)).toEqual([]);
  const c = checkZoneAll(r.zone);
  expect(c.errors.map(String)).toEqual([]);
  for (const w of c.warnings) expect(w.code).toBe('PGN_WARN_ZONE_DATA');
  return c.warnings.map(String);
}

describe('checkZone', () => {
  it('accepts a clean zone', () => {
    expect(check('www A 192.0.2.2\n  AAAA 2001:db8::2\nalias CNAME www\nmail MX 10 www\n')).toEqual([]);
  });

  it('returns ZoneDataErrors with file and line', () => {
    const r = parseZoneText(`${HEAD}a CNAME b\n  A 192.0.2.1\n`, 'z.zone');
    const e = checkZone(r.zone);
    expect(e).toHaveLength(1);
    expect(e[0]).toBeInstanceOf(ZoneDataError);
    expect(e[0].context).toEqual({ file: 'z.zone', line: 7 });
  });

  describe('SOA and apex NS', () => {
    it('needs an SOA at the apex', () => {
      expect(check('', '$ORIGIN ex.\n$TTL 1\n@ NS ns1\nns1 A 192.0.2.1\n')).toEqual(['z.zone:0: no SOA record at the zone apex ex.']);
    });

    it('rejects a second SOA and an SOA below the apex', () => {
      expect(check('@ SOA ns2 hm 2 2 3 4 5\nsub SOA ns1 hm 1 2 3 4 5\n')).toEqual([
        'z.zone:6: more than one SOA record at ex. (first at line 3)',
        'z.zone:7: SOA record at sub.ex. is not at the zone apex ex.',
      ]);
    });

    it('warns of a zone without NS records at the apex (knotd and NSD serve it)', () => {
      expect(warnings('www A 192.0.2.1\n', '$ORIGIN ex.\n$TTL 1\n@ SOA ns1 hm 1 2 3 4 5\n')).toEqual(['z.zone:3: no NS records at the zone apex ex.']);
    });
  });

  describe('CNAME', () => {
    it('rejects CNAME and other data, at the line where the conflict appears', () => {
      expect(check('www CNAME other.\nwww A 192.0.2.1\nmx MX 1 a.\nmx CNAME other.\n')).toEqual([
        'z.zone:7: CNAME and other data at www.ex.',
        'z.zone:9: CNAME and other data at mx.ex.',
      ]);
    });

    it('allows RRSIG and NSEC beside a CNAME', () => {
      expect(check('www CNAME other.\n  RRSIG CNAME 8 2 3600 1 0 1 ex. AAAA\n  NSEC z.ex. CNAME RRSIG NSEC\n')).toEqual([]);
    });

    it('rejects more than one CNAME at a name and a CNAME at the apex', () => {
      expect(check('www CNAME a.\nwww CNAME b.\n@ CNAME c.\n')).toEqual([
        'z.zone:8: CNAME at the zone apex ex.',
        'z.zone:7: more than one CNAME record at www.ex.',
      ]);
    });
  });

  it('rejects owners outside the zone, once per name', () => {
    expect(check('www.other. A 192.0.2.1\n  TXT "x"\nnotex. A 192.0.2.1\n')).toEqual([
      'z.zone:6: www.other. is outside the zone ex.',
      'z.zone:8: notex. is outside the zone ex.',
    ]);
  });

  describe('NS targets and glue', () => {
    it('warns of in-zone apex NS targets without an address', () => {
      expect(warnings('@ NS ns2\n@ NS ns.elsewhere.\n')).toEqual(["z.zone:6: NS 'ns2.ex.' has no address records (A or AAAA)"]);
    });

    it('warns of missing glue for targets at or below a delegation', () => {
      expect(warnings([
        'sub NS ns.sub', //   6: missing glue
        'sub NS sub', //      7: missing glue (at the cut itself)
        'sub NS ns1', //      8: fine, authoritative address
        'sub NS ns.sub2', //  9: missing glue, below another delegation
        'sub2 NS ns.out.', // 10
        'ok NS ns.ok', //    11: has glue
        'ns.ok A 192.0.2.9',
        'ok6 NS ok6', //     13: glue at the cut
        'ok6 AAAA 2001:db8::6',
        'ok NS www', //      15: in-zone target without address
        '',
      ].join('\n'))).toEqual([
        "z.zone:6: sub.ex./NS 'ns.sub.ex.' has no glue (no A or AAAA record below the delegation)",
        "z.zone:7: sub.ex./NS 'sub.ex.' has no glue (no A or AAAA record below the delegation)",
        "z.zone:9: sub.ex./NS 'ns.sub2.ex.' has no glue (no A or AAAA record below the delegation)",
        "z.zone:15: NS 'www.ex.' has no address records (A or AAAA)",
      ]);
    });

    it('ignores NS records that are themselves occluded by a higher delegation', () => {
      expect(check('sub NS ns.out.\ndeep.sub NS ns.deep.sub\n')).toEqual([]);
    });

    it('accepts occluded data below a delegation (as Knot and NSD do)', () => {
      expect(check('sub NS ns.out.\nwww.sub A 192.0.2.1\n  TXT "hidden"\nsub TXT "at the cut"\n')).toEqual([]);
    });
  });

  describe('NS, MX and SRV targets (warnings, worded as named-checkzone)', () => {
    it('names a target that is a CNAME, or has no address', () => {
      expect(warnings([
        '@ NS alias', //                6
        'alias CNAME ns1', //           7
        '@ MX 10 alias', //             8
        '@ MX 20 nowhere', //           9
        '_s._tcp SRV 0 0 80 alias', //  10
        '_t._tcp SRV 0 0 80 txt', //    11
        'txt TXT "no address"', //      12
        '@ MX 30 ns1', //               13: fine
        '@ MX 40 mx.elsewhere.', //     14: not ours
        '_n._tcp SRV 0 0 0 .', //       15: "no service"
        'x MX 0 a.wild', //             16: a wildcard answers for it
        '*.wild A 192.0.2.7',
        '',
      ].join('\n'))).toEqual([
        "z.zone:6: NS 'alias.ex.' is a CNAME (illegal)",
        "z.zone:8: MX 'alias.ex.' is a CNAME (illegal)",
        "z.zone:9: MX 'nowhere.ex.' has no address records (A or AAAA)",
        "z.zone:10: SRV 'alias.ex.' is a CNAME (illegal)",
        "z.zone:11: SRV 'txt.ex.' has no address records (A or AAAA)",
      ]);
    });

    it('does not report what a line skipped for a syntax error may have held', () => {
      const r = parseZoneText(`${HEAD}@ NS ns2\nns2 A 192.0.2.300\nwww CNAME a\nwww A 192.0.2.1\n`, 'z.zone');
      expect(r.errors.map(String)).toEqual(["z.zone:7: A: bad IPv4 address '192.0.2.300'"]);
      const c = checkZoneAll(r.zone, r.skippedOwners);
      expect(c.warnings.map(String)).toEqual([]);
      expect(c.errors.map(String)).toEqual(['z.zone:9: CNAME and other data at www.ex.']);
      // The same zone without knowing which lines were skipped says ns2 has no address.
      expect(checkZoneAll(r.zone).warnings.map(String)).toEqual(["z.zone:6: NS 'ns2.ex.' has no address records (A or AAAA)"]);
    });
  });

  describe('RRset TTLs', () => {
    it('warns of a TTL that differs within an RRset, naming both lines', () => {
      expect(warnings('www 300 A 192.0.2.1\nother A 192.0.2.1\nwww 600 A 192.0.2.2\nwww 600 TXT "different RRset"\n')).toEqual([
        'z.zone:8: TTL 600 of www.ex. A differs from TTL 300 at line 6',
      ]);
    });

    it('treats RRSIGs covering different types as different RRsets', () => {
      expect(warnings([
        '@ 100 RRSIG SOA 8 1 3600 1 0 1 ex. AAAA',
        '@ 200 RRSIG NS 8 1 3600 1 0 1 ex. AAAA',
        '@ 300 RRSIG NS 8 1 3600 1 0 2 ex. AAAA',
        '',
      ].join('\n'))).toEqual(['z.zone:8: TTL 300 of ex. RRSIG differs from TTL 200 at line 7']);
    });

    it('uses a map for large nodes and still finds the difference', () => {
      const lines = Array.from({ length: 40 }, (_, i) => `big A 10.0.0.${i}`);
      lines.push('big 5 A 10.0.1.1', '');
      expect(warnings(lines.join('\n'))).toEqual(['z.zone:46: TTL 5 of big.ex. A differs from TTL 3600 at line 6']);
    });
  });

  describe('DNAME', () => {
    it('rejects data below a DNAME and a second DNAME', () => {
      expect(check('d DNAME target.\nd DNAME other.\nd A 192.0.2.1\nx.d A 192.0.2.1\ny.x.d TXT "deep"\nd2 DNAME t.\n')).toEqual([
        'z.zone:7: more than one DNAME record at d.ex.',
        'z.zone:9: x.d.ex. is below the DNAME at d.ex.',
        'z.zone:10: y.x.d.ex. is below the DNAME at d.ex.',
      ]);
    });

    it('allows a DNAME at the apex, but not with data below it (as NSD)', () => {
      const head = '$ORIGIN ex.\n$TTL 3600\n@ SOA ns1.other. hm 1 2 3 4 5\n  NS ns1.other.\n';
      expect(check('@ DNAME other.\n', head)).toEqual([]);
      expect(check('@ DNAME other.\nwww A 192.0.2.1\n', head)).toEqual(['z.zone:6: www.ex. is below the DNAME at ex.']);
    });
  });

  it('reports records from $INCLUDEd files with their own file name', () => {
    const r = parseZoneText(`${HEAD}a CNAME b\n`, 'z.zone');
    r.zone.records.push({ ...r.zone.records[r.zone.records.length - 1], type: 1, rdata: Uint8Array.of(1, 2, 3, 4), source: { file: 'inc.zone', line: 2 } });
    expect(checkZone(r.zone).map(String)).toEqual(['inc.zone:2: CNAME and other data at a.ex.']);
  });
});
