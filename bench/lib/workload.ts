// The benchmark workload: a generated zone of N names and a dnsperf query file with the mix
// operators see on an authoritative server (issue 7): ≈80 % existing names, 10 % NXDOMAIN,
// 5 % wildcard, 5 % referral. Deterministic (seeded), so two runs query the same names.

import { seededRandom } from '../../test/helpers/random.ts';

export const ORIGIN = 'bench.test.';

/** Query-mix shares; they sum to 1. */
export const MIX = { existing: 0.8, nxdomain: 0.1, wildcard: 0.05, referral: 0.05 } as const;
export type QueryKind = keyof typeof MIX;

/** Delegated child zones in a zone of `names` names: 1 % of them, at least 10. */
export function delegationCount(names: number): number {
  return Math.max(10, Math.floor(names / 100));
}

/**
 * The zone text: SOA, NS with glue, `names` hosts h0..h{N-1} (A; every fourth also AAAA),
 * a wildcard `*.wild` (A + TXT) and delegations d0..d{K-1} each with NS + glue.
 * Returned as chunks so a 1M-name zone is not built as one string.
 */
export function* zoneLines(names: number, serial = 1): Generator<string> {
  yield `$ORIGIN ${ORIGIN}`;
  yield '$TTL 300';
  yield `@ SOA ns1 hostmaster ${serial} 7200 3600 1209600 300`;
  yield '@ NS ns1';
  yield '@ NS ns2';
  yield 'ns1 A 192.0.2.1';
  yield 'ns2 A 192.0.2.2';
  yield '*.wild A 192.0.2.80';
  yield '*.wild TXT "wildcard"';
  const k = delegationCount(names);
  for (let i = 0; i < k; i++) {
    yield `d${i} NS ns.d${i}`;
    yield `ns.d${i} A 198.51.${(i >> 8) & 255}.${i & 255}`;
  }
  for (let i = 0; i < names; i++) {
    yield `h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    if ((i & 3) === 0) yield `h${i} AAAA 2001:db8::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`;
  }
}

export function zoneText(names: number, serial = 1): string {
  const out: string[] = [];
  for (const l of zoneLines(names, serial)) out.push(l);
  return `${out.join('\n')}\n`;
}


export interface Query {
  kind: QueryKind;
  /** dnsperf input line: "name TYPE". */
  line: string;
}

/** `count` queries in the mix, over a zone of `names` names. */
export function* queries(names: number, count: number, seed = 7): Generator<Query> {
  const r = seededRandom(seed);
  const k = delegationCount(names);
  const cut1 = MIX.existing;
  const cut2 = cut1 + MIX.nxdomain;
  const cut3 = cut2 + MIX.wildcard;
  for (let n = 0; n < count; n++) {
    const p = r();
    const i = Math.floor(r() * names);
    if (p < cut1) {
      // Existing names: mostly A, some AAAA (present on every fourth host, NODATA elsewhere is rare).
      const aaaa = (i & 3) === 0 && r() < 0.25;
      yield { kind: 'existing', line: `h${i}.${ORIGIN} ${aaaa ? 'AAAA' : 'A'}` };
    } else if (p < cut2) {
      yield { kind: 'nxdomain', line: `nx${i}.${ORIGIN} A` };
    } else if (p < cut3) {
      yield { kind: 'wildcard', line: `w${i}.wild.${ORIGIN} ${r() < 0.8 ? 'A' : 'TXT'}` };
    } else {
      yield { kind: 'referral', line: `www.d${Math.floor(r() * k)}.${ORIGIN} A` };
    }
  }
}

export function queryText(names: number, count: number, seed = 7): string {
  const out: string[] = [];
  for (const q of queries(names, count, seed)) out.push(q.line);
  return `${out.join('\n')}\n`;
}
