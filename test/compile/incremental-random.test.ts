// Property test: random sequences of small changes (addresses, names appearing and going,
// wildcards, CNAMEs, MX and NS targets, delegations with glue) applied incrementally answer
// exactly as full compiles of the same records, unsigned and with an NSEC chain made again
// after each change. Seeded, so a failure names its seed and step.

import { describe, expect, test } from 'vitest';
import type { WireRecord } from '../../src/transfer/message.ts';
import { bumpSerial, fullVersion, parseRecords, rechain, recordsOf, sameAsFull, step, type Version } from '../helpers/incremental.ts';
import { lowerName, nameToText } from '../../src/zone/name.ts';


const ORIGIN = 'rand.test.';
const NAMES = ['a', 'b', 'c.b', 'd.c.b', '*.b', 'e', '*.e', 'f.e', 'g', 'h.g', 'ns.g', 'x.y.z'];
const SIGNED_APEX = `@ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
@ RRSIG SOA 13 2 3600 20360101000000 20260101000000 1 rand.test. AAAA
@ NSEC3PARAM 1 0 0 -
`;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomEdit(records: WireRecord[], r: () => number): WireRecord[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const name = pick(NAMES);
  const owner = `${name}.${ORIGIN}`;
  const at = (rec: WireRecord) => nameToText(lowerName(rec.owner)) === owner;
  let kept = records;
  let add = '';
  const kind = Math.floor(r() * 8);
  if (kind === 0) kept = records.filter((x, i) => i === 0 || !at(x)); // the name goes
  else if (kind === 1) add = `${name} A 192.0.2.${Math.floor(r() * 250)}`;
  else if (kind === 2) add = `${name} AAAA 2001:db8::${Math.floor(r() * 250).toString(16)}`;
  else if (kind === 3) add = `${name} MX 10 ${pick(NAMES).replace('*', 'w')}`;
  else if (kind === 4) {
    kept = records.filter((x, i) => i === 0 || !at(x));
    add = `${name} CNAME ${pick(NAMES).replace('*', 'q')}`;
  } else if (kind === 5 && name !== '*.b' && name !== '*.e') add = `${name} NS ns.${name}\nns.${name} A 192.0.2.9`;
  else if (kind === 6) kept = records.filter((x, i) => i === 0 || !(at(x) && x.type === 1));
  else add = `${name} TXT "t${Math.floor(r() * 1000)}"`;
  // A CNAME stays alone at its name: drop what else the edit left beside one.
  const added = add === '' ? [] : parseRecords(ORIGIN, `$TTL 300\n@ SOA ns hm 1 2 3 4 5\n${add}`).slice(1);
  let next = [...kept, ...added];
  const cnameAt = new Set(next.filter((x) => x.type === 5).map((x) => nameToText(lowerName(x.owner))));
  next = next.filter((x) => x.type === 5 || !cnameAt.has(nameToText(lowerName(x.owner))) || x.type === 46 || x.type === 47);
  return bumpSerial(next);
}

const BASE = `$TTL 300
@ SOA ns hm 1 7200 3600 1209600 60
@ NS ns
ns A 192.0.2.1
a A 192.0.2.2
`;

for (const signed of [false, true]) {
  describe(`random changes, ${signed ? 'NSEC-signed' : 'unsigned'}`, () => {
    for (const seed of [1, 2, 3]) {
      test(`seed ${seed}: 40 changes, each answered as a full compile`, () => {
        const r = rng(seed * 7919 + (signed ? 1 : 0));
        const text = signed ? BASE + SIGNED_APEX.replace(/^@ NSEC3PARAM.*$/m, '') : BASE;
        const fix = (rs: WireRecord[]) => (signed ? rechain(rs) : rs);
        let v: Version = fullVersion(fix(parseRecords(ORIGIN, text)));
        for (let i = 0; i < 40; i++) {
          const before = v;
          v = step(v, fix(randomEdit(recordsOf(v), r)));
          expect(v.how, `seed ${seed} step ${i}: ${v.reason}`).toBe('incremental');
          const d = sameAsFull(v, before);
          expect(d, `seed ${seed} step ${i}`).toEqual([]);
        }
      });
    }
  });
}
