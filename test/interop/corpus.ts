// The interop query corpus: every case is sent byte-for-byte identically to knotd
// and Peregrine, and the answers are compared section by section (helpers/compare.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { header, wireName } from '../helpers/malformed.ts';
import type { EdnsOptions, QuerySpec } from './helpers/dns-client.ts';
import type { ZoneFile, ZoneRecord } from './helpers/knotd.ts';
import type { CorpusCase, CorpusQuery, RawQuery } from './helpers/run.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'interop');
export const EXAMPLES = path.join(REPO_ROOT, 'examples');

/** Zones written for the interop suite (test/fixtures/interop). */
export const FIXTURE_ZONES: ZoneFile[] = [
  { origin: 'interop.test.', file: path.join(FIXTURES, 'interop.test.zone') },
  { origin: 'other.test.', file: path.join(FIXTURES, 'other.test.zone') },
  { origin: 'parent.test.', file: path.join(FIXTURES, 'parent.test.zone') },
  { origin: 'child.parent.test.', file: path.join(FIXTURES, 'child.parent.test.zone') },
];

/** The bundled examples (examples/*.zone); origins given explicitly. */
export const EXAMPLE_ZONES: ZoneFile[] = [
  { origin: 'shop.example.', file: path.join(EXAMPLES, 'shop.example.zone') },
  { origin: 'localhost.', file: path.join(EXAMPLES, 'localhost.zone') },
  { origin: '0.0.127.in-addr.arpa.', file: path.join(EXAMPLES, '0.0.127.in-addr.arpa.zone') },
];

export const ALL_ZONES: ZoneFile[] = [...FIXTURE_ZONES, ...EXAMPLE_ZONES];

// ---------------------------------------------------------------------------------
// Building blocks

/** Default EDNS for the sweep: EDNS0, 1232 bytes, DO clear. */
const EDNS_DEFAULT: EdnsOptions = { udpPayloadSize: 1232 };

function ednsTag(e: EdnsOptions | false | undefined): string {
  if (!e) return 'noedns';
  let t = `edns${e.udpPayloadSize}`;
  if (e.version) t += `v${e.version}`;
  if (e.do) t += '+do';
  return t;
}

function specTag(q: QuerySpec): string {
  const bits: string[] = [];
  if (q.rd) bits.push('rd');
  if (q.cd) bits.push('cd');
  if (q.ad) bits.push('ad');
  if (q.qr) bits.push('qr');
  if (q.tc) bits.push('tc');
  if (q.z) bits.push('z');
  if (q.opcode) bits.push(`opcode${q.opcode}`);
  return bits.length ? ` ${bits.join('+')}` : '';
}

function qlabel(transport: string, q: QuerySpec): string {
  const cls = q.qclass === undefined ? 'IN' : String(q.qclass);
  const question = q.noQuestion ? '(no question)' : `${q.name} ${cls} ${q.type}`;
  return `${transport} ${ednsTag(q.edns)} ${question}${specTag(q)}`;
}

function udp(q: QuerySpec, timeoutMs?: number): CorpusCase {
  return { label: qlabel('udp', q), transport: 'udp', queries: [q], timeoutMs };
}

function tcp(q: QuerySpec, timeoutMs?: number): CorpusCase {
  return { label: qlabel('tcp', q), transport: 'tcp', queries: [q], timeoutMs };
}

function q(name: string, type: string | number, extra: Partial<QuerySpec> = {}): QuerySpec {
  return { name, type, edns: EDNS_DEFAULT, ...extra };
}

/** Types asked at every name of the sweep. TYPE65280 (private use) exists nowhere. */
const SWEEP_TYPES = ['A', 'AAAA', 'NS', 'SOA', 'MX', 'TXT', 'CNAME', 'DS', 'ANY', 'TYPE65280'];

interface SweepName {
  name: string;
  /** Types asked in addition to SWEEP_TYPES (e.g. the types that live there). */
  extra?: string[];
  /** Replace SWEEP_TYPES entirely. */
  only?: string[];
}

function sweep(names: SweepName[]): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const n of names) {
    const types = n.only ?? [...SWEEP_TYPES, ...(n.extra ?? [])];
    for (const t of types) out.push(udp(q(n.name, t)));
  }
  return out;
}

// ---------------------------------------------------------------------------------
// interop.test.: every name of the zone (plus ENTs, wildcard matches, names below
// delegations and DNAMEs, nonexistent names) times the relevant types.

const I = (rel: string) => (rel === '@' ? 'interop.test.' : `${rel}.interop.test.`);

const INTEROP_NAMES: SweepName[] = [
  // apex and ordinary data
  { name: I('@'), extra: ['CAA', 'HTTPS', 'DNAME', 'SRV', 'DNSKEY', 'RRSIG', 'NSEC'] },
  { name: I('ns1') },
  { name: I('ns2') },
  { name: I('www') },
  { name: I('mail') },
  { name: I('upper') },
  { name: I('rr') },
  // CNAMEs
  { name: I('cname') },
  { name: I('chain1') },
  { name: I('chain2'), only: ['A', 'CNAME', 'ANY'] },
  { name: I('chain3'), only: ['A', 'CNAME'] },
  { name: I('ext-cname') },
  { name: I('other-cname') },
  { name: I('dangling') },
  { name: I('loop1') },
  { name: I('loop2'), only: ['A', 'CNAME'] },
  { name: I('self') },
  { name: I('to-wild'), extra: ['SRV'] },
  { name: I('to-deleg') },
  { name: I('to-ent') },
  { name: I('to-mx') },
  { name: I('cname-upper') },
  { name: I('mx-host'), only: ['MX', 'A'] },
  // DNAME
  { name: I('alias'), extra: ['DNAME'] },
  { name: I('www.alias'), extra: ['DNAME'] },
  { name: I('nope.alias'), only: ['A', 'AAAA', 'DNAME'] },
  { name: I('a.b.alias'), only: ['A'] },
  { name: I('real'), only: ['A', 'DNAME'] },
  { name: I('www.real'), only: ['A', 'AAAA'] },
  { name: I('dn-other'), only: ['DNAME', 'A', 'NS'] },
  { name: I('www.dn-other'), only: ['A', 'AAAA', 'DNAME', 'CNAME', 'ANY'] },
  { name: I('nope.dn-other'), only: ['A'] },
  { name: I('www.dn-ext'), only: ['A', 'MX'] },
  // wildcards
  { name: I('foo.wild'), extra: ['SRV'] },
  { name: I('a.b.wild'), only: ['A', 'TXT', 'MX', 'ANY'] },
  { name: I('wild'), only: ['A', 'TXT', 'ANY'] },
  { name: I('*.wild'), only: ['A', 'TXT', 'MX', 'ANY'] },
  { name: I('foo.wcname'), only: ['A', 'AAAA', 'CNAME', 'TXT', 'ANY'] },
  { name: I('b.x'), only: ['A', 'AAAA', 'ANY'] },
  { name: I('a.x'), only: ['A', 'AAAA'] },
  { name: I('c.a.x'), only: ['A', 'AAAA'] },
  { name: I('x'), only: ['A'] },
  { name: I('foo.wempty'), only: ['TXT', 'A', 'ANY'] },
  { name: I('*.wempty'), only: ['TXT', 'A'] },
  { name: I('sub.*.wempty'), only: ['TXT', 'A'] },
  { name: I('sub.foo.wempty'), only: ['TXT'] },
  { name: I('host.wmx'), only: ['MX', 'A', 'ANY'] },
  // empty non-terminals
  { name: I('a.b.c.ent'), only: ['A', 'AAAA', 'ANY'] },
  { name: I('b.c.ent'), only: ['A', 'AAAA', 'ANY', 'NS', 'DS'] },
  { name: I('c.ent'), only: ['A', 'TXT', 'ANY'] },
  { name: I('ent'), only: ['A', 'SOA'] },
  { name: I('x.c.ent'), only: ['A'] },
  { name: I('z.a.b.c.ent'), only: ['A'] },
  // delegations and what lies below them
  { name: I('sub'), extra: ['DNAME'] },
  { name: I('ns1.sub'), only: ['A', 'AAAA', 'NS', 'DS', 'ANY'] },
  { name: I('ns2.sub'), only: ['A', 'AAAA'] },
  { name: I('www.sub'), only: ['A', 'AAAA', 'MX', 'DS'] },
  { name: I('a.b.c.sub'), only: ['A', 'SOA'] },
  { name: I('ext') },
  { name: I('x.ext'), only: ['A', 'NS', 'DS'] },
  { name: I('secure') },
  { name: I('ns.secure'), only: ['A', 'DS'] },
  { name: I('mixed'), only: ['A', 'NS', 'DS', 'SOA'] },
  { name: I('host.mixed'), only: ['A'] },
  { name: I('sibling'), only: ['A', 'NS', 'DS'] },
  { name: I('bigdeleg'), only: ['DS', 'SOA'] },
  { name: I('ns01.bigdeleg'), only: ['A'] },
  { name: I('mx01.bigmx'), only: ['A', 'AAAA'] },
  // additional-section processing
  { name: I('_sip._tcp'), extra: ['SRV'] },
  { name: I('_tcp'), only: ['SRV', 'A', 'ANY'] },
  { name: I('_nope._tcp'), only: ['SRV'] },
  { name: I('sip'), only: ['A', 'AAAA', 'ANY'] },
  { name: I('mx-deleg'), only: ['MX', 'A'] },
  { name: I('mx-cname'), only: ['MX'] },
  { name: I('svc'), extra: ['SVCB', 'HTTPS'] },
  { name: I('svc-target'), only: ['A', 'AAAA'] },
  { name: I('https-alias'), extra: ['HTTPS', 'SVCB'] },
  { name: I('_dns.svc'), only: ['SVCB', 'A'] },
  // assorted types
  { name: I('ptr'), extra: ['PTR'] },
  { name: I('hinfo'), extra: ['HINFO'] },
  { name: I('naptr'), extra: ['NAPTR'] },
  { name: I('sshfp'), extra: ['SSHFP'] },
  { name: I('_443._tcp.www'), extra: ['TLSA'] },
  { name: I('_tcp.www'), only: ['TLSA', 'A'] },
  { name: I('txt') },
  { name: I('longtxt'), only: ['TXT'] },
  { name: I('generic'), extra: ['TYPE65534', 'TYPE65535'] },
  { name: I('anyorder'), only: ['ANY', 'HINFO', 'TXT', 'MX', 'AAAA', 'A'] },
  // nonexistent names at several depths
  { name: I('nonexistent'), only: ['A', 'AAAA', 'MX', 'NS', 'DS', 'ANY'] },
  { name: I('a.nonexistent'), only: ['A'] },
  { name: I('a.b.c.d.nonexistent'), only: ['A', 'TXT'] },
  { name: I('www.www'), only: ['A'] },
  { name: I('nope.mail'), only: ['A'] },
  { name: I('_foo._tcp'), only: ['SRV'] },
];

// ---------------------------------------------------------------------------------
// Zone selection: other zones, a served child zone below a served parent, names in
// no served zone.

const ZONE_SELECTION: SweepName[] = [
  { name: 'other.test.' },
  { name: 'www.other.test.', only: ['A', 'AAAA', 'ANY'] },
  { name: 'back.other.test.', only: ['A', 'CNAME'] },
  { name: 'nope.other.test.', only: ['A'] },
  { name: 'parent.test.' },
  { name: 'www.parent.test.', only: ['A'] },
  { name: 'child.parent.test.', extra: ['DNSKEY'] },
  { name: 'www.child.parent.test.', only: ['A', 'AAAA', 'DS', 'ANY'] },
  { name: 'ns.child.parent.test.', only: ['A', 'NS'] },
  { name: 'foo.wild.child.parent.test.', only: ['A', 'TXT'] },
  { name: 'nope.child.parent.test.', only: ['A'] },
  { name: 'unserved.parent.test.', only: ['A', 'NS', 'DS', 'SOA'] },
  { name: 'www.unserved.parent.test.', only: ['A'] },
  // no zone at or above these names is served: REFUSED
  { name: '.', only: ['SOA', 'NS', 'A', 'DNSKEY'] },
  { name: 'test.', only: ['SOA', 'NS', 'DS'] },
  { name: 'example.com.', only: ['A', 'SOA'] },
  { name: 'xinterop.test.', only: ['A'] },
  { name: 'interop.test.example.', only: ['A'] },
  { name: 'arpa.', only: ['SOA'] },
  { name: '127.in-addr.arpa.', only: ['SOA', 'NS'] },
];

// ---------------------------------------------------------------------------------
// Case: the question must be echoed exactly as asked.

const MIXED_CASE: Array<[string, string]> = [
  ['WwW.InTeRoP.TeSt.', 'A'],
  ['INTEROP.TEST.', 'SOA'],
  ['InTeRoP.tEsT.', 'NS'],
  ['Interop.Test.', 'MX'],
  ['CnAmE.interop.test.', 'A'],
  ['CHAIN1.INTEROP.TEST.', 'A'],
  ['FOO.WILD.interop.test.', 'A'],
  ['Foo.WCName.interop.test.', 'A'],
  ['NonExistent.INTEROP.test.', 'A'],
  ['Www.B.C.Ent.Interop.Test.', 'A'],
  ['B.C.ENT.interop.test.', 'A'],
  ['WWW.SUB.interop.test.', 'A'],
  ['SUB.Interop.Test.', 'NS'],
  ['Secure.Interop.Test.', 'DS'],
  ['WWW.ALIAS.interop.test.', 'A'],
  ['_SIP._TCP.interop.test.', 'SRV'],
  ['SVC.interop.test.', 'SVCB'],
  ['Upper.Interop.Test.', 'A'],
  ['uPPER.interop.test.', 'ANY'],
  ['Child.Parent.Test.', 'SOA'],
  ['WWW.CHILD.PARENT.TEST.', 'A'],
  ['WWW.Other.TEST.', 'A'],
  ['Example.COM.', 'A'],
  ['Shop.Example.', 'NS'],
];

// ---------------------------------------------------------------------------------
// CHAOS class and other classes.

const CHAOS: Array<[string, string]> = [
  ['version.bind.', 'TXT'],
  ['version.server.', 'TXT'],
  ['id.server.', 'TXT'],
  ['hostname.bind.', 'TXT'],
  ['VERSION.BIND.', 'TXT'],
  ['Id.Server.', 'TXT'],
  ['authors.bind.', 'TXT'],
  ['version.bind.', 'A'],
  ['version.bind.', 'ANY'],
  ['id.server.', 'ANY'],
  ['foo.version.bind.', 'TXT'],
  ['bind.', 'TXT'],
  ['www.interop.test.', 'TXT'],
  ['interop.test.', 'SOA'],
];

function chaosCases(): CorpusCase[] {
  const out = CHAOS.map(([n, t]) => udp(q(n, t, { qclass: 'CH' })));
  out.push(udp(q('version.bind.', 'TXT', { qclass: 'CH', edns: false })));
  out.push(tcp(q('id.server.', 'TXT', { qclass: 'CH' })));
  out.push(udp(q('version.bind.', 'TXT', { qclass: 'IN' })));
  out.push(udp(q('id.server.', 'TXT', { qclass: 'IN' })));
  return out;
}

function classCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const cls of ['ANY', 'HS', 'NONE', 'CLASS42']) {
    out.push(udp(q('www.interop.test.', 'A', { qclass: cls })));
    out.push(udp(q('interop.test.', 'SOA', { qclass: cls })));
  }
  out.push(udp(q('nonexistent.interop.test.', 'A', { qclass: 'ANY' })));
  out.push(udp(q('www.sub.interop.test.', 'A', { qclass: 'ANY' })));
  out.push(udp(q('interop.test.', 'ANY', { qclass: 'ANY' })));
  out.push(udp(q('example.com.', 'A', { qclass: 'ANY' })));
  out.push(udp(q('child.parent.test.', 'DS', { qclass: 'ANY' })));
  return out;
}

// ---------------------------------------------------------------------------------
// EDNS variants, header bits, truncation, TCP.

const EDNS_VARIANTS: Array<EdnsOptions | false> = [
  false,
  { udpPayloadSize: 512 },
  { udpPayloadSize: 1232 },
  { udpPayloadSize: 4096 },
  { udpPayloadSize: 4096, do: true },
  { udpPayloadSize: 100 },
  { udpPayloadSize: 65535 },
];

/** Representative answers of every shape, asked with every EDNS variant. */
const SHAPES: Array<[string, string]> = [
  ['www.interop.test.', 'A'], // positive
  ['interop.test.', 'NS'], // positive with additional
  ['nonexistent.interop.test.', 'A'], // NXDOMAIN
  ['www.interop.test.', 'MX'], // NODATA
  ['www.sub.interop.test.', 'A'], // referral with glue
  ['chain1.interop.test.', 'A'], // CNAME chain
  ['foo.wild.interop.test.', 'TXT'], // wildcard
  ['example.com.', 'A'], // REFUSED
];

/** Large answers (truncation behaviour). */
const LARGE: Array<[string, string]> = [
  ['bigtxt.interop.test.', 'TXT'], // ~3.1 KB
  ['many.interop.test.', 'A'], // ~660 B
  ['bigtxt.interop.test.', 'ANY'],
  ['interop.test.', 'ANY'],
  ['longtxt.interop.test.', 'TXT'],
  ['many.interop.test.', 'AAAA'], // NODATA at a big node: small answer
  ['www.bigdeleg.interop.test.', 'A'], // referral whose glue does not fit in 512
  ['bigdeleg.interop.test.', 'NS'],
  ['bigmx.interop.test.', 'MX'], // answer fits, additional data does not
];

function ednsCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const e of EDNS_VARIANTS) {
    for (const [n, t] of SHAPES) out.push(udp(q(n, t, { edns: e })));
    for (const [n, t] of LARGE) out.push(udp(q(n, t, { edns: e })));
  }
  // BADVERS: EDNS version 1 (and 255), with and without DO, for several answer shapes
  for (const v of [1, 255]) {
    out.push(udp(q('www.interop.test.', 'A', { edns: { udpPayloadSize: 1232, version: v } })));
    out.push(udp(q('nonexistent.interop.test.', 'A', { edns: { udpPayloadSize: 1232, version: v } })));
    out.push(udp(q('example.com.', 'A', { edns: { udpPayloadSize: 1232, version: v } })));
  }
  out.push(udp(q('www.interop.test.', 'A', { edns: { udpPayloadSize: 4096, version: 1, do: true } })));
  // DO=1 on every kind of answer: the zones are unsigned, so nothing DNSSEC may appear
  // (no DS in referrals, no NSEC, no RRSIG); the DO bit is echoed in the OPT record.
  for (const [n, t] of [
    ['www.secure.interop.test.', 'A'],
    ['secure.interop.test.', 'DS'],
    ['secure.interop.test.', 'NS'],
    ['sub.interop.test.', 'DS'],
    ['dangling.interop.test.', 'A'],
    ['b.c.ent.interop.test.', 'A'],
    ['www.alias.interop.test.', 'A'],
    ['foo.wcname.interop.test.', 'A'],
    ['interop.test.', 'DNSKEY'],
    ['child.parent.test.', 'DS'],
    ['version.bind.', 'TXT'],
  ] as const) {
    const qclass = n === 'version.bind.' ? 'CH' : 'IN';
    out.push(udp(q(n, t, { qclass, edns: { udpPayloadSize: 1232, do: true } })));
  }
  out.push(tcp(q('www.interop.test.', 'A', { edns: { udpPayloadSize: 1232, version: 1 } })));
  out.push(udp(q('version.bind.', 'TXT', { qclass: 'CH', edns: { udpPayloadSize: 1232, version: 1 } })));
  return out;
}

function headerBitCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const [n, t] of [
    ['www.interop.test.', 'A'],
    ['nonexistent.interop.test.', 'A'],
    ['www.sub.interop.test.', 'A'],
    ['example.com.', 'A'],
  ] as const) {
    out.push(udp(q(n, t, { rd: true })));
    out.push(udp(q(n, t, { rd: true, edns: false })));
    out.push(udp(q(n, t, { cd: true })));
    out.push(udp(q(n, t, { ad: true })));
    out.push(udp(q(n, t, { z: true })));
  }
  out.push(udp(q('www.interop.test.', 'A', { rd: true, cd: true, ad: true, edns: { udpPayloadSize: 1232, do: true } })));
  out.push(udp(q('www.interop.test.', 'A', { tc: true })));
  // A message with QR set is a response: servers must not answer it.
  out.push(udp(q('www.interop.test.', 'A', { qr: true }), 500));
  return out;
}

function opcodeCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  // IQUERY, STATUS, (unassigned 3), NOTIFY, UPDATE, DSO, unassigned 7 and 15
  for (const opcode of [1, 2, 3, 4, 5, 6, 7, 15]) {
    out.push(udp(q('interop.test.', 'SOA', { opcode })));
  }
  out.push(udp(q('www.interop.test.', 'A', { opcode: 2, edns: false })));
  out.push(udp(q('example.com.', 'SOA', { opcode: 4 })));
  out.push(udp(q('example.com.', 'SOA', { opcode: 5 })));
  out.push(udp({ name: '', type: 'A', noQuestion: true, opcode: 2 }));
  out.push(tcp(q('interop.test.', 'SOA', { opcode: 2 })));
  return out;
}

function rawName(name: string): Buffer {
  return wireName(name.replace(/\.$/, '').split('.').filter((l) => l.length > 0));
}

function rawQuestion(name: string, type: number, qclass = 1): Buffer {
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(qclass, 2);
  return Buffer.concat([rawName(name), tail]);
}

function rawOpt(udpSize = 1232, ttl = 0, owner: Buffer = Buffer.from([0]), rdata: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(10);
  b.writeUInt16BE(41, 0);
  b.writeUInt16BE(udpSize, 2);
  b.writeUInt32BE(ttl, 4);
  b.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([owner, b, rdata]);
}

function optOption(code: number, data: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(code, 0);
  h.writeUInt16BE(data.length, 2);
  return Buffer.concat([h, data]);
}

const RAW: RawQuery[] = [
  { what: 'QDCOUNT=0, no EDNS', raw: header(0, 0, 0, 0, 0, 0) },
  { what: 'QDCOUNT=0 with EDNS', raw: Buffer.concat([header(0, 0, 0, 0, 0, 1), rawOpt()]) },
  { what: 'QDCOUNT=0, RD set', raw: header(0, 0x0100, 0, 0, 0, 0) },
  {
    what: 'QDCOUNT=2 (two questions)',
    raw: Buffer.concat([header(0, 0, 2, 0, 0, 0), rawQuestion('www.interop.test.', 1), rawQuestion('mail.interop.test.', 1)]),
  },
  { what: 'QDCOUNT=1 but no question bytes', raw: header(0, 0, 1, 0, 0, 0) },
  {
    what: 'question truncated inside QTYPE',
    raw: Buffer.concat([header(0, 0, 1, 0, 0, 0), rawName('www.interop.test.'), Buffer.from([0])]),
  },
  {
    what: 'ANCOUNT=1 in a query (with a record)',
    raw: Buffer.concat([
      header(0, 0, 1, 1, 0, 0),
      rawQuestion('www.interop.test.', 1),
      rawName('www.interop.test.'),
      Buffer.from([0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]),
    ]),
  },
  {
    what: 'NSCOUNT=1 in a query (SOA-less junk record)',
    raw: Buffer.concat([
      header(0, 0, 1, 0, 1, 0),
      rawQuestion('www.interop.test.', 1),
      rawName('interop.test.'),
      Buffer.from([0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]),
    ]),
  },
  { what: 'ARCOUNT=1 but nothing there', raw: Buffer.concat([header(0, 0, 1, 0, 0, 1), rawQuestion('www.interop.test.', 1)]) },
  {
    what: 'two OPT records',
    raw: Buffer.concat([header(0, 0, 1, 0, 0, 2), rawQuestion('www.interop.test.', 1), rawOpt(), rawOpt()]),
  },
  {
    what: 'OPT with a non-root owner',
    raw: Buffer.concat([header(0, 0, 1, 0, 0, 1), rawQuestion('www.interop.test.', 1), rawOpt(1232, 0, rawName('x.'))]),
  },
  {
    what: 'OPT with NSID request (option 3, empty)',
    raw: Buffer.concat([
      header(0, 0, 1, 0, 0, 1),
      rawQuestion('www.interop.test.', 1),
      rawOpt(1232, 0, Buffer.from([0]), optOption(3, Buffer.alloc(0))),
    ]),
  },
  {
    what: 'OPT with an unknown option (65001)',
    raw: Buffer.concat([
      header(0, 0, 1, 0, 0, 1),
      rawQuestion('www.interop.test.', 1),
      rawOpt(1232, 0, Buffer.from([0]), optOption(65001, Buffer.from('hello'))),
    ]),
  },
  {
    what: 'OPT with a client cookie (option 10, 8 bytes)',
    raw: Buffer.concat([
      header(0, 0, 1, 0, 0, 1),
      rawQuestion('www.interop.test.', 1),
      rawOpt(1232, 0, Buffer.from([0]), optOption(10, Buffer.from('0123456789abcdef', 'hex'))),
    ]),
  },
  {
    what: 'OPT with a padding request (option 12, empty)',
    raw: Buffer.concat([
      header(0, 0, 1, 0, 0, 1),
      rawQuestion('www.interop.test.', 1),
      rawOpt(1232, 0, Buffer.from([0]), optOption(12, Buffer.alloc(0))),
    ]),
  },
  {
    what: 'OPT with a malformed option (length runs past RDATA)',
    raw: Buffer.concat([
      header(0, 0, 1, 0, 0, 1),
      rawQuestion('www.interop.test.', 1),
      rawOpt(1232, 0, Buffer.from([0]), Buffer.from([0xfd, 0xe9, 0x00, 0x10, 0x41])),
    ]),
  },
  {
    what: 'OPT with unknown EDNS flag bits (Z=0x4000)',
    raw: Buffer.concat([header(0, 0, 1, 0, 0, 1), rawQuestion('www.interop.test.', 1), rawOpt(1232, 0x4000)]),
  },
  {
    what: 'question name with a compression pointer to the header',
    raw: Buffer.concat([header(0, 0, 1, 0, 0, 0), Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 0x04, 0, 1, 0, 1])]),
  },
  {
    what: 'trailing garbage after the question',
    raw: Buffer.concat([header(0, 0, 1, 0, 0, 0), rawQuestion('www.interop.test.', 1), Buffer.from([1, 2, 3])]),
  },
  { what: 'message shorter than a header (11 bytes)', raw: Buffer.alloc(11) },
  {
    what: 'label with a dot byte inside (www\\.interop.test.)',
    raw: Buffer.concat([
      header(0, 0, 1, 0, 0, 0),
      Buffer.from([16]),
      Buffer.from('www.interop.test', 'latin1'),
      Buffer.from([0, 0, 1, 0, 1]),
    ]),
  },
];

function rawCases(): CorpusCase[] {
  return RAW.map((r) => {
    const noAnswerLikely = r.raw.length < 12;
    return { label: `udp raw: ${r.what}`, transport: 'udp' as const, queries: [r], timeoutMs: noAnswerLikely ? 500 : 1000 };
  });
}

function metaTypeCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  // zone transfers over UDP/TCP (not allowed by either server's configuration)
  out.push(udp(q('interop.test.', 'AXFR')));
  out.push(udp(q('interop.test.', 'IXFR')));
  out.push(tcp(q('interop.test.', 'AXFR')));
  out.push(udp(q('example.com.', 'AXFR')));
  // meta and special types
  for (const t of ['TYPE0', 'OPT', 'TYPE128', 'TYPE249', 'TYPE250', 'TYPE253', 'TYPE254']) {
    out.push(udp(q('www.interop.test.', t)));
  }
  out.push(udp(q('nonexistent.interop.test.', 'OPT')));
  return out;
}

function tcpCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const [n, t] of [...SHAPES, ...LARGE]) {
    out.push(tcp(q(n, t)));
    out.push(tcp(q(n, t, { edns: false })));
  }
  for (const [n, t] of [
    ['dangling.interop.test.', 'A'],
    ['loop1.interop.test.', 'A'],
    ['www.alias.interop.test.', 'A'],
    ['_sip._tcp.interop.test.', 'SRV'],
    ['svc.interop.test.', 'SVCB'],
    ['secure.interop.test.', 'DS'],
    ['www.child.parent.test.', 'A'],
    ['WwW.InTeRoP.TeSt.', 'A'],
  ] as const) {
    out.push(tcp(q(n, t)));
  }
  // Several queries pipelined on one connection (RFC 7766 6.2.1.1); responses are
  // matched by id, so out-of-order replies are fine.
  const pipelined: CorpusQuery[] = [
    q('www.interop.test.', 'A'),
    q('bigtxt.interop.test.', 'TXT', { edns: false }),
    q('nonexistent.interop.test.', 'A'),
    q('www.sub.interop.test.', 'A'),
    q('many.interop.test.', 'A'),
    q('example.com.', 'A'),
    q('version.bind.', 'TXT', { qclass: 'CH' }),
    q('chain1.interop.test.', 'A'),
    q('interop.test.', 'ANY'),
    q('www.child.parent.test.', 'A', { edns: false }),
  ];
  out.push({ label: 'tcp pipelined x10', transport: 'tcp', queries: pipelined });
  out.push({
    label: 'tcp pipelined x3 same name different types',
    transport: 'tcp',
    queries: [q('interop.test.', 'SOA'), q('interop.test.', 'NS'), q('interop.test.', 'MX')],
  });
  return out;
}

/** The whole corpus for the fixture zones (everything but the examples test). */
export function buildCorpus(): CorpusCase[] {
  const cases: CorpusCase[] = [
    ...sweep(INTEROP_NAMES),
    ...sweep(ZONE_SELECTION),
    ...MIXED_CASE.map(([n, t]) => udp(q(n, t))),
    ...chaosCases(),
    ...classCases(),
    ...ednsCases(),
    ...headerBitCases(),
    ...opcodeCases(),
    ...rawCases(),
    ...metaTypeCases(),
    ...tcpCases(),
  ];
  // The groups overlap a little (e.g. the EDNS 1232 variant of a sweep query): keep
  // the first case of each label.
  const seen = new Set<string>();
  return cases.filter((c) => (seen.has(c.label) ? false : (seen.add(c.label), true)));
}

// ---------------------------------------------------------------------------------
// Example zones: names come from an AXFR of each zone from knotd (the reference),
// so the cases follow the files whatever they contain.

export interface ZoneContent {
  origin: string;
  /** owner (lowercase, absolute) -> RR type mnemonics present */
  names: Map<string, Set<string>>;
}

/** Names (and the empty non-terminals between them and the apex) of an AXFR'd zone. */
export function zoneContent(origin: string, records: ZoneRecord[]): ZoneContent {
  const apex = origin.toLowerCase();
  const names = new Map<string, Set<string>>();
  const add = (owner: string) => {
    let set = names.get(owner);
    if (!set) names.set(owner, (set = new Set()));
    return set;
  };
  for (const r of records) {
    const owner = r.owner.toLowerCase();
    add(owner).add(r.type);
    // empty non-terminals: every name between the owner and the apex exists
    let n = owner;
    while (n !== apex && n.endsWith(`.${apex}`)) {
      n = n.slice(n.indexOf('.') + 1);
      add(n);
    }
  }
  return { origin: apex, names };
}

export function exampleCorpus(zones: ZoneContent[]): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const z of zones) {
    const types = ['A', 'AAAA', 'NS', 'SOA', 'MX', 'TXT', 'PTR', 'CNAME', 'DS', 'ANY', 'TYPE65280'];
    for (const [owner, present] of z.names) {
      const ts = new Set([...types, ...present]);
      for (const t of ts) out.push(udp(q(owner, t)));
      out.push(udp(q(`nonexistent.${owner}`, 'A')));
      out.push(tcp(q(owner.toUpperCase(), 'ANY', { edns: false })));
    }
    out.push(udp(q(`a.b.nonexistent.${z.origin}`, 'A', { edns: false })));
  }
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.label) ? false : (seen.add(c.label), true)));
}
