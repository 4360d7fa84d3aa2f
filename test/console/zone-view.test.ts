import { describe, expect, it } from 'vitest';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { parseName } from '../../src/zone/name.ts';
import { compile } from '../../src/compile/compile-zone.ts';
import { ZoneView } from '../../src/console/zone-view.ts';
import { defaultOptions } from '../helpers/engine.ts';

const ZONE = `$ORIGIN example.test.
$TTL 300
@ SOA ns1 hostmaster 42 3600 600 1209600 300
@ NS ns1
@ NS ns2.other.test.
@ MX 10 mail
ns1 A 192.0.2.1
mail A 192.0.2.2
www A 192.0.2.10
www A 192.0.2.11
www AAAA 2001:db8::10
alias CNAME www
sub NS ns.sub
ns.sub A 192.0.2.53
*.wild TXT "wildcard here"
a.b.c TXT "deep"
`;

function view(): ZoneView {
  const parsed = parseZoneText(ZONE, 'example.test.zone', { origin: parseName('example.test.', null) });
  expect(parsed.errors).toEqual([]);
  const image = compile(parsed.zone).image;
  return new ZoneView(defaultOptions, () => ({ generation: 1, images: [image] }));
}

describe('ZoneView.records', () => {
  it('lists every RRset of the zone, delegations as their NS, glue left out', () => {
    const page = view().records('example.test.', 0, 1000, '')!;
    const got = page.rrsets.map((r) => `${r.owner} ${r.type} ${r.ttl} ${[...r.records].sort().join(' | ')}`).sort();
    expect(got).toEqual([
      '*.wild.example.test. TXT 300 "wildcard here"',
      'a.b.c.example.test. TXT 300 "deep"',
      'alias.example.test. CNAME 300 www.example.test.',
      'example.test. MX 300 10 mail.example.test.',
      'example.test. NS 300 ns1.example.test. | ns2.other.test.',
      'example.test. SOA 300 ns1.example.test. hostmaster.example.test. 42 3600 600 1209600 300',
      'mail.example.test. A 300 192.0.2.2',
      'ns1.example.test. A 300 192.0.2.1',
      'sub.example.test. NS 300 ns.sub.example.test.',
      'www.example.test. A 300 192.0.2.10 | 192.0.2.11',
      'www.example.test. AAAA 300 2001:db8::10',
    ]);
    expect(page.serial).toBe(42);
    expect(page.names).toBe(8);
  });

  it('pages by owner name and filters by a substring of the owner', () => {
    const v = view();
    const all = v.records('example.test.', 0, 1000, '')!;
    const owners = [...new Set(all.rrsets.map((r) => r.owner))];
    const first = v.records('example.test.', 0, 4, '')!;
    const rest = v.records('example.test.', 4, 100, '')!;
    expect([...new Set([...first.rrsets, ...rest.rrsets].map((r) => r.owner))]).toEqual(owners);
    expect(new Set(first.rrsets.map((r) => r.owner)).size).toBe(4);
    const www = v.records('example.test.', 0, 10, 'www')!;
    expect(www.names).toBe(1);
    expect(www.rrsets.map((r) => r.type).sort()).toEqual(['A', 'AAAA']);
    expect(v.records('example.test.', 0, 10, 'b.c.example')!.rrsets.map((r) => r.owner)).toEqual(['a.b.c.example.test.']);
    expect(v.records('nope.test.', 0, 10, '')).toBeNull();
  });
});

describe('ZoneView.ask', () => {
  it('answers as the workers do, printed as dig prints it', () => {
    const r = view().ask('WWW.example.test', 1, false);
    expect(r.rcode).toBe('NOERROR');
    expect(r.text).toContain('flags: qr aa;');
    expect(r.text).toContain(';WWW.example.test.\t\tIN\tA');
    expect(r.text).toMatch(/WWW\.example\.test\.\t300\tIN\tA\t192\.0\.2\.1[01]/);
    expect(r.text).toContain('ANSWER: 2, AUTHORITY: 0');
  });

  it('shows NXDOMAIN with the SOA, referrals without AA, REFUSED outside our zones', () => {
    const v = view();
    const nx = v.ask('nothere.example.test.', 1, false);
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.text).toMatch(/AUTHORITY SECTION:\nexample\.test\.\t300\tIN\tSOA/);
    const ref = v.ask('x.sub.example.test.', 1, false);
    expect(ref.rcode).toBe('NOERROR');
    expect(ref.text).not.toContain(' aa');
    expect(ref.text).toContain('ns.sub.example.test.\t300\tIN\tA\t192.0.2.53');
    expect(v.ask('example.com.', 1, false).rcode).toBe('REFUSED');
    expect(v.ask('example.test.', 6, true).text).toContain('flags: do;');
  });
});
