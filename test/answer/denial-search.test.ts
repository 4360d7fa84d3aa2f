// The query-time denial searches (src/answer/denial-search.ts) must pick the same NSEC / NSEC3
// as the compile-time Denial (src/compile/denial.ts) for every name: every name of a signed
// zone (nodes, empty non-terminals, glue, NSEC3 owners), names below each of them, random
// names, and names with unusual bytes. Zones: test/fixtures/dnssec/*.signed.zone (signed once
// by dnssec-signzone) and small hand-made ones.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DenialSearch } from '../../src/answer/denial-search.ts';
import { compile } from '../../src/compile/compile-zone.ts';
import { Denial, DENIAL_NSEC, DENIAL_NSEC3 } from '../../src/compile/denial.ts';
import { ZoneTree } from '../../src/compile/zone-tree.ts';
import { ZoneImage } from '../../src/image/zone-image.ts';
import { lowerName, nameToText, parseName } from '../../src/zone/name.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import type { Zone } from '../../src/zone/model.ts';
import { seededRandom } from '../helpers/random.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'dnssec');

function parse(text: string, origin: string): Zone {
  const parsed = parseZoneText(text, `${origin}zone`, { origin: parseName(origin, null) });
  expect(parsed.errors.map(String)).toEqual([]);
  return parsed.zone;
}

function fixture(variant: string): Zone {
  return parse(readFileSync(path.join(FIXTURES, `dnssec.test.${variant}.signed.zone`), 'utf8'), 'dnssec.test.');
}

/** A random label of 1..max bytes: letters, digits, '-', '*', '_', and bytes outside ASCII. */
function randomLabel(rnd: () => number, max = 12): Uint8Array {
  const n = 1 + Math.floor(rnd() * max);
  const out = new Uint8Array(n + 1);
  out[0] = n;
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_*';
  for (let i = 1; i <= n; i++) {
    const r = rnd();
    // mostly hostname bytes; sometimes any byte except upper case (query names are lowercased)
    if (r < 0.85) out[i] = alphabet.charCodeAt(Math.floor(rnd() * alphabet.length));
    else {
      let b = Math.floor(rnd() * 256);
      if (b >= 0x41 && b <= 0x5a) b |= 0x20;
      out[i] = b;
    }
  }
  return out;
}

function prepend(label: Uint8Array, name: Uint8Array): Uint8Array | null {
  if (label.length + name.length > 255) return null;
  const out = new Uint8Array(label.length + name.length);
  out.set(label, 0);
  out.set(name, label.length);
  return out;
}

/** Label offsets of a wire name, as the query parser lays them out (root label not counted). */
function labelStarts(name: Uint8Array): { starts: Int32Array; count: number } {
  const starts = new Int32Array(128);
  let count = 0;
  for (let p = 0; name[p] !== 0; p += name[p] + 1) starts[count++] = p;
  starts[count] = name.length - 1;
  return { starts, count };
}

interface Setup {
  image: ZoneImage;
  denial: Denial;
  tree: ZoneTree;
  names: Uint8Array[];
}

/** Compile the zone, build the compile-time Denial beside it, and a corpus of names. */
function setup(zone: Zone, seed: number): Setup {
  const image = new ZoneImage(compile(zone).image);
  const tree = new ZoneTree(zone);
  const denial = new Denial(tree);
  const rnd = seededRandom(seed);
  const existing = [...tree.nodes.values(), ...tree.nsec3Nodes.values()].map((n) => n.name);
  const names: Uint8Array[] = [...existing];
  for (const n of existing) {
    for (let i = 0; i < 3; i++) {
      const child = prepend(randomLabel(rnd), n);
      if (child) names.push(child);
    }
    const star = prepend(new Uint8Array([1, 0x2a]), n);
    if (star) names.push(star);
    const grandchild = prepend(randomLabel(rnd), prepend(randomLabel(rnd), n) ?? n);
    if (grandchild) names.push(grandchild);
    // the lowest and highest labels below the name in canonical order
    for (const edge of [new Uint8Array([1, 0]), new Uint8Array([1, 0xff]), new Uint8Array([63, ...new Array(63).fill(0xff)])]) {
      const e = prepend(edge, n);
      if (e) names.push(e);
    }
  }
  for (let i = 0; i < 300; i++) {
    let n: Uint8Array | null = tree.apex.name;
    const depth = 1 + Math.floor(rnd() * 4);
    for (let d = 0; d < depth && n; d++) n = prepend(randomLabel(rnd, d === 0 ? 63 : 20), n);
    if (n) names.push(n);
  }
  return { image, denial, tree, names: names.map(lowerName) };
}

function show(name: Uint8Array): string {
  return nameToText(name);
}

const NSEC_VARIANTS = ['nsec'];
const NSEC3_VARIANTS = ['nsec3', 'nsec3-optout'];

describe('DenialSearch.nsecCovering agrees with Denial.nsecCovering', () => {
  test.each(NSEC_VARIANTS)('every name of dnssec.test. (%s) and names around them', (variant) => {
    const { image, denial, names } = setup(fixture(variant), 4034);
    expect(denial.mode).toBe(DENIAL_NSEC);
    const search = new DenialSearch();
    const ids = new Map(denial.nsecChain.map((n, i) => [n, i + 1]));
    let checked = 0;
    for (const name of names) {
      const { starts, count } = labelStarts(name);
      // the whole name, and (as the engine asks for closest enclosers) each suffix of it
      for (let from = 0; from < count; from++) {
        const suffix = name.subarray(starts[from]);
        const expected = ids.get(denial.nsecCovering(suffix));
        const actual = search.nsecCovering(image, name, starts, from, count);
        expect(actual, `${show(suffix)} (from ${from} of ${show(name)})`).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  test('a hand-made chain in RFC 4034 §6.1 order, with names before, between and after', () => {
    const owners = ['example.', 'a.example.', 'yljkjljk.a.example.', 'z.a.example.', 'zabc.a.example.', 'z.example.',
      '\\001.z.example.', '*.z.example.', '\\200.z.example.'];
    const sig = 'A'.repeat(86) + '==';
    const lines = [
      'example. 3600 IN SOA ns.example. h.example. 1 3600 300 3600000 300',
      `example. 3600 IN DNSKEY 257 3 13 ${'B'.repeat(86)}==`,
      `example. 3600 IN RRSIG SOA 13 1 3600 20361120000000 20261120000000 1 example. ${sig}`,
    ];
    owners.forEach((o, i) => {
      if (o !== 'example.') lines.push(`${o} 3600 IN TXT "x"`);
      lines.push(`${o} 300 IN NSEC ${owners[(i + 1) % owners.length]} TXT RRSIG NSEC`);
    });
    const { image, denial, names } = setup(parse(lines.join('\n') + '\n', 'example.'), 6);
    const search = new DenialSearch();
    const ids = new Map(denial.nsecChain.map((n, i) => [n, i + 1]));
    for (const name of names) {
      const { starts, count } = labelStarts(name);
      expect(search.nsecCovering(image, name, starts, 0, count), show(name)).toBe(ids.get(denial.nsecCovering(name)));
    }
  });
});

describe('DenialSearch.nsec3Covering agrees with Denial.nsec3Covering', () => {
  test.each(NSEC3_VARIANTS)('every name of dnssec.test. (%s) and names around them', (variant) => {
    const { image, denial, names } = setup(fixture(variant), 5155);
    expect(denial.mode).toBe(DENIAL_NSEC3);
    const search = new DenialSearch();
    const ids = new Map(denial.nsec3Chain.map((e, i) => [e, i + 1]));
    let matched = 0;
    for (const name of names) {
      const { starts, count } = labelStarts(name);
      for (let from = 0; from < count; from++) {
        const start = starts[from];
        const suffix = name.subarray(start);
        const expected = ids.get(denial.nsec3Covering(suffix));
        // the name at an offset inside a bigger buffer, as in a query
        const actual = search.nsec3Covering(image, name, start, name.length - start);
        expect(actual, `${show(suffix)} (${variant})`).toBe(expected);
        if (denial.nsec3Matching(suffix)) matched++;
      }
    }
    // names with their own NSEC3 are found (their NSEC3 is the one "covering" them)
    expect(matched).toBeGreaterThan(20);
  });

  test('the same search object gives the same answers in any order (no state between calls)', () => {
    const { image, denial, names } = setup(fixture('nsec3'), 99);
    const search = new DenialSearch();
    const forward = names.map((n) => search.nsec3Covering(image, n, 0, n.length));
    const backward = [...names].reverse().map((n) => search.nsec3Covering(image, n, 0, n.length)).reverse();
    expect(backward).toEqual(forward);
    const ids = new Map(denial.nsec3Chain.map((e, i) => [e, i + 1]));
    expect(forward).toEqual(names.map((n) => ids.get(denial.nsec3Covering(n))));
  });
});
