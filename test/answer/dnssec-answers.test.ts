// Each kind of DNSSEC proof, asserted on the AnswerEngine directly with the pre-signed fixtures
// (test/fixtures/dnssec/dnssec.test.*.signed.zone): RFC 4035 §3.1 (RRSIGs, NSEC NXDOMAIN /
// NODATA / wildcard proofs, DS or its absence in referrals) and RFC 5155 §7.2 (closest encloser,
// next closer, wildcard; opt-out). Coverage is checked here with an independent canonical order
// and NSEC3 hash, not by comparing with the compiler's choice. Without DO: none of it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { compareCanonical, parseName } from '../../src/zone/name.ts';
import type { AnswerEngine } from '../../src/answer/answer.ts';
import { ask, engineFor, type Decoded } from '../helpers/engine.ts';
import { base32hex } from '../helpers/base32hex.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'dnssec');
const ORIGIN = 'dnssec.test.';

function signedEngine(variant: string): AnswerEngine {
  const text = readFileSync(path.join(FIXTURES, `dnssec.test.${variant}.signed.zone`), 'utf8');
  return engineFor({ [ORIGIN]: text });
}

type Rec = Decoded['answers'][number] & { data?: any };

const abs = (n: string) => (n.endsWith('.') ? n : `${n}.`).toLowerCase();
const D = (rel: string) => (rel === '@' ? ORIGIN : `${rel}.${ORIGIN}`);
const labels = (n: string) => abs(n).split('.').filter(Boolean).length;

function askDo(engine: AnswerEngine, name: string, type: string): Decoded {
  return ask(engine, name, type, { edns: 1232, do: true });
}

function ofType(section: Rec[], type: string): Rec[] {
  return section.filter((r) => r.type === type);
}

function sigsFor(section: Rec[], owner: string, covered: string): Rec[] {
  return section.filter((r) => r.type === 'RRSIG' && abs(r.name) === abs(owner) && r.data.typeCovered === covered);
}

/** Every RRset of these types in the section has its RRSIG beside it. */
function expectSigned(section: Rec[], types: string[]): void {
  for (const r of section.filter((x) => types.includes(x.type))) {
    expect(sigsFor(section, r.name, r.type).length, `RRSIG for ${r.name} ${r.type}`).toBeGreaterThan(0);
  }
}

const DNSSEC_TYPES = ['RRSIG', 'NSEC', 'NSEC3', 'DS', 'DNSKEY', 'NSEC3PARAM'];

function expectNoDnssec(res: Decoded, asked: string): void {
  for (const [where, section] of [['answer', res.answers], ['authority', res.authorities], ['additional', res.additionals]] as const) {
    for (const r of section ?? []) {
      if (!DNSSEC_TYPES.includes(r.type)) continue;
      if (where === 'answer' && r.type === asked) continue;
      throw new Error(`${where} has ${r.name} ${r.type} without DO`);
    }
  }
}

function optDo(res: Decoded): boolean | undefined {
  const opt = (res.additionals ?? []).find((r) => r.type === 'OPT') as { flag_do?: boolean } | undefined;
  return opt?.flag_do;
}

// --- NSEC -----------------------------------------------------------------------------------

const cmp = (a: string, b: string) => compareCanonical(parseName(abs(a), null), parseName(abs(b), null));

/** The NSEC at `owner` (next `next`) covers `name`: owner < name < next, or the last one wraps. */
function nsecCovers(r: Rec, name: string): boolean {
  const owner = r.name;
  const next = r.data.nextDomain as string;
  if (cmp(owner, next) < 0) return cmp(owner, name) < 0 && cmp(name, next) < 0;
  return cmp(owner, name) < 0 || cmp(name, next) < 0;
}

function expectNsecCovering(res: Decoded, name: string): Rec {
  const nsecs = ofType(res.authorities, 'NSEC');
  const hit = nsecs.find((r) => nsecCovers(r, name));
  expect(hit, `an NSEC covering ${name} among ${nsecs.map((r) => `${r.name}->${r.data.nextDomain}`).join(', ')}`).toBeDefined();
  return hit!;
}

function expectNsecAt(res: Decoded, owner: string): Rec {
  const hit = ofType(res.authorities, 'NSEC').find((r) => abs(r.name) === abs(owner));
  expect(hit, `the NSEC of ${owner}`).toBeDefined();
  return hit!;
}

// --- NSEC3 ----------------------------------------------------------------------------------

interface Nsec3Params {
  salt: string;
  iterations: number;
}

const NSEC3_PARAMS: Record<string, Nsec3Params> = {
  nsec3: { salt: 'aabbccdd', iterations: 5 },
  'nsec3-optout': { salt: '', iterations: 0 },
};

function hash(name: string, p: Nsec3Params): string {
  const salt = Buffer.from(p.salt, 'hex');
  let d = createHash('sha1').update(parseName(abs(name), null)).update(salt).digest();
  for (let i = 0; i < p.iterations; i++) d = createHash('sha1').update(d).update(salt).digest();
  return base32hex(d);
}

const ownerHash = (r: Rec) => abs(r.name).split('.')[0];

function nsec3Matches(r: Rec, name: string, p: Nsec3Params): boolean {
  return ownerHash(r) === hash(name, p);
}

function nsec3Covers(r: Rec, name: string, p: Nsec3Params): boolean {
  const h = hash(name, p);
  const own = ownerHash(r);
  const next = base32hex(r.data.nextDomain);
  return own < next ? own < h && h < next : h > own || h < next;
}

function nsec3List(res: Decoded): string {
  return ofType(res.authorities, 'NSEC3').map((r) => `${ownerHash(r)}->${base32hex(r.data.nextDomain)}`).join(', ');
}

function expectNsec3Matching(res: Decoded, name: string, p: Nsec3Params): Rec {
  const hit = ofType(res.authorities, 'NSEC3').find((r) => nsec3Matches(r, name, p));
  expect(hit, `an NSEC3 matching ${name} (${hash(name, p)}) among ${nsec3List(res)}`).toBeDefined();
  return hit!;
}

function expectNsec3Covering(res: Decoded, name: string, p: Nsec3Params): Rec {
  const hit = ofType(res.authorities, 'NSEC3').find((r) => nsec3Covers(r, name, p));
  expect(hit, `an NSEC3 covering ${name} (${hash(name, p)}) among ${nsec3List(res)}`).toBeDefined();
  return hit!;
}

function expectNegative(res: Decoded, rcode: string): void {
  expect(res.rcode).toBe(rcode);
  expect(res.flag_aa).toBe(true);
  expect(res.answers).toEqual([]);
  expect(ofType(res.authorities, 'SOA').length).toBe(1);
  expect(sigsFor(res.authorities, ORIGIN, 'SOA').length).toBe(1);
}

// ---------------------------------------------------------------------------------------------

describe('NSEC-signed zone (RFC 4035 §3.1.3)', () => {
  const engine = signedEngine('nsec');

  test.each([
    // [query name, closest encloser]
    [D('nonexistent'), ORIGIN],
    [D('a.b.c.nonexistent'), ORIGIN],
    [D('x.ents'), D('ents')],
    [D('x.l2.l1.ents'), D('l2.l1.ents')],
    [D('x.real.beside'), D('real.beside')],
    [D('y.*.wempty'), D('*.wempty')],
  ])('NXDOMAIN %s: SOA+RRSIG, NSEC covering the name, NSEC covering the wildcard at %s', (qname, ce) => {
    const res = askDo(engine, qname, 'A');
    expectNegative(res, 'NXDOMAIN');
    expectNsecCovering(res, qname);
    expectNsecCovering(res, `*.${ce}`);
    expectSigned(res.authorities, ['SOA', 'NSEC']);
    expect(optDo(res)).toBe(true);
  });

  test('NODATA at a name: its own NSEC, without the type', () => {
    const res = askDo(engine, D('www'), 'MX');
    expectNegative(res, 'NOERROR');
    const nsec = expectNsecAt(res, D('www'));
    expect(nsec.data.rrtypes).toContain('A');
    expect(nsec.data.rrtypes).not.toContain('MX');
    expectSigned(res.authorities, ['SOA', 'NSEC']);
  });

  test('NODATA at an empty non-terminal: the NSEC covering its name', () => {
    for (const ent of [D('ents'), D('l1.ents'), D('ent2'), D('b')]) {
      const res = askDo(engine, ent, 'A');
      expectNegative(res, 'NOERROR');
      expectNsecCovering(res, ent);
    }
  });

  test('wildcard answer: RRSIG labels < owner labels, and the NSEC proving no closer name', () => {
    for (const qname of [D('foo.wild'), D('a.b.wild')]) {
      const res = askDo(engine, qname, 'A');
      expect(res.rcode).toBe('NOERROR');
      expect(res.flag_aa).toBe(true);
      const a = ofType(res.answers, 'A');
      expect(a.map((r) => abs(r.name))).toEqual([abs(qname)]);
      const sig = sigsFor(res.answers, qname, 'A');
      expect(sig.length).toBe(1);
      expect(sig[0].data.labels).toBe(labels(D('wild')));
      expect(sig[0].data.labels).toBeLessThan(labels(qname));
      expectNsecCovering(res, qname);
      expect(ofType(res.authorities, 'SOA')).toEqual([]);
    }
  });

  test('wildcard NODATA: NSEC covering the name and the NSEC of the wildcard without the type', () => {
    const res = askDo(engine, D('foo.wild'), 'MX');
    expectNegative(res, 'NOERROR');
    expectNsecCovering(res, D('foo.wild'));
    const w = expectNsecAt(res, D('*.wild'));
    expect(w.data.rrtypes).not.toContain('MX');
  });

  test('referral to a secure delegation: NS, DS+RRSIG, no AA, no SOA', () => {
    for (const qname of [D('host.secure'), D('secure')]) {
      const res = askDo(engine, qname, 'A');
      expect(res.rcode).toBe('NOERROR');
      expect(res.flag_aa).toBe(false);
      expect(res.answers).toEqual([]);
      expect(ofType(res.authorities, 'NS').map((r) => abs(r.name))).toContain(D('secure'));
      expect(ofType(res.authorities, 'DS').length).toBe(1);
      expect(sigsFor(res.authorities, D('secure'), 'DS').length).toBe(1);
      expect(ofType(res.authorities, 'SOA')).toEqual([]);
      expect(ofType(res.authorities, 'NSEC')).toEqual([]);
      // glue is not signed
      expect(sigsFor(res.additionals, D('ns.secure'), 'A')).toEqual([]);
    }
  });

  test('referral to an insecure delegation: the NSEC proving there is no DS', () => {
    for (const [qname, cut] of [[D('host.insecure1'), D('insecure1')], [D('x.deleg-a'), D('deleg-a')], [D('insecure2'), D('insecure2')]]) {
      const res = askDo(engine, qname, 'A');
      expect(res.flag_aa).toBe(false);
      expect(ofType(res.authorities, 'DS')).toEqual([]);
      const nsec = expectNsecAt(res, cut);
      expect(nsec.data.rrtypes).toContain('NS');
      expect(nsec.data.rrtypes).not.toContain('DS');
      expectSigned(res.authorities, ['NSEC']);
      expect(sigsFor(res.authorities, cut, 'NS')).toEqual([]);
    }
  });

  test('DS, DNSKEY, NSEC and RRSIG asked for directly', () => {
    const ds = askDo(engine, D('secure'), 'DS');
    expect(ds.flag_aa).toBe(true);
    expect(ofType(ds.answers, 'DS').length).toBe(1);
    expect(sigsFor(ds.answers, D('secure'), 'DS').length).toBe(1);
    const key = askDo(engine, ORIGIN, 'DNSKEY');
    expect(ofType(key.answers, 'DNSKEY').length).toBe(2);
    expect(sigsFor(key.answers, ORIGIN, 'DNSKEY').length).toBeGreaterThan(0);
    const nsec = askDo(engine, D('www'), 'NSEC');
    expect(ofType(nsec.answers, 'NSEC').length).toBe(1);
    expect(sigsFor(nsec.answers, D('www'), 'NSEC').length).toBe(1);
    const sig = askDo(engine, D('www'), 'RRSIG');
    expect(sig.answers.length).toBeGreaterThan(0);
    expect(sig.answers.every((r) => r.type === 'RRSIG')).toBe(true);
  });

  test('without DO: the same queries carry no DNSSEC records beyond what was asked', () => {
    const queries: Array<[string, string]> = [
      [D('nonexistent'), 'A'], [D('x.ents'), 'A'], [D('www'), 'MX'], [D('ents'), 'A'], [D('foo.wild'), 'A'],
      [D('foo.wild'), 'MX'], [D('host.secure'), 'A'], [D('host.insecure1'), 'A'], [D('chain1'), 'A'],
      [D('to-wild'), 'A'], [D('dangling'), 'A'], [ORIGIN, 'MX'], [ORIGIN, 'ANY'], [D('_sip._tcp'), 'SRV'],
      [D('secure'), 'DS'], [ORIGIN, 'DNSKEY'], [D('www'), 'NSEC'], [D('www'), 'RRSIG'],
    ];
    for (const [name, type] of queries) {
      for (const edns of [1232, false] as const) {
        const res = ask(engine, name, type, { edns });
        expectNoDnssec(res, type);
        if (edns) expect(optDo(res), `${name} ${type}`).toBe(false);
      }
    }
    expect(ofType(ask(engine, D('secure'), 'DS', { edns: 1232 }).answers, 'DS').length).toBe(1);
  });
});

describe.each(['nsec3', 'nsec3-optout'])('NSEC3-signed zone (%s, RFC 5155 §7.2)', (variant) => {
  const engine = signedEngine(variant);
  const p = NSEC3_PARAMS[variant];
  const optOut = variant === 'nsec3-optout';

  test.each([
    // [query name, closest (provable) encloser, next closer]
    [D('nonexistent'), ORIGIN, D('nonexistent')],
    [D('a.b.c.nonexistent'), ORIGIN, D('nonexistent')],
    [D('x.ents'), D('ents'), D('x.ents')],
    [D('q.x.l2.l1.ents'), D('l2.l1.ents'), D('x.l2.l1.ents')],
    [D('x.real.beside'), D('real.beside'), D('x.real.beside')],
  ])('NXDOMAIN %s: encloser %s matched, next closer %s covered, wildcard covered', (qname, ce, nc) => {
    const res = askDo(engine, qname, 'A');
    expectNegative(res, 'NXDOMAIN');
    expectNsec3Matching(res, ce, p);
    expectNsec3Covering(res, nc, p);
    expectNsec3Covering(res, `*.${ce}`, p);
    expectSigned(res.authorities, ['SOA', 'NSEC3']);
    expect(optDo(res)).toBe(true);
  });

  test('NXDOMAIN below an empty non-terminal that has only insecure delegations below it', () => {
    // zone-ent has no NSEC3 when opt-out skips sub.zone-ent: the closest provable encloser is
    // the apex, so the next closer is zone-ent itself and the wildcard is *.dnssec.test.
    const res = askDo(engine, D('x.zone-ent'), 'A');
    expectNegative(res, 'NXDOMAIN');
    if (optOut) {
      expectNsec3Matching(res, ORIGIN, p);
      expectNsec3Covering(res, D('zone-ent'), p);
      expectNsec3Covering(res, `*.${ORIGIN}`, p);
    } else {
      expectNsec3Matching(res, D('zone-ent'), p);
      expectNsec3Covering(res, D('x.zone-ent'), p);
      expectNsec3Covering(res, `*.${D('zone-ent')}`, p);
    }
  });

  test('NODATA: the NSEC3 matching the name, without the type', () => {
    const res = askDo(engine, D('www'), 'MX');
    expectNegative(res, 'NOERROR');
    const m = expectNsec3Matching(res, D('www'), p);
    expect(m.data.rrtypes).toContain('A');
    expect(m.data.rrtypes).not.toContain('MX');
    expectSigned(res.authorities, ['SOA', 'NSEC3']);
  });

  test('NODATA at an empty non-terminal: its NSEC3, with no types', () => {
    const res = askDo(engine, D('ents'), 'A');
    expectNegative(res, 'NOERROR');
    const m = expectNsec3Matching(res, D('ents'), p);
    expect(m.data.rrtypes).toEqual([]);
  });

  test('wildcard answer: RRSIG labels < owner labels, NSEC3 covering the next closer name', () => {
    for (const [qname, nc] of [[D('foo.wild'), D('foo.wild')], [D('a.b.wild'), D('b.wild')]]) {
      const res = askDo(engine, qname, 'A');
      expect(res.rcode).toBe('NOERROR');
      expect(res.flag_aa).toBe(true);
      const sig = sigsFor(res.answers, qname, 'A');
      expect(sig.length).toBe(1);
      expect(sig[0].data.labels).toBe(labels(D('wild')));
      expectNsec3Covering(res, nc, p);
      expect(ofType(res.authorities, 'SOA')).toEqual([]);
    }
  });

  test('wildcard NODATA (§7.2.5): encloser matched, next closer covered, wildcard matched', () => {
    const res = askDo(engine, D('foo.wild'), 'MX');
    expectNegative(res, 'NOERROR');
    expectNsec3Matching(res, D('wild'), p);
    expectNsec3Covering(res, D('foo.wild'), p);
    const w = expectNsec3Matching(res, D('*.wild'), p);
    expect(w.data.rrtypes).not.toContain('MX');
  });

  test('CNAME to a wildcard name without the type: the same wildcard NODATA proof', () => {
    const res = askDo(engine, D('to-wild'), 'AAAA');
    expect(res.rcode).toBe('NOERROR');
    expect(ofType(res.answers, 'CNAME').length).toBe(1);
    expectNsec3Matching(res, D('wild'), p);
    expectNsec3Covering(res, D('foo.wild'), p);
    expectNsec3Matching(res, D('*.wild'), p);
  });

  test('referral to a secure delegation: DS+RRSIG, no NSEC3', () => {
    const res = askDo(engine, D('host.secure'), 'A');
    expect(res.flag_aa).toBe(false);
    expect(ofType(res.authorities, 'DS').length).toBe(1);
    expect(sigsFor(res.authorities, D('secure'), 'DS').length).toBe(1);
    expect(ofType(res.authorities, 'NSEC3')).toEqual([]);
  });

  test('referral to an insecure delegation: no DS, proven by NSEC3 (opt-out: the covering opt-out NSEC3)', () => {
    for (const cut of [D('insecure1'), D('deleg-b'), D('insecure2')]) {
      const res = askDo(engine, `host.${cut}`, 'A');
      expect(res.flag_aa).toBe(false);
      expect(ofType(res.authorities, 'DS')).toEqual([]);
      if (optOut) {
        // §7.2.7: closest provable encloser, and the opt-out NSEC3 covering the delegation
        expectNsec3Matching(res, ORIGIN, p);
        const c = expectNsec3Covering(res, cut, p);
        expect(c.data.flags & 1).toBe(1);
      } else {
        const m = expectNsec3Matching(res, cut, p);
        expect(m.data.rrtypes).toContain('NS');
        expect(m.data.rrtypes).not.toContain('DS');
      }
      expectSigned(res.authorities, ['NSEC3']);
    }
  });

  test('NSEC3PARAM and DNSKEY asked for at the apex', () => {
    const param = askDo(engine, ORIGIN, 'NSEC3PARAM');
    expect(ofType(param.answers, 'NSEC3PARAM').length).toBe(1);
    expect(sigsFor(param.answers, ORIGIN, 'NSEC3PARAM').length).toBe(1);
    const key = askDo(engine, ORIGIN, 'DNSKEY');
    expect(ofType(key.answers, 'DNSKEY').length).toBe(2);
  });

  test('without DO: no NSEC3, RRSIG or DS in negative answers and referrals', () => {
    for (const [name, type] of [
      [D('nonexistent'), 'A'], [D('x.ents'), 'A'], [D('www'), 'MX'], [D('foo.wild'), 'A'], [D('foo.wild'), 'MX'],
      [D('host.secure'), 'A'], [D('host.insecure1'), 'A'], [D('x.zone-ent'), 'A'], [ORIGIN, 'NSEC3PARAM'],
    ] as const) {
      const res = ask(engine, name, type, { edns: 1232 });
      expectNoDnssec(res, type);
      expect(optDo(res)).toBe(false);
    }
  });
});
