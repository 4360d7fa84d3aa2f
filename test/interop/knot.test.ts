// Interop: Peregrine must answer every query of the corpus exactly as Knot DNS does,
// section by section (helpers/compare.ts lists the compared fields). Both servers
// run on 127.0.0.1 with free ports, serving the same zone files.
//
// Run: npm run test:interop   (needs knotd and kdig on PATH)
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALL_ZONES, EXAMPLE_ZONES, REPO_ROOT, buildCorpus, exampleCorpus, zoneContent } from './corpus.ts';
import { INTEROP_TSIG, axfr, startKnot, type KnotHandle } from './helpers/knotd.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';
import {
  compareServers,
  countQueries,
  formatReport,
  type AcceptedDifference,
  type CorpusCase,
  type QueryResult,
} from './helpers/run.ts';

/**
 * Differences from Knot that are accepted, each with its reason. Anything not
 * listed here fails the suite.
 */
const ACCEPTED: AcceptedDifference[] = [];

let knot: KnotHandle | undefined;
let peregrine: PeregrineHandle | undefined;

beforeAll(async () => {
  knot = await startKnot({ zones: ALL_ZONES, transferKey: INTEROP_TSIG });
  peregrine = await startPeregrine({ root: REPO_ROOT, zones: ALL_ZONES });
}, 60_000);

afterAll(async () => {
  await Promise.all([peregrine?.stop(), knot?.stop()]);
});

function servers(): { knot: KnotHandle; peregrine: PeregrineHandle } {
  if (!knot || !peregrine) throw new Error('servers did not start (see beforeAll)');
  return { knot, peregrine };
}

async function compareAll(cases: CorpusCase[], reportName: string): Promise<QueryResult[]> {
  const s = servers();
  const results = await compareServers(
    { name: 'knotd', port: s.knot.port },
    { name: 'peregrine', port: s.peregrine.port },
    cases,
    ACCEPTED,
  );
  const bad = results.filter((r) => r.diffs.length > 0);
  const accepted = results.filter((r) => r.accepted.length > 0);
  if (accepted.length > 0) {
    const byReason = new Map<string, number>();
    for (const r of accepted) for (const a of r.accepted) byReason.set(a.reason, (byReason.get(a.reason) ?? 0) + 1);
    const lines = [...byReason].map(([reason, n]) => `  ${n} x accepted: ${reason.slice(0, 100)}...`);
    console.log(`${reportName}: ${accepted.length} queries with accepted differences\n${lines.join('\n')}`);
  }
  if (bad.length > 0) {
    const report = formatReport(results, 'knotd', 'peregrine');
    const file = path.join(tmpdir(), `peregrine-interop-${reportName}.txt`);
    writeFileSync(file, report);
    throw new Error(`${report}\n\n(this listing is also in ${file})`);
  }
  return results;
}

describe('Peregrine answers as Knot DNS does', () => {
  test('the corpus has at least 300 queries', () => {
    expect(countQueries(buildCorpus())).toBeGreaterThanOrEqual(300);
  });

  test('fixture zones: every corpus query, section by section', async () => {
    const cases = buildCorpus();
    const results = await compareAll(cases, 'fixtures');
    expect(results.length).toBe(countQueries(cases));
  });

  test.each(EXAMPLE_ZONES.map((z) => [z.origin, z] as const))(
    'bundled example zone %s (examples/): every name and type',
    async (_origin, zone) => {
      const s = servers();
      const content = zoneContent(zone.origin, await axfr(s.knot.port, zone.origin));
      const cases = exampleCorpus([content]);
      expect(countQueries(cases)).toBeGreaterThan(0);
      await compareAll(cases, `example-${zone.origin.replace(/\.$/, '')}`);
    },
  );
});
