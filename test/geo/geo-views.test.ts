// Geo views end to end on the answer engine: a zone, a Knot mod-geoip file, the views compiled,
// and answers by client address and by ECS option (with the scope written back).
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { AnswerEngine } from '../../src/answer/answer.ts';
import { compile } from '../../src/compile/compile-zone.ts';
import { compileGeoViews } from '../../src/compile/geo-views.ts';
import { parseGeoText, type GeoSettings } from '../../src/sources/geo/geo-file.ts';
import { parseName } from '../../src/zone/name.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { defaultOptions } from '../helpers/engine.ts';

const ZONE = `$ORIGIN example.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.80
mx1 A 192.0.2.25
`;
const GEO = `www.example.test:
  - net: 127.0.0.0/8
    A: [10.0.0.1, 10.0.0.2]
  - net: 127.0.0.2/32
    A: 10.0.0.3
    TXT: "two"
  - net: 10.0.0.0/8
    CNAME: mx1.example.test.
  - net: ::1/128
    AAAA: 2001:db8::1
"*.wild.example.test":
  - net: 0.0.0.0/0
    TXT: "anywhere"
`;

function engine(geoText = GEO, settings: GeoSettings = { mode: 'subnet', ttl: 20 }, ecs = true): AnswerEngine {
  const parsed = parseZoneText(ZONE, 'example.test.zone', { origin: parseName('example.test.', null) });
  const main = compile(parsed.zone).image;
  const views = compileGeoViews(main, parseGeoText(geoText, 'geo.conf', settings), defaultOptions);
  expect(views.warnings).toEqual([]);
  const e = new AnswerEngine({ ...defaultOptions, ecs });
  e.setZones([main, ...views.images]);
  return e;
}

interface Ask { from?: string; ecs?: { family: 1 | 2; source: number; address: number[] } }
function ask(e: AnswerEngine, name: string, type: string, o: Ask = {}) {
  const options = o.ecs === undefined ? [] : [{ code: 8, data: Buffer.from([0, o.ecs.family, o.ecs.source, 0, ...o.ecs.address]) }];
  const q = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name, type: type as dnsPacket.RecordType }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, options } as dnsPacket.Answer] });
  e.client.setText(o.from ?? '192.0.2.99');
  const out = new Uint8Array(65535);
  const n = e.answer(q, q.length, out, false);
  const m = dnsPacket.decode(Buffer.from(out.subarray(0, n))) as dnsPacket.DecodedPacket & { rcode: string };
  const opt = (m.additionals ?? []).find((r) => r.type === 'OPT') as { options?: { code: number; data: Buffer }[] } | undefined;
  const ecs = opt?.options?.find((x) => x.code === 8)?.data;
  return {
    rcode: m.rcode,
    answers: (m.answers ?? []).map((r) => { const d = (r as { data?: unknown }).data; return `${r.name} ${(r as { ttl?: number }).ttl} ${r.type} ${typeof d === 'string' ? d : Array.isArray(d) ? d.map(String).join(' ') : JSON.stringify(d)}`; }).sort(),
    authority: (m.authorities ?? []).map((r) => r.type),
    scope: ecs === undefined ? null : ecs[3],
    ecs: ecs === undefined ? null : [...ecs],
  };
}

describe('geo views (subnet mode)', () => {
  it('answers by the client address: the most specific view, else the zone', () => {
    const e = engine();
    expect(ask(e, 'www.example.test', 'A', { from: '127.0.0.1' }).answers).toEqual(['www.example.test 20 A 10.0.0.1', 'www.example.test 20 A 10.0.0.2']);
    expect(ask(e, 'www.example.test', 'A', { from: '127.0.0.2' }).answers).toEqual(['www.example.test 20 A 10.0.0.3']);
    expect(ask(e, 'www.example.test', 'A', { from: '192.0.2.7' }).answers).toEqual(['www.example.test 300 A 192.0.2.80']);
    expect(ask(e, 'WWW.Example.TEST', 'AAAA', { from: '::1' }).answers).toEqual(['WWW.Example.TEST 20 AAAA 2001:db8::1']);
  });

  it('answers NODATA for a type the view lacks, and chases a CNAME through the zone', () => {
    const e = engine();
    const nodata = ask(e, 'www.example.test', 'MX', { from: '127.0.0.1' });
    expect(nodata).toMatchObject({ rcode: 'NOERROR', answers: [], authority: ['SOA'] });
    expect(ask(e, 'www.example.test', 'A', { from: '10.9.9.9' }).answers).toEqual(['mx1.example.test 300 A 192.0.2.25', 'www.example.test 20 CNAME mx1.example.test']);
    // Other names are the zone's, whatever the client.
    expect(ask(e, 'ns1.example.test', 'A', { from: '127.0.0.2' }).answers).toEqual(['ns1.example.test 300 A 192.0.2.1']);
  });

  it('matches wildcard owners for names below them', () => {
    const e = engine();
    expect(ask(e, 'a.b.wild.example.test', 'TXT').answers).toEqual(['a.b.wild.example.test 20 TXT anywhere']);
    expect(ask(e, 'wild.example.test', 'TXT').rcode).toBe('NXDOMAIN');
  });

  it('with --ecs, chooses by the ECS address and writes back the scope, as Knot does', () => {
    const e = engine();
    const viaEcs = ask(e, 'www.example.test', 'A', { from: '192.0.2.7', ecs: { family: 1, source: 24, address: [10, 1, 2] } });
    expect(viaEcs.answers[1]).toBe('www.example.test 20 CNAME mx1.example.test');
    expect(viaEcs.ecs).toEqual([0, 1, 24, 8, 10, 1, 2]);
    expect(ask(e, 'www.example.test', 'A', { ecs: { family: 1, source: 31, address: [127, 0, 0, 2] } }).scope).toBe(32);
    // An answer that does not vary: scope 0; an address masked to its prefix matches what it holds.
    expect(ask(e, 'ns1.example.test', 'A', { ecs: { family: 1, source: 32, address: [127, 0, 0, 1] } }).scope).toBe(0);
    expect(ask(e, 'www.example.test', 'A', { ecs: { family: 1, source: 24, address: [127, 0, 0, 255] } })).toMatchObject({ scope: 8, ecs: [0, 1, 24, 8, 127, 0, 0] });
  });

  it('answers FORMERR to malformed ECS with --ecs, and ignores ECS without it', () => {
    const bad = { family: 1 as const, source: 33, address: [1, 2, 3, 4, 5] };
    expect(ask(engine(), 'www.example.test', 'A', { ecs: bad }).rcode).toBe('FORMERR');
    expect(ask(engine(), 'www.example.test', 'A', { ecs: { family: 1, source: 24, address: [10, 1] } }).rcode).toBe('FORMERR');
    const off = ask(engine(GEO, { mode: 'subnet', ttl: 20 }, false), 'www.example.test', 'A', { from: '127.0.0.2', ecs: { family: 1, source: 24, address: [10, 1, 2] } });
    expect(off).toMatchObject({ rcode: 'NOERROR', answers: ['www.example.test 20 A 10.0.0.3'], ecs: null });
  });
});

describe('geo views (weighted mode)', () => {
  it('draws views by weight', () => {
    const e = engine('www.example.test:\n  - weight: 1\n    A: 10.0.0.1\n  - weight: 3\n    A: 10.0.0.3\n  - weight: 0\n    A: 10.0.0.9\n', { mode: 'weighted', ttl: 20 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const a = ask(e, 'www.example.test', 'A').answers[0];
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['www.example.test 20 A 10.0.0.1', 'www.example.test 20 A 10.0.0.3']);
    const ratio = counts.get('www.example.test 20 A 10.0.0.3')! / counts.get('www.example.test 20 A 10.0.0.1')!;
    expect(ratio).toBeGreaterThan(2);
    expect(ratio).toBeLessThan(4.5);
  });
});

describe('geo file', () => {
  it('reports problems with FILE:LINE, as Knot refuses them', () => {
    const text = 'www.example.test:\n  - geo: CZ\n    A: 10.0.0.1\nx.example.test:\n  - net: 10.0.0.0/8\n    RRSIG: x\n    A: 300.1.1.1\n    TXT: ok\n    CNAME: y\n';
    expect(() => parseGeoText(text, 'g.conf', { mode: 'subnet', ttl: 60 })).toThrow(/g\.conf:2: invalid key type 'geo'.*g\.conf:6: DNSSEC record 'RRSIG' not allowed.*g\.conf:7: A 300\.1\.1\.1.*g\.conf:9: cannot add CNAME to view with other RRs/s);
  });
});
