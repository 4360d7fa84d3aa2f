// Interop: Peregrine must answer every query of the corpus exactly as Knot DNS does,
// section by section (helpers/compare.ts lists the compared fields). Both servers
// run on 127.0.0.1 with free ports, serving the same zone files.
//
// Run: npm run test:interop   (needs knotd and kdig on PATH)
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALL_ZONES, EXAMPLE_ZONES, buildCorpus, exampleCorpus, zoneContent } from './corpus.ts';
import { INTEROP_TSIG, axfr } from './helpers/knotd.ts';
import { countQueries, type AcceptedDifference } from './helpers/run.ts';
import { compareAll, startBoth, type Servers } from './helpers/versus-knot.ts';

/**
 * Differences from Knot that are accepted, each with its reason. Anything not
 * listed here fails the suite.
 */
const ACCEPTED: AcceptedDifference[] = [
  {
    label: / interop\.test\. IN (AXFR|IXFR)$/,
    field: 'rcode',
    reason: 'a transfer the ACL does not allow: Peregrine answers REFUSED (as BIND and NSD do, and as --allow-transfer documents), Knot NOTAUTH',
  },
  {
    label: 'udp raw: OPT with a client cookie (option 10, 8 bytes)',
    field: 'opt.options',
    reason: 'DNS cookies: Peregrine always answers them (as BIND does; a random secret without --cookie-secret-file), this knotd runs without mod-cookies; cookies.test.ts compares both with mod-cookies',
  },
];

// Every comparison runs once per UDP I/O mode: Node's dgram and the batched mmsg addon must
// answer byte for byte alike (the addon only moves bytes). Without the addon, mmsg fails here.
describe.each(['dgram', 'mmsg'] as const)('Peregrine (--io %s) answers as Knot DNS does', (io) => {
  let started: Servers | undefined;

  beforeAll(async () => {
    started = await startBoth(ALL_ZONES, { transferKey: INTEROP_TSIG, io });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([started?.peregrine.stop(), started?.knot.stop()]);
  });

  function servers(): Servers {
    if (!started) throw new Error('servers did not start (see beforeAll)');
    return started;
  }

  test(`serves with --io ${io}`, () => {
    expect(servers().peregrine.output()).toMatch(new RegExp(`"event":"io","io":"${io}"`));
  });

  test('the corpus has at least 300 queries', () => {
    expect(countQueries(buildCorpus())).toBeGreaterThanOrEqual(300);
  });

  test('fixture zones: every corpus query, section by section', async () => {
    const cases = buildCorpus();
    const results = await compareAll(servers(), cases, ACCEPTED, `fixtures-${io}`);
    expect(results.length).toBe(countQueries(cases));
  });

  test.each(EXAMPLE_ZONES.map((z) => [z.origin, z] as const))(
    'bundled example zone %s (examples/): every name and type',
    async (_origin, zone) => {
      const s = servers();
      const content = zoneContent(zone.origin, await axfr(s.knot.port, zone.origin));
      const cases = exampleCorpus([content]);
      expect(countQueries(cases)).toBeGreaterThan(0);
      await compareAll(s, cases, ACCEPTED, `example-${zone.origin.replace(/\.$/, '')}-${io}`);
    },
  );
});
