// Rendezvous selection: the same answer on every run and platform, minimal movement when an
// endpoint comes or goes (measured over 10k names), weights, fail open / closed.

import { describe, expect, it } from 'vitest';
import { hashUnit, pick, rank, type WeightedEndpoint } from '../../../src/sources/services/rendezvous.ts';

const endpoints = (n: number, weight = 1): WeightedEndpoint[] => Array.from({ length: n }, (_, i) => ({ text: `10.0.0.${i + 1}`, weight }));
const names = Array.from({ length: 10_000 }, (_, i) => `name-${i}.svc.test.`);
const all = () => true;
/** Rankings computed when the hash was chosen: any change here reshuffles every deployment. */
const GOLDEN_WWW = ['127.0.0.13', '127.0.0.11', '127.0.0.12'];
const GOLDEN_API = ['127.0.0.12', '127.0.0.11', '127.0.0.13'];

/** The set of endpoints (by address) each name gets. */
function assign(eps: WeightedEndpoint[], replicas: number): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const n of names) out.set(n, new Set(pick(rank(n, eps), replicas, all).map((i) => eps[i].text)));
  return out;
}

describe('rendezvous hashing', () => {
  it('is a fixed function of name and endpoint (stable across restarts and platforms)', () => {
    // SHA-256("www.svc.test.|127.0.0.11"), first 64 bits, as a fraction: computed once, kept as a
    // regression vector: if it changes, every deployed name moves.
    expect(hashUnit('www.svc.test.', '127.0.0.11')).toBe((Number(0xdb187f6e59cd5979n) + 0.5) / 2 ** 64);
    const eps = endpoints(3).map((e, i) => ({ ...e, text: `127.0.0.1${i + 1}` }));
    expect(rank('www.svc.test.', eps).map((i) => eps[i].text)).toEqual(GOLDEN_WWW);
    expect(rank('api.svc.test.', eps).map((i) => eps[i].text)).toEqual(GOLDEN_API);
    // Same inputs, same ranking, whatever the endpoints' order in the file.
    const reversed = [...eps].reverse();
    expect(rank('www.svc.test.', reversed).map((i) => reversed[i].text)).toEqual(GOLDEN_WWW);
  });

  it('adding an endpoint to 10 moves about replicas/11 of the assignments, all of them to the new one', () => {
    const replicas = 2;
    const before = assign(endpoints(10), replicas);
    const after = assign(endpoints(11), replicas);
    let moved = 0;
    for (const n of names) {
      const b = before.get(n)!;
      const a = after.get(n)!;
      for (const e of a) {
        if (b.has(e)) continue;
        moved++;
        expect(e).toBe('10.0.0.11'); // only the newcomer takes names
      }
    }
    // Moved assignments per name: replicas/(N+1) (each of a name's slots goes to the newcomer
    // with probability 1/(N+1)); the rest, 1 - replicas/(N+1), stay where they were.
    const perName = moved / names.length;
    const expected = replicas / 11;
    console.log(`10k names, 10 → 11 endpoints, replicas 2: ${moved} assignments moved (${perName.toFixed(4)} per name, expected ${expected.toFixed(4)})`);
    expect(perName).toBeGreaterThan(expected * 0.85);
    expect(perName).toBeLessThan(expected * 1.15);
  });

  it('losing an endpoint moves only the names that had it', () => {
    const eps = endpoints(10);
    const replicas = 3;
    const before = assign(eps, replicas);
    const lost = '10.0.0.4';
    let touched = 0;
    for (const n of names) {
      const after = new Set(pick(rank(n, eps), replicas, (i) => eps[i].text !== lost).map((i) => eps[i].text));
      const b = before.get(n)!;
      if (!b.has(lost)) {
        expect(after).toEqual(b);
        continue;
      }
      touched++;
      // The others stay; one replacement comes in.
      for (const e of b) if (e !== lost) expect(after.has(e)).toBe(true);
      expect(after.size).toBe(replicas);
    }
    // About replicas/N of the names had it.
    expect(touched / names.length).toBeGreaterThan(0.3 * 0.85);
    expect(touched / names.length).toBeLessThan(0.3 * 1.15);
  });

  it('spreads names by weight', () => {
    const eps = [...endpoints(4), { text: '10.0.0.99', weight: 3 }];
    const wins = new Map<string, number>();
    for (const n of names) {
      const top = eps[rank(n, eps)[0]].text;
      wins.set(top, (wins.get(top) ?? 0) + 1);
    }
    // Weight 3 of a total 7: 3/7 of the names; each weight-1 endpoint 1/7.
    expect(wins.get('10.0.0.99')! / names.length).toBeGreaterThan((3 / 7) * 0.9);
    expect(wins.get('10.0.0.99')! / names.length).toBeLessThan((3 / 7) * 1.1);
    expect(wins.get('10.0.0.1')! / names.length).toBeGreaterThan((1 / 7) * 0.85);
    expect(wins.get('10.0.0.1')! / names.length).toBeLessThan((1 / 7) * 1.15);
  });

  it('picks the best healthy ones; none healthy: all (fail open) or none (fail closed)', () => {
    const ranking = [2, 0, 1, 3];
    expect(pick(ranking, 2, all)).toEqual([2, 0]);
    expect(pick(ranking, 2, (i) => i !== 2)).toEqual([0, 1]);
    expect(pick(ranking, 2, (i) => i === 3)).toEqual([3]);
    expect(pick(ranking, 2, () => false)).toEqual([2, 0, 1, 3]);
    expect(pick(ranking, 2, () => false, true)).toEqual([]);
    expect(pick(ranking, 9, all)).toEqual(ranking);
  });
});
