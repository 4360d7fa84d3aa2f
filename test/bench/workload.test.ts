// The benchmark's generated zone and query mix (bench/lib/workload.ts): proportions and that
// every query kind hits what the zone has. No timing: benchmarks are not tests.
import { describe, expect, it } from 'vitest';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { MIX, delegationCount, queries, queryText, zoneText } from '../../bench/lib/workload.ts';
import { LatencyHistogram, parseSummary } from '../../bench/lib/dnsperf.ts';

describe('bench workload', () => {
  it('query mix is ≈80/10/5/5 (existing/NXDOMAIN/wildcard/referral)', () => {
    const counts = { existing: 0, nxdomain: 0, wildcard: 0, referral: 0 };
    const n = 50_000;
    for (const q of queries(10_000, n)) counts[q.kind]++;
    for (const k of Object.keys(MIX) as (keyof typeof MIX)[]) {
      expect(Math.abs(counts[k] / n - MIX[k])).toBeLessThan(0.01);
    }
  });

  it('is deterministic for a seed', () => {
    expect(queryText(1000, 200, 3)).toBe(queryText(1000, 200, 3));
    expect(queryText(1000, 200, 3)).not.toBe(queryText(1000, 200, 4));
  });

  it('zone parses cleanly and has the wildcard and delegations the mix queries', () => {
    const { zone, errors } = parseZoneText(zoneText(500), 'bench.zone');
    expect(errors).toEqual([]);
    const text = zoneText(500);
    expect(text).toContain('*.wild A');
    expect(text).toContain(`d${delegationCount(500) - 1} NS`);
    expect(zone.records.length).toBeGreaterThan(500);
    for (const q of queries(500, 2000)) {
      if (q.kind === 'existing') expect(text).toContain(`\n${q.line.split('.')[0]} A`);
    }
  });

  it('reads dnsperf summaries and latency quantiles', () => {
    const s = parseSummary(`Statistics:
  Queries sent:         1438485
  Queries completed:    1438480 (100.00%)
  Queries lost:         5 (0.00%)
  Response codes:       NOERROR 1296742 (90.15%), NXDOMAIN 141743 (9.85%)
  Average packet size:  request 34, response 113
  Run time (s):         5.000562
  Queries per second:   287664.666491
  Average Latency (s):  0.001186 (min 0.000009, max 0.012797)
`);
    expect(s).toMatchObject({ sent: 1438485, lost: 5, qps: 287664.666491, avgResponseBytes: 113 });
    expect(s.avgLatencyMs).toBeCloseTo(1.186, 6);
    const h = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) h.add(i / 1e6);
    expect(h.quantileMs(0.99)).toBe(0.099);
  });
});
