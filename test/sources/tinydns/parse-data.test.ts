// tinydns-data lines to records: every line type, defaults, the x rule, escapes, timestamps,
// locations, and FILE:LINE errors.
import { describe, expect, it } from 'vitest';
import { parseTinydnsData, type TinyRecord } from '../../../src/sources/tinydns/parse-data.ts';
import { nameToText } from '../../../src/zone/name.ts';
import { TYPE_A, TYPE_CNAME, TYPE_MX, TYPE_NS, TYPE_PTR, TYPE_SOA, TYPE_TXT } from '../../../src/zone/types.ts';

const MTIME = 1_700_000_000;

function parse(text: string): TinyRecord[] {
  const r = parseTinydnsData(text, 'data', MTIME);
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.data.records;
}

function errors(text: string): string[] {
  const r = parseTinydnsData(text, 'data', MTIME);
  return r.ok ? [] : r.errors.map(String);
}

const show = (r: TinyRecord) => `${nameToText(r.owner)} ${r.ttl} ${r.type} ${Buffer.from(r.rdata).toString('hex')}`;

describe('parseTinydnsData', () => {
  it('. makes SOA (serial from mtime, hostmaster, default timers), NS by the x rule, and the A of the server', () => {
    const [soa, ns, a] = parse('.example.com:1.2.3.4:a\n');
    expect(soa.type).toBe(TYPE_SOA);
    expect(soa.ttl).toBe(2560);
    expect(soa.apex).toBe(true);
    const rdata = Buffer.from(soa.rdata);
    expect(nameToText(rdata.subarray(0, 18))).toBe('a.ns.example.com.');
    expect(nameToText(rdata.subarray(18, 42))).toBe('hostmaster.example.com.');
    expect(rdata.length).toBe(62);
    expect([...[0, 4, 8, 12, 16].map((o) => rdata.readUInt32BE(42 + o))]).toEqual([MTIME, 16384, 2048, 1048576, 2560]);
    expect(show(ns)).toBe(`example.com. 259200 ${TYPE_NS} ${Buffer.from('\x01a\x02ns\x07example\x03com\x00', 'latin1').toString('hex')}`);
    expect(nameToText(a.owner)).toBe('a.ns.example.com.');
    expect([...a.rdata]).toEqual([1, 2, 3, 4]);
    expect(a.ttl).toBe(259200);
  });

  it('& makes NS and A but no SOA; x with a dot is the name itself; no ip, no A', () => {
    const recs = parse('&sub.example.com::ns1.other.net\n');
    expect(recs.map((r) => r.type)).toEqual([TYPE_NS]);
    expect(nameToText(recs[0].rdata)).toBe('ns1.other.net.');
    expect(nameToText(parse('.example.com:1.2.3.4\n')[1].rdata)).toBe('ns.example.com.');
  });

  it('= makes A and PTR, + only A; @ makes MX (x.mx.fqdn, distance) and A; defaults 86400', () => {
    const eq = parse('=Host.example.com:10.1.2.3\n');
    expect(eq.map((r) => `${nameToText(r.owner)} ${r.type} ${r.ttl}`)).toEqual(['Host.example.com. 1 86400', '3.2.1.10.in-addr.arpa. 12 86400']);
    expect(nameToText(eq[1].rdata)).toBe('Host.example.com.');
    expect(parse('+h.example.com:10.1.2.3:60\n').map((r) => r.type)).toEqual([TYPE_A]);
    const mx = parse('@example.com:1.2.3.5:mail:20\n');
    expect(mx[0].type).toBe(TYPE_MX);
    expect([...mx[0].rdata.subarray(0, 2)]).toEqual([0, 20]);
    expect(nameToText(mx[0].rdata.subarray(2))).toBe('mail.mx.example.com.');
    expect(nameToText(mx[1].owner)).toBe('mail.mx.example.com.');
    expect(parse('@example.com::mx.other.net\n')[0].rdata[1]).toBe(0);
  });

  it("' splits TXT into 127-byte strings and reads octal escapes; ^ and C; : generic data", () => {
    const [txt] = parse(`'t.example.com:a\\072b\\101${'x'.repeat(200)}\n`);
    expect(txt.type).toBe(TYPE_TXT);
    expect(txt.rdata[0]).toBe(127);
    expect(Buffer.from(txt.rdata.subarray(1, 5)).toString('latin1')).toBe('a:bA');
    expect(txt.rdata[128]).toBe(204 - 127);
    expect(parse('^4.3.2.1.in-addr.arpa:h.example.com\n')[0].type).toBe(TYPE_PTR);
    expect(parse('Cwww.example.com:h.example.com\n')[0].type).toBe(TYPE_CNAME);
    const [gen] = parse(':g.example.com:28:\\040\\001\\015\\270\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\001\n');
    expect(gen.type).toBe(28);
    expect(gen.rdata.length).toBe(16);
    expect(gen.rdata[0]).toBe(0x20);
  });

  it('names: octal escapes, empty labels skipped, wildcards kept', () => {
    expect(nameToText(parse('+a\\056b..example.com.:1.2.3.4\n')[0].owner)).toBe('a\\.b.example.com.');
    expect(nameToText(parse('+*.example.com:1.2.3.4\n')[0].owner)).toBe('*.example.com.');
  });

  it('Z with explicit values, and its defaults for empty fields', () => {
    const [soa] = parse('Zexample.com:ns.example.com.:me.example.com.:42:::::300\n');
    const rdata = Buffer.from(soa.rdata);
    const at = rdata.length - 20;
    expect([0, 4, 8, 12, 16].map((o) => rdata.readUInt32BE(at + o))).toEqual([42, 16384, 2048, 1048576, 2560]);
    expect(soa.ttl).toBe(300);
    expect(soa.mtimeSerial).toBe(false);
  });

  it('timestamps (TAI64) and locations; % lines; - and # lines ignored', () => {
    const r = parseTinydnsData('%in:192.168\n%ex\n# c\n-x.example.com:1.2.3.4\n+x.example.com:1.2.3.4:0:4000000065000000:in\n', 'data', MTIME);
    if (!r.ok) throw new Error('parse failed');
    expect(r.data.locations.map((l) => [l.location, [...l.prefix]])).toEqual([['in', [192, 168]], ['ex', []]]);
    expect(r.data.records).toHaveLength(1);
    expect(r.data.records[0]).toMatchObject({ ttl: 0, timestamp: 0x65000000 - 10, location: 'in' });
  });

  it('reports every bad line as FILE:LINE: message', () => {
    expect(errors('+a.example.com:1.2.3.400\nQfoo\n+b.example.com:1.2.3.4:12x\n+c.example.com:1.2.3.4::4000000065\n:d.example.com:2:x\n+e.example.com:1.2.3.4:::abc\n')).toEqual([
      "data:1: bad IPv4 address '1.2.3.400'",
      "data:2: unrecognized leading character 'Q'",
      "data:3: TTL '12x' is not a number",
      "data:4: timestamp '4000000065' is not a TAI64 label (16 lower-case hex digits, e.g. 4000000065000000)",
      'data:5: type NS prohibited (use a . or & line)',
      "data:6: location 'abc' is longer than two characters",
    ]);
    expect(errors(`+${'x'.repeat(64)}.example.com:1.2.3.4\n`)[0]).toMatch(/^data:1: label longer than 63 bytes/);
  });
});
