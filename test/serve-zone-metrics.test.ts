// `peregrine serve` metrics an operator looks for: queries per zone (capped by --zone-metrics-max,
// the rest as zone="_other"), the build, and each zone's last successful load.

import { afterEach, describe, expect, it } from 'vitest';
import { query, scrape, startServing, stopServers, tcpQuery, udpQuery } from './serve-harness.ts';

afterEach(stopServers);

describe('serve: per-zone metrics', () => {
  it('counts the queries answered from each zone, the zones beyond --zone-metrics-max as _other', async () => {
    const { dnsPort, httpPort } = await startServing(['--zone-dir', 'examples', '--workers', '2', '--zone-metrics-max', '2']);
    const sent: Record<string, number> = { 'shop.example.': 7, 'localhost.': 5, '0.0.127.in-addr.arpa.': 3 };
    let id = 1;
    for (const [zone, n] of Object.entries(sent)) {
      for (let i = 0; i < n; i++) {
        // UDP and TCP, existing names and not (NXDOMAIN counts for its zone too).
        const name = i % 2 === 0 ? zone : `nothere-${i}.${zone}`;
        const r = i % 3 === 0 ? await tcpQuery(dnsPort, query(name, 'SOA', id++)) : await udpQuery(dnsPort, query(name, 'SOA', id++));
        expect(['NOERROR', 'NXDOMAIN']).toContain(r.rcode);
      }
    }
    // Not one of our zones: REFUSED, counted for no zone.
    expect((await udpQuery(dnsPort, query('example.com', 'A', id++))).rcode).toBe('REFUSED');

    const m = await scrape(httpPort);
    const perZone = new Map([...m].flatMap(([series, v]) => {
      const z = /^peregrine_zone_queries_total\{zone="([^"]+)"\}$/.exec(series);
      return z === null ? [] : [[z[1], v] as const];
    }));
    // Two zones have a series of their own, each with exactly its queries; the third is _other.
    expect(perZone.size).toBe(3);
    const own = [...perZone.keys()].filter((z) => z !== '_other');
    expect(own).toHaveLength(2);
    for (const z of own) expect(perZone.get(z)).toBe(sent[z]);
    const rest = Object.keys(sent).find((z) => !own.includes(z))!;
    expect(perZone.get('_other')).toBe(sent[rest]);

    expect([...m.keys()].some((k) => /^peregrine_build_info\{version="[^"]+",node="24\.[^"]+",io="(dgram|mmsg)"\}$/.test(k))).toBe(true);
    for (const zone of Object.keys(sent)) {
      expect(m.get(`peregrine_zone_load_failing{zone="${zone}"}`)).toBe(0);
      expect(m.get(`peregrine_zone_last_success_timestamp_seconds{zone="${zone}"}`)).toBeGreaterThan(1.7e9);
    }
  });
});
