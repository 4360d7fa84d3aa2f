// Query corpus of the DNSSEC interop suite (dnssec.test.ts): DO=1 queries over UDP (EDNS 1232)
// and TCP for every name of a signed zone, nonexistent names at every kind of place, every
// DNSSEC-relevant type; a slice without DO; a slice with a small UDP size (signed answers that
// do not fit); and the real signed root zone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EdnsOptions, QuerySpec } from './helpers/dns-client.ts';
import type { CorpusCase } from './helpers/run.ts';
import { REPO_ROOT, type ZoneContent } from './corpus.ts';
import { seededRandom } from '../helpers/random.ts';

export const DNSSEC_ORIGIN = 'dnssec.test.';
export const DNSSEC_SOURCE = path.join(REPO_ROOT, 'test', 'fixtures', 'dnssec', 'dnssec.test.zone');
/** The real signed root zone (signatures valid in August 2017; serving does not validate). */
export const ROOT_SIGNED = path.resolve(REPO_ROOT, '..', 'shared', 'zones', 'root-2017082100-signed.zone');

/** Types asked at every name. TYPE65280 (private use) exists nowhere. */
export const DO_TYPES = [
  'A', 'AAAA', 'TXT', 'MX', 'NS', 'SOA', 'DS', 'DNSKEY', 'NSEC', 'NSEC3', 'NSEC3PARAM', 'RRSIG',
  'CNAME', 'ANY', 'TYPE65280',
];
/** Types asked without DO (must come back without DNSSEC records beyond what was asked). */
export const NO_DO_TYPES = ['A', 'AAAA', 'TXT', 'MX', 'NS', 'DS', 'DNSKEY', 'NSEC', 'NSEC3', 'RRSIG', 'ANY', 'TYPE65280'];
/** Types asked with DO and a 512-byte UDP size (signed answers that may not fit). */
const SMALL_TYPES = ['A', 'TXT', 'MX', 'NS', 'DNSKEY', 'ANY', 'DS'];

/** The DNSSEC record types: only in the answer, and only when asked for, without DO. */
export const DNSSEC_TYPES = new Set(['RRSIG', 'NSEC', 'NSEC3', 'DS', 'DNSKEY', 'NSEC3PARAM']);

const EDNS_DO: EdnsOptions = { udpPayloadSize: 1232, do: true };
const EDNS_NO_DO: EdnsOptions = { udpPayloadSize: 1232 };
const EDNS_SMALL_DO: EdnsOptions = { udpPayloadSize: 512, do: true };

function ednsTag(e: EdnsOptions | false): string {
  if (!e) return 'noedns';
  return `edns${e.udpPayloadSize}${e.do ? '+do' : ''}`;
}

export function dnsCase(transport: 'udp' | 'tcp', name: string, type: string, edns: EdnsOptions | false): CorpusCase {
  const q: QuerySpec = { name, type, edns };
  return { label: `${transport} ${ednsTag(edns)} ${name} IN ${type}`, transport, queries: [q] };
}

const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-';

export function randomLabel(rnd: () => number, min = 1, max = 12): string {
  const n = min + Math.floor(rnd() * (max - min + 1));
  let s = '';
  for (let i = 0; i < n; i++) {
    let c = LABEL_CHARS[Math.floor(rnd() * LABEL_CHARS.length)];
    if (c === '-' && (i === 0 || i === n - 1)) c = 'x';
    s += c;
  }
  return s;
}

/** NSEC3 owners: names whose only records are NSEC3 and its signatures. */
export function isNsec3Owner(types: Set<string>): boolean {
  return types.size > 0 && [...types].every((t) => t === 'NSEC3' || t === 'RRSIG');
}

const D = (rel: string) => (rel === '@' ? DNSSEC_ORIGIN : `${rel}.${DNSSEC_ORIGIN}`);

/**
 * Names of dnssec.test. that do not exist (or exist only by wildcard/DNAME synthesis), at
 * every kind of place: below the apex, below empty non-terminals, below wildcards' parents,
 * below delegations, below DNAMEs, below leaves, below CNAMEs.
 */
export const DNSSEC_SYNTHETIC_NAMES: string[] = [
  // below the apex
  'nonexistent', 'a.b.c.nonexistent', 'zzzz', '0', 'aaaa', 'www0', 'mail-x',
  // below empty non-terminals
  'x.ents', 'x.l1.ents', 'x.l2.l1.ents', 'x.l3.l2.l1.ents', 'y.leaf.l3.l2.l1.ents', 'e.ent2', 'a.c.ent2', 'x.b',
  'a.x.zone-ent', 'x.zone-ent',
  // wildcards: synthesized (one and two labels deep), NXDOMAIN beside a real name, empty wildcard
  'foo.wild', 'a.b.wild', 'x.y.z.wild', 'foo.cw', 'a.b.cw', 'other.beside', 'x.real.beside', 'a.b.beside',
  'x.wempty', 'a.b.wempty', 'y.*.wempty', 'foo.wmx', '*.wild', '*.beside',
  // below delegations (referrals; DS at and below the cut)
  'host.secure', 'a.b.secure', 'ns.secure', 'host.insecure1', 'a.b.insecure2', 'x.deleg-c', 'x.deleg-d',
  'www.sub.zone-ent', 'x.deleg-s',
  // below DNAMEs
  'c.alias', 'd.alias', 'x.alias', 'a.b.alias', 'www.away', 'a.b.away',
  // below leaves and CNAMEs
  'x.www', 'a.b.ns1', 'x.cname', 'x.dangling', 'x.txt-only', 'x._tcp', 'x._sip._tcp',
].map(D);

/** Every name of the signed zone to query (NSEC3 owners excluded), sorted. */
export function zoneNames(content: ZoneContent): string[] {
  return [...content.names].filter(([, types]) => !isNsec3Owner(types)).map(([n]) => n).sort();
}

export function nsec3Owners(content: ZoneContent): string[] {
  return [...content.names].filter(([, types]) => isNsec3Owner(types)).map(([n]) => n).sort();
}

export interface DnssecCorpus {
  /** DO=1, UDP EDNS 1232 and TCP. */
  withDo: CorpusCase[];
  /** DO=0 (EDNS 1232 without DO, and no EDNS). */
  withoutDo: CorpusCase[];
  /** DO=1 with a 512-byte UDP size. */
  small: CorpusCase[];
}

function dedupe(cases: CorpusCase[]): CorpusCase[] {
  const seen = new Set<string>();
  return cases.filter((c) => (seen.has(c.label) ? false : (seen.add(c.label), true)));
}

/** The corpus for a signed copy of dnssec.test. whose contents (from an AXFR) are `content`. */
export function dnssecCorpus(content: ZoneContent, seed = 5155): DnssecCorpus {
  const rnd = seededRandom(seed);
  const names = zoneNames(content);
  const random: string[] = [];
  for (let i = 0; i < 12; i++) random.push(`${randomLabel(rnd)}.${DNSSEC_ORIGIN}`);
  for (let i = 0; i < 4; i++) random.push(`${randomLabel(rnd)}.${randomLabel(rnd)}.${DNSSEC_ORIGIN}`);
  const synthetic = [...DNSSEC_SYNTHETIC_NAMES, ...random].filter((n) => !content.names.has(n));
  // Two hashed owner names: queries for them are answered as for any name that does not
  // exist (RFC 5155 §7.2.8) or, by Knot, from the NSEC3 records themselves.
  const hashed = nsec3Owners(content).slice(0, 2);

  const withDo: CorpusCase[] = [];
  const withoutDo: CorpusCase[] = [];
  const small: CorpusCase[] = [];
  const typesAt = (n: string) => new Set([...DO_TYPES, ...(content.names.get(n) ?? [])]);
  for (const n of [...names, ...synthetic, ...hashed]) {
    for (const t of typesAt(n)) {
      withDo.push(dnsCase('udp', n, t, EDNS_DO));
      withDo.push(dnsCase('tcp', n, t, EDNS_DO));
    }
    for (const t of NO_DO_TYPES) withoutDo.push(dnsCase('udp', n, t, EDNS_NO_DO));
    for (const t of ['A', 'ANY', 'DS']) withoutDo.push(dnsCase('udp', n, t, false));
    for (const t of ['A', 'RRSIG']) withoutDo.push(dnsCase('tcp', n, t, EDNS_NO_DO));
    for (const t of SMALL_TYPES) small.push(dnsCase('udp', n, t, EDNS_SMALL_DO));
  }
  // A few mixed-case questions (0x20): the question is echoed exactly, proofs still found.
  for (const n of ['WwW', 'NonExistent', 'Foo.WILD', 'Host.Secure', 'X.Insecure1', 'A.b.WEMPTY']) {
    withDo.push(dnsCase('udp', `${n}.DnsSec.Test.`, 'A', EDNS_DO));
    withDo.push(dnsCase('udp', `${n}.DnsSec.Test.`, 'DS', EDNS_DO));
  }
  return { withDo: dedupe(withDo), withoutDo: dedupe(withoutDo), small: dedupe(small) };
}

// ---------------------------------------------------------------------------------------------
// The real signed root zone

export interface RootDelegations {
  /** TLDs with a DS RRset (secure delegations), sorted. */
  secure: string[];
  /** TLDs without DS (insecure: NSEC proves there is none), sorted. */
  insecure: string[];
}

/** TLDs delegated in a root zone file, split by whether they have a DS. */
export function rootDelegations(file: string): RootDelegations {
  const ns = new Set<string>();
  const ds = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\S+)\s+\d+\s+IN\s+(NS|DS)\s/.exec(line);
    if (!m) continue;
    const owner = m[1].toLowerCase();
    if (owner === '.') continue;
    (m[2] === 'NS' ? ns : ds).add(owner);
  }
  const all = [...ns].sort();
  return { secure: all.filter((t) => ds.has(t)), insecure: all.filter((t) => !ds.has(t)) };
}

function spread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(items[Math.floor((i * items.length) / count)]);
  return out;
}

/** About 300 DO queries on the root zone, each over UDP (EDNS 1232) and TCP. */
export function rootCorpus(delegations: RootDelegations, seed = 2017): CorpusCase[] {
  const rnd = seededRandom(seed);
  const questions: Array<[string, string]> = [];
  for (const t of ['SOA', 'NS', 'DNSKEY', 'NSEC', 'ANY', 'RRSIG', 'DS', 'NSEC3PARAM', 'A', 'TXT']) questions.push(['.', t]);
  const secure = spread(delegations.secure, 60);
  const insecure = spread(delegations.insecure, 40);
  const tlds = [...secure, ...insecure];
  for (const tld of tlds) {
    questions.push([tld, 'DS']);
    questions.push([tld, 'NS']);
  }
  // names below TLDs: referrals, with DS or the NSEC proving there is none
  for (const tld of spread(tlds, 40)) questions.push([`www.example.${tld}`, 'A']);
  for (const tld of spread(tlds, 10)) questions.push([`nic.${tld}`, 'DS']);
  // glue names of root servers (below net.), and the root servers' own domain
  for (const n of ['a.root-servers.net.', 'm.root-servers.net.']) questions.push([n, 'A'], [n, 'AAAA']);
  // nonexistent TLDs: NXDOMAIN with the NSEC covering the name and the one covering *.
  const missing = ['zzzzzz.', 'aa.', '0.', 'xn--nonexistent.', 'comx.', 'co.', 'a.b.nonexistent.', 'local.', 'home.', 'corp.'];
  while (missing.length < 40) missing.push(`${randomLabel(rnd, 2, 10)}.`);
  for (const n of missing) if (!tlds.includes(n)) questions.push([n, n.length % 2 === 0 ? 'A' : 'AAAA']);
  const out: CorpusCase[] = [];
  for (const [n, t] of questions) {
    out.push(dnsCase('udp', n, t, EDNS_DO));
    out.push(dnsCase('tcp', n, t, EDNS_DO));
  }
  return dedupe(out);
}
