// The answer function, case by case: what each kind of query gets back.
import { describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import { ask, askRaw, decode, encodeQuery, engineFor, rrs } from '../helpers/engine.ts';

const ZONE = `$TTL 3600
@       IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@       NS ns1
@       NS ns2.elsewhere.test.
@       MX 10 mail
ns1     A 192.0.2.1
mail    A 192.0.2.25
mail    AAAA 2001:db8::25
www     A 192.0.2.80
www     A 192.0.2.81
www     A 192.0.2.82
alias   CNAME www
chain1  CNAME chain2
chain2  CNAME alias
dangling CNAME missing
outside CNAME www.elsewhere.test.
loop1   CNAME loop2
loop2   CNAME loop1
*.wild  A 192.0.2.99
*.wild  TXT "wild text"
*.cw    CNAME www
a.b.c.ent TXT "deep"
sub     NS ns.sub
sub     NS ns.other.test.
sub     DS 12345 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.sub  A 192.0.2.53
insecure NS ns.elsewhere.test.
dn      DNAME target.example.net.
dn2     DNAME example.test.
d2      DNAME ${'t'.repeat(63)}.${'u'.repeat(40)}.example.net.
srv     SRV 0 5 5060 mail
big     TXT "${'x'.repeat(200)}"
big     TXT "${'y'.repeat(200)}"
big     TXT "${'z'.repeat(200)}"
`;

const engine = engineFor({ 'example.test.': ZONE, 'other.test.': '@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.7\n' });

describe('authoritative answers', () => {
  it('answers an existing RRset with AA and no authority section', () => {
    const r = ask(engine, 'mail.example.test', 'AAAA');
    expect(r.rcode).toBe('NOERROR');
    expect(r.flag_aa).toBe(true);
    expect(rrs(r.answers)).toEqual(['mail.example.test AAAA 2001:db8::25']);
    expect(r.authorities).toEqual([]);
  });

  it('echoes the question with the case the client used, RD copied, RA never set', () => {
    const r = ask(engine, 'MaIl.ExAmPlE.TeSt', 'A', { rd: true });
    expect(r.questions[0].name).toBe('MaIl.ExAmPlE.TeSt');
    expect(r.flag_rd).toBe(true);
    expect(r.flag_ra).toBe(false);
    expect(r.id).toBe(0x1234);
    expect(rrs(r.answers)).toEqual(['mail.example.test A 192.0.2.25']);
  });

  it('adds in-zone addresses of MX, NS and SRV targets to the additional section', () => {
    expect(rrs(ask(engine, 'example.test', 'MX').additionals)).toEqual([
      'mail.example.test A 192.0.2.25', 'mail.example.test AAAA 2001:db8::25',
    ]);
    expect(rrs(ask(engine, 'example.test', 'NS').additionals)).toEqual(['ns1.example.test A 192.0.2.1']);
    expect(rrs(ask(engine, 'srv.example.test', 'SRV').additionals)).toHaveLength(2);
  });

  it('answers NODATA with the SOA (negative TTL = min(TTL, MINIMUM)) for a missing type', () => {
    const r = ask(engine, 'www.example.test', 'AAAA');
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers).toEqual([]);
    expect(r.authorities.map((a) => [a.name, a.type, a.ttl])).toEqual([['example.test', 'SOA', 300]]);
  });

  it('answers NXDOMAIN with the SOA for a name that does not exist', () => {
    const r = ask(engine, 'nothing.here.example.test', 'A');
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.flag_aa).toBe(true);
    expect(r.authorities.map((a) => a.type)).toEqual(['SOA']);
  });

  it('answers NODATA for empty non-terminals (RFC 4592)', () => {
    for (const name of ['b.c.ent.example.test', 'c.ent.example.test', 'ent.example.test']) {
      const r = ask(engine, name, 'A');
      expect(r.rcode, name).toBe('NOERROR');
      expect(r.authorities.map((a) => a.type), name).toEqual(['SOA']);
    }
    expect(ask(engine, 'x.b.c.ent.example.test', 'TXT').rcode).toBe('NXDOMAIN');
  });

  it('rotates multi-address RRsets but always returns the whole set', () => {
    const orders = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = ask(engine, 'www.example.test', 'A');
      orders.add(r.answers.map((a) => a.data).join(','));
      expect(rrs(r.answers)).toHaveLength(3);
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('answers REFUSED, without AA, for names outside every zone, with EDE 20 under EDNS', () => {
    const r = ask(engine, 'www.example.com', 'A');
    expect(r.rcode).toBe('REFUSED');
    expect(r.flag_aa).toBe(false);
    const opt = ask(engine, 'www.example.com', 'A', { edns: 1232 }).additionals[0] as unknown as dnsPacket.OptAnswer;
    expect(opt.options).toEqual([{ code: 15, type: 'OPTION_15', data: Buffer.from([0, 20]) }]);
  });

  it('answers class ANY as class IN', () => {
    expect(rrs(ask(engine, 'mail.example.test', 'A', { class: 'ANY' }).answers)).toEqual(['mail.example.test A 192.0.2.25']);
  });

  it('selects the zone by longest suffix', () => {
    expect(rrs(ask(engine, 'ns.other.test', 'A').answers)).toEqual(['ns.other.test A 192.0.2.7']);
  });
});

describe('CNAME', () => {
  it('follows an in-zone chain to the final RRset', () => {
    const r = ask(engine, 'chain1.example.test', 'A');
    expect(r.answers.map((a) => `${a.name} ${a.type}`)).toEqual([
      'chain1.example.test CNAME', 'chain2.example.test CNAME', 'alias.example.test CNAME',
      'www.example.test A', 'www.example.test A', 'www.example.test A',
    ]);
  });

  it('answers the CNAME itself when asked for CNAME', () => {
    expect(rrs(ask(engine, 'alias.example.test', 'CNAME').answers)).toEqual(['alias.example.test CNAME www.example.test']);
  });

  it('ends a chain at a missing in-zone name with NXDOMAIN and the SOA (RFC 6604)', () => {
    const r = ask(engine, 'dangling.example.test', 'A');
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.answers.map((a) => a.type)).toEqual(['CNAME']);
    expect(r.authorities.map((a) => a.type)).toEqual(['SOA']);
  });

  it('stops at out-of-zone targets and at loops', () => {
    expect(rrs(ask(engine, 'outside.example.test', 'A').answers)).toEqual(['outside.example.test CNAME www.elsewhere.test']);
    const loop = ask(engine, 'loop1.example.test', 'A');
    expect(loop.answers.map((a) => a.name)).toEqual(['loop1.example.test', 'loop2.example.test']);
  });
});

describe('wildcards (RFC 4592)', () => {
  it('synthesizes the answer with the query name as owner', () => {
    const r = ask(engine, 'Anything.Deeper.wild.example.test', 'A');
    expect(r.flag_aa).toBe(true);
    expect(r.answers.map((a) => `${a.name} ${a.data}`)).toEqual(['Anything.Deeper.wild.example.test 192.0.2.99']);
  });

  it('answers NODATA for a type the wildcard does not have', () => {
    const r = ask(engine, 'x.wild.example.test', 'AAAA');
    expect(r.rcode).toBe('NOERROR');
    expect(r.authorities.map((a) => `${a.name} ${a.type}`)).toEqual(['example.test SOA']);
  });

  it('follows a wildcard CNAME', () => {
    const r = ask(engine, 'q.cw.example.test', 'A');
    expect(r.answers.map((a) => `${a.name} ${a.type}`)).toEqual([
      'q.cw.example.test CNAME', 'www.example.test A', 'www.example.test A', 'www.example.test A',
    ]);
  });

  it('keeps pointers right for query names much longer than the wildcard', () => {
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.wild.example.test`;
    const r = ask(engine, long, 'TXT', { tcp: true });
    expect(r.answers[0].name).toBe(long);
    const nodata = ask(engine, long, 'MX');
    expect(nodata.authorities[0].name).toBe('example.test');
  });
});

describe('delegations', () => {
  it('refers below a zone cut: AA=0, NS in authority, glue in additional', () => {
    const r = ask(engine, 'host.deep.sub.example.test', 'A');
    expect(r.rcode).toBe('NOERROR');
    expect(r.flag_aa).toBe(false);
    expect(r.answers).toEqual([]);
    expect(rrs(r.authorities)).toEqual(['sub.example.test NS ns.other.test', 'sub.example.test NS ns.sub.example.test']);
    expect(rrs(r.additionals)).toEqual(['ns.sub.example.test A 192.0.2.53']);
  });

  it('refers for the glue name itself and for NS at the cut', () => {
    expect(ask(engine, 'ns.sub.example.test', 'A').flag_aa).toBe(false);
    const ns = ask(engine, 'sub.example.test', 'NS');
    expect(ns.answers).toEqual([]);
    expect(ns.authorities).toHaveLength(2);
  });

  it('answers DS at the cut from the parent side, authoritatively', () => {
    const ds = ask(engine, 'sub.example.test', 'DS');
    expect(ds.flag_aa).toBe(true);
    expect(ds.answers.map((a) => a.type)).toEqual(['DS']);
    const none = ask(engine, 'insecure.example.test', 'DS');
    expect(none.flag_aa).toBe(true);
    expect(none.authorities.map((a) => a.type)).toEqual(['SOA']);
  });
});

describe('DNAME (RFC 6672)', () => {
  it('returns the DNAME and a CNAME synthesized from the lowercased query name (as Knot does)', () => {
    const r = ask(engine, 'a.B.dn.example.test', 'A');
    expect(r.answers.map((a) => `${a.name} ${a.type} ${a.data}`)).toEqual([
      'dn.example.test DNAME target.example.net', 'a.B.dn.example.test CNAME a.b.target.example.net',
    ]);
  });

  it('follows the synthesized name inside the zone: its answer, or NXDOMAIN with the SOA', () => {
    const found = ask(engine, 'www.dn2.example.test', 'A');
    expect(found.answers.map((a) => `${a.name} ${a.type}`)).toEqual([
      'dn2.example.test DNAME', 'www.dn2.example.test CNAME', 'www.example.test A', 'www.example.test A', 'www.example.test A',
    ]);
    const missing = ask(engine, 'nope.dn2.example.test', 'A');
    expect(missing.rcode).toBe('NXDOMAIN');
    expect(missing.authorities.map((a) => a.type)).toEqual(['SOA']);
    expect(ask(engine, 'www.dn2.example.test', 'CNAME').authorities).toEqual([]);
  });

  it('answers YXDOMAIN when the synthesized name would exceed 255 octets', () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(20)}.d2.example.test`;
    const r = ask(engine, long, 'A');
    expect(r.rcode).toBe('YXDOMAIN');
    expect(r.answers.map((a) => a.type)).toEqual(['DNAME']);
  });
});

describe('ANY (RFC 8482)', () => {
  it('answers one RRset, the lowest type, over UDP and TCP alike (as Knot does)', () => {
    expect(rrs(ask(engine, 'mail.example.test', 'ANY').answers)).toEqual(['mail.example.test A 192.0.2.25']);
    expect(rrs(ask(engine, 'mail.example.test', 'ANY', { tcp: true }).answers)).toEqual(['mail.example.test A 192.0.2.25']);
  });

  it('adds the additional data of the RRset it answers with', () => {
    const r = ask(engine, 'example.test', 'ANY');
    expect(r.answers.map((a) => a.type)).toEqual(['NS', 'NS']);
    expect(rrs(r.additionals)).toEqual(['ns1.example.test A 192.0.2.1']);
  });
});

describe('EDNS and truncation', () => {
  it('echoes OPT with our payload size and the DO bit', () => {
    const r = ask(engine, 'www.example.test', 'A', { edns: 4096, do: true });
    const opt = r.additionals.find((a) => a.type === 'OPT') as unknown as dnsPacket.OptAnswer;
    expect(opt.udpPayloadSize).toBe(1232);
    expect(opt.flags & dnsPacket.DNSSEC_OK).toBe(dnsPacket.DNSSEC_OK);
    expect(ask(engine, 'www.example.test', 'A').additionals).toEqual([]);
  });

  it('sets TC when the answer does not fit 512 bytes without EDNS, and not over TCP', () => {
    const udp = ask(engine, 'big.example.test', 'TXT');
    expect(udp.flag_tc).toBe(true);
    expect(askRaw(engine, encodeQuery('big.example.test', 'TXT'))!.length).toBeLessThanOrEqual(512);
    const tcp = ask(engine, 'big.example.test', 'TXT', { tcp: true });
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(3);
    expect(ask(engine, 'big.example.test', 'TXT', { edns: 1232 }).flag_tc).toBe(false);
  });

  it('answers BADVERS to EDNS version 1', () => {
    const q = encodeQuery('www.example.test', 'A', { edns: 1232 });
    q[q.length - 5] = 1; // OPT TTL bytes: extended RCODE, VERSION, flags
    const r = decode(askRaw(engine, q)!);
    const opt = r.additionals.find((a) => a.type === 'OPT') as unknown as { extendedRcode: number };
    expect(opt.extendedRcode).toBe(1);
    expect(r.answers).toEqual([]);
  });
});

describe('CHAOS', () => {
  it('answers id.server, hostname.bind and version.bind TXT in class CH', () => {
    const r = ask(engine, 'version.bind', 'TXT', { class: 'CH' });
    expect(r.flag_aa).toBe(false);
    expect(String((r.answers[0] as { data: Buffer[] }).data[0])).toBe('test-version');
    expect(ask(engine, 'ID.SERVER', 'TXT', { class: 'CH' }).answers).toHaveLength(1);
    expect(ask(engine, 'other.bind', 'TXT', { class: 'CH' }).rcode).toBe('REFUSED');
    expect(ask(engine, 'version.bind', 'A', { class: 'CH' }).rcode).toBe('REFUSED');
    expect(ask(engine, 'version.bind', 'ANY', { class: 'CH' }).rcode).toBe('REFUSED');
  });

  it('answers the health probe (CH TXT health.peregrine.) until draining, then SERVFAIL', () => {
    const e = engineFor({ 'other.test.': '@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.7\n' });
    const before = ask(e, 'health.peregrine', 'TXT', { class: 'CH' });
    expect(String((before.answers[0] as { data: Buffer[] }).data[0])).toBe('serving');
    e.setDraining(true);
    expect(ask(e, 'health.peregrine', 'TXT', { class: 'CH' }).rcode).toBe('SERVFAIL');
    expect(rrs(ask(e, 'ns.other.test', 'A').answers)).toEqual(['ns.other.test A 192.0.2.7']);
  });

  it('can be turned off', () => {
    const quiet = engineFor({ 'other.test.': '@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.7\n' }, {
      maxUdpPayload: 1232, chaos: { idServer: null, hostnameBind: null, versionBind: null },
    });
    expect(ask(quiet, 'version.bind', 'TXT', { class: 'CH' }).rcode).toBe('REFUSED');
  });
});

describe('malformed queries', () => {
  const good = encodeQuery('www.example.test', 'A');

  it('drops packets shorter than a header and responses', () => {
    expect(askRaw(engine, good.subarray(0, 11))).toBeNull();
    const response = Buffer.from(good);
    response[2] |= 0x80;
    expect(askRaw(engine, response)).toBeNull();
  });

  it('drops, as Knot does, a question it cannot read: cut short, QDCOUNT 2, a compression pointer, a label over 63', () => {
    expect(askRaw(engine, good.subarray(0, good.length - 2))).toBeNull();
    const two = Buffer.from(good); two[5] = 2;
    expect(askRaw(engine, two)).toBeNull();
    const pointer = Buffer.from([...good.subarray(0, 12), 0xc0, 0x0c, 0, 1, 0, 1]);
    expect(askRaw(engine, pointer)).toBeNull();
    const longLabel = Buffer.from([...good.subarray(0, 12), 64, ...Buffer.alloc(64, 0x61), 0, 0, 1, 0, 1]);
    expect(askRaw(engine, longLabel)).toBeNull();
  });

  it('answers FORMERR to QDCOUNT 0 (with OPT) and to trailing bytes (question echoed, no OPT)', () => {
    const q = encodeQuery('www.example.test', 'A', { edns: 1232 });
    const zero = Buffer.from([...q.subarray(0, 12), ...q.subarray(q.length - 11)]);
    zero[5] = 0;
    const r = decode(askRaw(engine, zero)!);
    expect(r.rcode).toBe('FORMERR');
    expect(r.additionals.map((a) => a.type)).toEqual(['OPT']);
    const trailing = decode(askRaw(engine, Buffer.concat([good, Buffer.from([0])]))!);
    expect(trailing.rcode).toBe('FORMERR');
    expect(trailing.questions[0].name).toBe('www.example.test');
  });

  it('answers FORMERR without OPT to two OPT records and to an option running past its record', () => {
    const q = encodeQuery('www.example.test', 'A', { edns: 1232 });
    const opt = q.subarray(q.length - 11);
    const two = Buffer.concat([q, opt]);
    two[11] = 2;
    const r = decode(askRaw(engine, two)!);
    expect(r.rcode).toBe('FORMERR');
    expect(r.additionals).toEqual([]);
    const bad = Buffer.concat([q, Buffer.from([0, 10, 0, 8, 1, 2])]);
    bad.writeUInt16BE(6, q.length - 2); // RDLENGTH 6: an option header claiming 8 bytes
    expect(decode(askRaw(engine, bad)!).rcode).toBe('FORMERR');
  });

  it('answers NOTAUTH to NOTIFY and UPDATE, NOTIMP to zone transfers over UDP and to QTYPE 0', () => {
    const notify = Buffer.from(good);
    notify[2] = 4 << 3;
    expect(decode(askRaw(engine, notify)!).rcode).toBe('NOTAUTH');
    expect(ask(engine, 'example.test', 'AXFR').rcode).toBe('NOTIMP');
    expect(ask(engine, 'example.test', 'AXFR', { tcp: true }).rcode).toBe('NOTAUTH');
    const zero = encodeQuery('www.example.test', 'A');
    zero.writeUInt16BE(0, zero.length - 4);
    expect(decode(askRaw(engine, zero)!).rcode).toBe('NOTIMP');
  });

  it('clears CD, AD and Z in responses', () => {
    const q = Buffer.from(good);
    q[3] |= 0x70;
    expect(askRaw(engine, q)![3] & 0x70).toBe(0);
  });

  it('answers NOTIMP to opcodes other than QUERY', () => {
    const status = Buffer.from(good);
    status[2] = 2 << 3;
    const r = decode(askRaw(engine, status)!);
    expect(r.rcode).toBe('NOTIMP');
    expect(r.opcode).toBe('STATUS');
  });

  it('never throws on any byte string', () => {
    for (let i = 0; i < 5000; i++) {
      const q = Buffer.from(good);
      for (let j = 0; j < 3; j++) q[Math.floor(Math.random() * q.length)] = Math.floor(Math.random() * 256);
      const cut = q.subarray(0, Math.floor(Math.random() * (q.length + 1)));
      const raw = askRaw(engine, cut);
      if (raw !== null) expect(raw.readUInt16BE(0)).toBe(cut.readUInt16BE(0));
    }
  });
});

describe('Knot-compatible details', () => {
  const parent = `$TTL 3600
@ SOA ns hm 1 2 3 4 300
@ NS ns
ns A 192.0.2.1
child NS ns.child
child DS 1 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.child A 192.0.2.2
to-deleg CNAME host.child
svc SVCB 1 target alpn=h2
target A 192.0.2.3
target AAAA 2001:db8::3
chain CNAME big
big TXT "${'a'.repeat(250)}"
big TXT "${'b'.repeat(250)}"
many NS ns1.many
${Array.from({ length: 13 }, (_, i) => `many NS ns${i + 1}.many\nns${i + 1}.many A 192.0.2.${i + 10}\nns${i + 1}.many AAAA 2001:db8::${i + 10}`).join('\n')}
${Array.from({ length: 10 }, (_, i) => `sibling NS s${i}\ns${i} A 192.0.2.${i + 100}\ns${i} AAAA 2001:db8::${i + 100}`).join('\n')}
`;
  const child = '@ 3600 SOA ns hm 1 2 3 4 300\n@ NS ns\nns A 192.0.2.2\n';
  const e = engineFor({ 'parent.test.': parent, 'child.parent.test.': child });

  it('answers a CNAME into a delegation with the CNAME, authoritatively, then the referral', () => {
    const r = ask(e, 'to-deleg.parent.test', 'A');
    expect(r.flag_aa).toBe(true);
    expect(r.answers.map((a) => a.type)).toEqual(['CNAME']);
    expect(rrs(r.authorities)).toEqual(['child.parent.test NS ns.child.parent.test']);
    expect(rrs(r.additionals)).toEqual(['ns.child.parent.test A 192.0.2.2']);
  });

  it('adds the addresses of SVCB targets', () => {
    expect(rrs(ask(e, 'svc.parent.test', 'SVCB').additionals)).toEqual([
      'target.parent.test A 192.0.2.3', 'target.parent.test AAAA 2001:db8::3',
    ]);
  });

  it('answers DS at the apex of a served child zone from the parent zone', () => {
    const r = ask(e, 'child.parent.test', 'DS');
    expect(r.answers.map((a) => a.type)).toEqual(['DS']);
    expect(ask(e, 'child.parent.test', 'SOA').answers.map((a) => a.type)).toEqual(['SOA']);
  });

  it('cuts a response that does not fit after the last whole RRset, with TC and the rcode kept', () => {
    const r = ask(e, 'chain.parent.test', 'TXT');
    expect(r.flag_tc).toBe(true);
    expect(r.answers.map((a) => a.type)).toEqual(['CNAME']);
  });

  it('sets TC when glue below the cut is left out, but fills optional glue without it', () => {
    const inBailiwick = ask(e, 'www.many.parent.test', 'A');
    expect(inBailiwick.flag_tc).toBe(true);
    expect(inBailiwick.authorities).toHaveLength(13);
    expect(inBailiwick.additionals.length).toBeGreaterThan(0);
    const sibling = ask(e, 'www.sibling.parent.test', 'A');
    expect(sibling.flag_tc).toBe(false);
    expect(sibling.authorities).toHaveLength(10);
    expect(sibling.additionals.length).toBeGreaterThan(0);
    expect(sibling.additionals.length).toBeLessThan(20);
  });
});
