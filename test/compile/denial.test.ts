// Authenticated denial at compile time (src/compile/denial.ts): the NSEC3 hash against the
// RFC 5155 Appendix A vectors, the NSEC chain in RFC 4034 §6.1 canonical order and the NSEC
// covering a name, and the RFC 5155 §7.2.1 closest encloser proof on the RFC's example zone.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Denial, DENIAL_NONE, DENIAL_NSEC, DENIAL_NSEC3, nsec3Hash, type Nsec3Entry } from '../../src/compile/denial.ts';
import { ZoneTree, type TreeNode } from '../../src/compile/zone-tree.ts';
import { compareCanonical, nameToText, parseName } from '../../src/zone/name.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { base32hex } from '../helpers/base32hex.ts';

const wire = (name: string) => parseName(name, null);

/** RFC 5155 §5 with node:crypto, independent of the code under test. */
function referenceHash(name: string, saltHex: string, iterations: number): string {
  const salt = Buffer.from(saltHex, 'hex');
  const absolute = name.endsWith('.') ? name : `${name}.`;
  let d = createHash('sha1').update(wire(absolute.toLowerCase())).update(salt).digest();
  for (let i = 0; i < iterations; i++) d = createHash('sha1').update(d).update(salt).digest();
  return base32hex(d);
}

function tree(text: string, origin: string): ZoneTree {
  const parsed = parseZoneText(text, 'test.zone', { origin: wire(origin) });
  expect(parsed.errors.map(String)).toEqual([]);
  return new ZoneTree(parsed.zone);
}

// Placeholder signature material: Denial looks at which records exist, never at key bytes.
const SIG = 'A'.repeat(86) + '==';
const KEY = 'B'.repeat(86) + '==';
const rrsig = (owner: string, type: string, labels: number, signer: string) =>
  `${owner} 3600 IN RRSIG ${type} 13 ${labels} 3600 20361120000000 20261120000000 1 ${signer} ${SIG}`;

// ---------------------------------------------------------------------------------------------
// RFC 5155 Appendix A: salt aabbccdd, 12 iterations.

const RFC5155_VECTORS: Array<[string, string]> = [
  ['example', '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom'],
  ['a.example', '35mthgpgcu1qg68fab165klnsnk3dpvl'],
  ['ai.example', 'gjeqe526plbf1g8mklp59enfd789njgi'],
  ['ns1.example', '2t7b4g4vsa5smi47k61mv5bv1a22bojr'],
  ['ns2.example', 'q04jkcevqvmu85r014c7dkba38o0ji5r'],
  ['w.example', 'k8udemvp1j2f7eg6jebps17vp3n8i58h'],
  ['*.w.example', 'r53bq7cc2uvmubfu5ocmm6pers9tk9en'],
  ['x.w.example', 'b4um86eghhds6nea196smvmlo4ors995'],
  ['y.w.example', 'ji6neoaepv8b5o6k4ev33abha8ht9fgc'],
  ['x.y.w.example', '2vptu5timamqttgl4luu9kg21e0aor3s'],
  ['xx.example', 't644ebqk9bibcna874givr6joj62mlhv'],
  ['2t7b4g4vsa5smi47k61mv5bv1a22bojr.example', 'kohar7mbb8dc2ce8a9qvl8hon4k53uhi'],
];

const RFC_PARAMS = { iterations: 12, salt: new Uint8Array(Buffer.from('aabbccdd', 'hex')) };

/** The RFC 5155 Appendix A zone, with its NSEC3 chain built here (opt-out flag as in the RFC). */
function rfc5155Zone(): string {
  const data = [
    'example. 3600 IN SOA ns1.example. bugs.x.w.example. 1 3600 300 3600000 3600',
    'example. 3600 IN NS ns1.example.',
    'example. 3600 IN NS ns2.example.',
    `example. 3600 IN DNSKEY 256 3 13 ${KEY}`,
    'example. 3600 IN MX 1 xx.example.',
    'example. 3600 IN NSEC3PARAM 1 0 12 aabbccdd',
    rrsig('example.', 'SOA', 1, 'example.'),
    'a.example. 3600 IN NS ns1.a.example.',
    'a.example. 3600 IN NS ns2.a.example.',
    'a.example. 3600 IN DS 58470 5 1 3079F1593EBAD6DC121E202A8B766A6A4837206C',
    'ns1.a.example. 3600 IN A 192.0.2.5',
    'ns2.a.example. 3600 IN A 192.0.2.6',
    'ai.example. 3600 IN A 192.0.2.9',
    'ai.example. 3600 IN HINFO "KLH-10" "ITS"',
    'ai.example. 3600 IN AAAA 2001:db8::f00:baa9',
    'ns1.example. 3600 IN A 192.0.2.1',
    'ns2.example. 3600 IN A 192.0.2.2',
    '*.w.example. 3600 IN MX 1 ai.example.',
    'x.w.example. 3600 IN MX 1 xx.example.',
    'x.y.w.example. 3600 IN MX 1 xx.example.',
    'xx.example. 3600 IN A 192.0.2.10',
    'xx.example. 3600 IN HINFO "KLH-10" "TOPS-20"',
    'xx.example. 3600 IN AAAA 2001:db8::f00:baaa',
    '2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. 3600 IN A 192.0.2.127',
  ];
  // Every authoritative name and ENT has an NSEC3 (ns1.a/ns2.a are glue: none).
  const hashes = RFC5155_VECTORS.map(([, h]) => h).sort();
  const nsec3 = hashes.map((h, i) =>
    `${h}.example. 3600 IN NSEC3 1 1 12 aabbccdd ${hashes[(i + 1) % hashes.length]} A RRSIG`);
  return [...data, ...nsec3].join('\n') + '\n';
}

describe('nsec3Hash', () => {
  test.each(RFC5155_VECTORS)('RFC 5155 Appendix A: %s -> %s', (name, expected) => {
    expect(base32hex(nsec3Hash(wire(`${name}.`), RFC_PARAMS))).toBe(expected);
  });

  test('the name is hashed in its canonical (lowercase) form by callers: upper case differs', () => {
    // nsec3Hash hashes the wire bytes it is given; the zone tree hands it lowercased names.
    expect(base32hex(nsec3Hash(wire('EXAMPLE.'), RFC_PARAMS))).not.toBe('0p9mhaveqvm6t7vbl5lop2u3t2rp3tom');
  });

  test('zero iterations, empty salt, and many iterations agree with node:crypto', () => {
    for (const [salt, iterations] of [['', 0], ['', 1], ['ff', 0], ['0102030405060708', 50], ['aabbccdd', 150]] as const) {
      for (const name of ['example.', 'a.b.c.example.', '*.example.', 'xn--bcher-kva.example.', '.']) {
        const params = { iterations, salt: new Uint8Array(Buffer.from(salt, 'hex')) };
        expect(base32hex(nsec3Hash(wire(name), params)), `${name} salt=${salt} it=${iterations}`)
          .toBe(referenceHash(name, salt, iterations));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// NSEC: RFC 4034 §6.1's canonical-order example as a signed zone.

const CANONICAL = [
  'example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.EXAMPLE.', 'z.example.',
  '\\001.z.example.', '*.z.example.', '\\200.z.example.',
];

function nsecZone(): string {
  const lines = [
    'example. 3600 IN SOA ns.example. h.example. 1 3600 300 3600000 300',
    'example. 3600 IN NS ns.example.',
    `example. 3600 IN DNSKEY 257 3 13 ${KEY}`,
    rrsig('example.', 'SOA', 1, 'example.'),
    'ns.example. 3600 IN A 192.0.2.1',
  ];
  const owners = [...CANONICAL.slice(0, 5), 'ns.example.', ...CANONICAL.slice(5)];
  owners.forEach((o, i) => {
    if (o !== 'example.' && o !== 'ns.example.') lines.push(`${o} 3600 IN TXT "x"`);
    lines.push(`${o} 300 IN NSEC ${owners[(i + 1) % owners.length]} TXT RRSIG NSEC`);
  });
  return lines.join('\n') + '\n';
}

const text = (n: TreeNode) => nameToText(n.name);

describe('Denial (NSEC)', () => {
  const d = new Denial(tree(nsecZone(), 'example.'));

  test('the zone is NSEC-signed and the chain is in canonical order (RFC 4034 §6.1)', () => {
    expect(d.mode).toBe(DENIAL_NSEC);
    expect(d.signed).toBe(true);
    const expected = [...CANONICAL.slice(0, 5), 'ns.example.', ...CANONICAL.slice(5)].map((n) => nameToText(wire(n.toLowerCase())));
    expect(d.nsecChain.map(text)).toEqual(expected);
  });

  test.each([
    // [name, the owner of the NSEC that must cover or match it]
    ['example.', 'example.'],
    ['a.example.', 'a.example.'],
    ['0.a.example.', 'a.example.'],
    ['yljkjljk.a.example.', 'yljkjljk.a.example.'],
    ['x.yljkjljk.a.example.', 'yljkjljk.a.example.'],
    ['yz.a.example.', 'yljkjljk.a.example.'],
    ['z.a.example.', 'z.a.example.'],
    ['a.z.a.example.', 'z.a.example.'],
    ['zabc.a.example.', 'zabc.a.example.'],
    ['zz.a.example.', 'zabc.a.example.'],
    ['b.example.', 'zabc.a.example.'],
    ['nr.example.', 'zabc.a.example.'],
    ['ns.example.', 'ns.example.'],
    ['nt.example.', 'ns.example.'],
    ['z.example.', 'z.example.'],
    ['\\000.z.example.', 'z.example.'],
    ['\\001.z.example.', '\\001.z.example.'],
    ['\\002.z.example.', '\\001.z.example.'],
    ['*.z.example.', '*.z.example.'],
    ['a.z.example.', '*.z.example.'],
    ['a.b.z.example.', '*.z.example.'],
    ['\\200.z.example.', '\\200.z.example.'],
    ['\\255.z.example.', '\\200.z.example.'],
    ['zz.example.', '\\200.z.example.'],
    ['\\255.example.', '\\200.z.example.'],
  ])('nsecCovering(%s) is the NSEC of %s', (name, owner) => {
    expect(text(d.nsecCovering(wire(name)))).toBe(nameToText(wire(owner)));
  });

  test('the covering NSEC brackets the name: owner <= name < next owner (the last one wraps)', () => {
    const chain = d.nsecChain;
    for (const name of ['aa.example.', 'm.example.', 'x.ns.example.', 'zzz.z.example.', '*.example.', 'a.example.', '\\200.z.example.']) {
      const w = wire(name);
      const i = chain.indexOf(d.nsecCovering(w));
      expect(i, name).toBeGreaterThanOrEqual(0);
      expect(compareCanonical(chain[i].name, w), name).toBeLessThanOrEqual(0);
      if (i + 1 < chain.length) expect(compareCanonical(w, chain[i + 1].name), name).toBeLessThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// NSEC3: closest encloser proofs on the RFC 5155 Appendix A zone (Appendix B's queries).

describe('Denial (NSEC3, RFC 5155 Appendix A zone)', () => {
  const d = new Denial(tree(rfc5155Zone(), 'example.'));
  const ownerHash = (e: Nsec3Entry) => base32hex(e.hash);
  const hashOf = (name: string) => referenceHash(name, 'aabbccdd', 12);
  /** e covers h: e.hash < h < next hash in the chain (with wrap-around). */
  const covers = (e: Nsec3Entry, h: string) => {
    const chain = d.nsec3Chain;
    const i = chain.indexOf(e);
    const next = base32hex(chain[(i + 1) % chain.length].hash);
    const own = ownerHash(e);
    return own < next ? own < h && h < next : h > own || h < next;
  };

  test('mode, parameters and chain in hash order', () => {
    expect(d.mode).toBe(DENIAL_NSEC3);
    expect(d.params.iterations).toBe(12);
    expect(Buffer.from(d.params.salt).toString('hex')).toBe('aabbccdd');
    const hashes = d.nsec3Chain.map(ownerHash);
    expect(hashes).toEqual(RFC5155_VECTORS.map(([, h]) => h).sort());
    expect(d.nsec3Chain.every((e) => e.optOut)).toBe(true);
  });

  test.each(RFC5155_VECTORS)('nsec3Matching(%s) is its own NSEC3', (name, h) => {
    const m = d.nsec3Matching(wire(`${name}.`));
    expect(m && ownerHash(m)).toBe(h);
  });

  test('names without an NSEC3 match none; nsec3Covering brackets their hash', () => {
    for (const name of ['c.x.w.example.', 'a.z.w.example.', 'z.w.example.', 'mc.c.example.', 'c.example.', 'ns1.a.example.', 'b.example.']) {
      const w = wire(name);
      expect(d.nsec3Matching(w), name).toBeUndefined();
      expect(covers(d.nsec3Covering(w), hashOf(name)), name).toBe(true);
    }
  });

  test('B.1 name error c.x.w.example: encloser x.w.example, next closer c.x.w.example', () => {
    const p = d.closestEncloserProof(wire('c.x.w.example.'));
    expect(nameToText(p.encloserName)).toBe('x.w.example.');
    expect(ownerHash(p.encloser)).toBe(hashOf('x.w.example'));
    expect(covers(p.nextCloser, hashOf('c.x.w.example'))).toBe(true);
    // the RFC's answer: 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom covers the next closer
    expect(ownerHash(p.nextCloser)).toBe('0p9mhaveqvm6t7vbl5lop2u3t2rp3tom');
  });

  test('B.3 referral to an opt-out unsigned zone mc.c.example: encloser example, next closer c.example', () => {
    const p = d.closestEncloserProof(wire('mc.c.example.'));
    expect(nameToText(p.encloserName)).toBe('example.');
    expect(ownerHash(p.encloser)).toBe('0p9mhaveqvm6t7vbl5lop2u3t2rp3tom');
    expect(covers(p.nextCloser, hashOf('c.example'))).toBe(true);
    expect(ownerHash(p.nextCloser)).toBe('35mthgpgcu1qg68fab165klnsnk3dpvl');
    expect(p.nextCloser.optOut).toBe(true);
  });

  test('B.4/B.5 wildcard a.z.w.example: encloser w.example, next closer z.w.example', () => {
    const p = d.closestEncloserProof(wire('a.z.w.example.'));
    expect(nameToText(p.encloserName)).toBe('w.example.');
    expect(ownerHash(p.encloser)).toBe('k8udemvp1j2f7eg6jebps17vp3n8i58h');
    expect(covers(p.nextCloser, hashOf('z.w.example'))).toBe(true);
    expect(ownerHash(p.nextCloser)).toBe('q04jkcevqvmu85r014c7dkba38o0ji5r');
    // the wildcard at the encloser exists (B.5 shows its NSEC3)
    expect(d.nsec3Matching(wire('*.w.example.')) && ownerHash(d.nsec3Matching(wire('*.w.example.'))!))
      .toBe('r53bq7cc2uvmubfu5ocmm6pers9tk9en');
  });

  test('deep names: the encloser is the nearest ancestor with an NSEC3', () => {
    for (const [name, encloser] of [
      ['a.b.c.d.example.', 'example.'],
      ['q.x.y.w.example.', 'x.y.w.example.'],
      ['q.r.y.w.example.', 'y.w.example.'],
      ['q.ai.example.', 'ai.example.'],
    ] as const) {
      const p = d.closestEncloserProof(wire(name));
      expect(nameToText(p.encloserName), name).toBe(encloser);
      expect(ownerHash(p.encloser), name).toBe(hashOf(encloser.slice(0, -1)));
      // next closer: the encloser with one more label of the name
      const labels = name.split('.').filter(Boolean);
      const nc = labels.slice(labels.length - encloser.split('.').filter(Boolean).length - 1).join('.');
      expect(covers(p.nextCloser, hashOf(nc)), `${name}: next closer ${nc}`).toBe(true);
    }
  });
});

describe('Denial on unsigned and half-signed zones', () => {
  test('no DNSKEY: not signed', () => {
    const d = new Denial(tree('@ 3600 IN SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n', 'example.'));
    expect(d.mode).toBe(DENIAL_NONE);
    expect(d.signed).toBe(false);
  });

  test('NSEC3PARAM without NSEC3 records: falls back to NSEC', () => {
    const zone = [
      'example. 3600 IN SOA ns.example. h.example. 1 3600 300 3600000 300',
      `example. 3600 IN DNSKEY 257 3 13 ${KEY}`,
      'example. 3600 IN NSEC3PARAM 1 0 0 -',
      'example. 300 IN NSEC example. SOA RRSIG NSEC DNSKEY NSEC3PARAM',
      rrsig('example.', 'SOA', 1, 'example.'),
    ].join('\n');
    const d = new Denial(tree(zone, 'example.'));
    expect(d.mode).toBe(DENIAL_NSEC);
    expect(d.nsecChain.map(text)).toEqual(['example.']);
    expect(text(d.nsecCovering(wire('anything.example.')))).toBe('example.');
  });
});
