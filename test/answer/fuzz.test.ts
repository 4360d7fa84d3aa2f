// Property tests of the answer function: arbitrary bytes, and valid queries mutated (bit flips,
// truncation, insertions, compression pointers, header counts), over signed (NSEC, NSEC3) and
// unsigned zones, over UDP and TCP. For every input: no exception; if there is a response, it
// parses with dns-packet, echoes the ID, echoes the question byte for byte whenever the query
// had one (a response with QDCOUNT 1 only), and fits the transport's limit.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnswerEngine } from '../../src/answer/answer.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { nameToText, parseName } from '../../src/zone/name.ts';
import { typeToText } from '../../src/zone/types.ts';
import { encodeQuery, engineFor } from '../helpers/engine.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
const read = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8');

interface Target {
  label: string;
  engine: AnswerEngine;
  /** Valid queries to mutate: names and types that exist, and some that do not. */
  seeds: Buffer[];
}

function target(label: string, zones: Record<string, string>): Target {
  const engine = engineFor(zones);
  const seeds: Buffer[] = [];
  for (const [origin, text] of Object.entries(zones)) {
    const zone = parseZoneText(text, `${origin}zone`, { origin: parseName(origin, null) }).zone;
    const owners = new Map<string, Set<string>>();
    for (const r of zone.records) {
      const name = nameToText(r.owner);
      if (!owners.has(name)) owners.set(name, new Set());
      owners.get(name)!.add(typeToText(r.type));
    }
    for (const [name, types] of owners) {
      for (const type of [...types, 'A', 'AAAA', 'ANY', 'NSEC', 'DS']) {
        seeds.push(encodeQuery(name, type), encodeQuery(name, type, { edns: 1232, do: true }), encodeQuery(name, type, { edns: 4096 }));
      }
      seeds.push(encodeQuery(`nx-${seeds.length}.${name}`, 'A', { edns: 1232, do: true }));
      seeds.push(encodeQuery(`x.y.${name}`, 'TXT'));
    }
  }
  seeds.push(encodeQuery('version.bind.', 'TXT', { class: 'CH' }), encodeQuery('example.com.', 'A', { edns: 1232 }));
  return { label, engine, seeds };
}

const TARGETS: Target[] = [
  target('NSEC-signed', { 'dnssec.test.': read('dnssec/dnssec.test.nsec.signed.zone') }),
  target('NSEC3-signed', { 'dnssec.test.': read('dnssec/dnssec.test.nsec3.signed.zone') }),
  target('NSEC3 opt-out', { 'dnssec.test.': read('dnssec/dnssec.test.nsec3-optout.signed.zone') }),
  target('unsigned, with delegations', {
    'interop.test.': read('interop/interop.test.zone'),
    'other.test.': read('interop/other.test.zone'),
    'parent.test.': read('interop/parent.test.zone'),
    'child.parent.test.': read('interop/child.parent.test.zone'),
  }),
];

const out = new Uint8Array(65536);

/** The properties, for one packet; throws (fails the property) with what went wrong. */
function check(engine: AnswerEngine, query: Uint8Array, tcp: boolean): void {
  let len: number;
  try {
    len = engine.answer(query, query.length, out, tcp);
  } catch (err) {
    throw new Error(`engine threw on ${Buffer.from(query).toString('hex')}: ${(err as Error).stack}`);
  }
  if (len === 0) return;
  const response = Buffer.from(out.subarray(0, len));
  const hex = `query ${Buffer.from(query).toString('hex')}\nresponse ${response.toString('hex')}`;
  expect(len, hex).toBeGreaterThanOrEqual(12);
  let decoded: dnsPacket.Packet;
  try {
    decoded = dnsPacket.decode(response);
  } catch (err) {
    throw new Error(`dns-packet cannot parse the response (${(err as Error).message})\n${hex}`);
  }
  expect(response.readUInt16BE(0), hex).toBe((query[0] << 8) | query[1]);
  expect(response[2] & 0x80, hex).toBe(0x80);
  const qdcount = (query[4] << 8) | query[5];
  const rqd = response.readUInt16BE(4);
  if (qdcount === 1) {
    // A question that could not be read is dropped, never answered without it.
    expect(rqd, hex).toBe(1);
    const end = 12 + questionLength(response, 12);
    expect(response.subarray(12, end).equals(Buffer.from(query.subarray(12, end))), hex).toBe(true);
  } else {
    expect(rqd, hex).toBe(0);
  }
  const hasOpt = (decoded.additionals ?? []).some((r) => r.type === 'OPT');
  const limit = tcp ? 65535 : hasOpt ? 1232 : 512;
  expect(len, hex).toBeLessThanOrEqual(limit);
}

/** Length of the uncompressed name at `at` plus QTYPE and QCLASS. */
function questionLength(wire: Buffer, at: number): number {
  let p = at;
  while (wire[p] !== 0) p += wire[p] + 1;
  return p + 1 - at + 4;
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'pointer'; at: number; target: number }
  | { kind: 'count'; field: number; value: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'append'; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('pointer' as const), at: fc.nat(), target: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ kind: fc.constant('count' as const), field: fc.constantFrom(4, 6, 8, 10), value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.constantFrom(0, 0x3f, 0x40, 0x41, 0x80, 0xc0, 0xff) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);

function mutate(seed: Buffer, mutations: Mutation[]): Uint8Array {
  let b = Uint8Array.from(seed);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : ('at' in m ? m.at % b.length : 0);
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) b[at] ^= 1 << m.bit;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
        break;
      case 'pointer':
        if (b.length >= 2) {
          const p = Math.min(at, b.length - 2);
          b[p] = 0xc0 | (m.target >> 8);
          b[p + 1] = m.target & 0xff;
        }
        break;
      case 'count':
        if (b.length >= 12) {
          b[m.field] = 0;
          b[m.field + 1] = m.value;
        }
        break;
      case 'byte':
        if (b.length > 0) b[at] = m.value;
        break;
      case 'append':
        b = Uint8Array.from([...b, ...m.bytes]);
        break;
    }
  }
  return b;
}

describe('answer() under arbitrary and mutated input', () => {
  for (const t of TARGETS) {
    it(`${t.label}: arbitrary bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.boolean(), (bytes, tcp) => check(t.engine, bytes, tcp)),
        { numRuns: 5000 },
      );
    });

    it(`${t.label}: arbitrary bytes behind a plausible header`, () => {
      // Random bodies rarely get past the header checks: give them QR=0 and small counts.
      const headed = fc.tuple(fc.uint8Array({ minLength: 12, maxLength: 300 }), fc.integer({ min: 0, max: 2 }), fc.nat(3), fc.nat(3))
        .map(([b, qd, an, ar]) => {
          b[2] &= 0x7f;
          b[4] = 0; b[5] = qd; b[6] = 0; b[7] = an & 1; b[8] = 0; b[9] = 0; b[10] = 0; b[11] = ar;
          return b;
        });
      fc.assert(fc.property(headed, fc.boolean(), (bytes, tcp) => check(t.engine, bytes, tcp)), { numRuns: 5000 });
    });

    it(`${t.label}: mutated valid queries (${t.seeds.length} seeds)`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...t.seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (seed, ms, tcp) =>
          check(t.engine, mutate(seed, ms), tcp),
        ),
        { numRuns: 10000 },
      );
    });

    it(`${t.label}: every seed unmutated answers, and still does after the fuzzing`, () => {
      for (const seed of t.seeds) {
        check(t.engine, seed, false);
        check(t.engine, seed, true);
        expect(t.engine.answer(seed, seed.length, out, false)).toBeGreaterThan(0);
      }
    });
  }

  it('the checks can fail: a response with the wrong ID or a changed question is caught', () => {
    const engine = TARGETS[0].engine;
    const bad: AnswerEngine = Object.create(engine) as AnswerEngine;
    bad.answer = (q, len, o, tcp) => {
      const n = engine.answer(q, len, o, tcp);
      if (n > 0) o[0] ^= 0xff;
      return n;
    };
    expect(() => check(bad, TARGETS[0].seeds[0], false)).toThrow();
    const swapped: AnswerEngine = Object.create(engine) as AnswerEngine;
    swapped.answer = (q, len, o, tcp) => {
      const n = engine.answer(q, len, o, tcp);
      if (n > 14) o[13] ^= 0x20; // the question's first letter, case flipped
      return n;
    };
    expect(() => check(swapped, TARGETS[0].seeds[0], false)).toThrow();
  });
});
