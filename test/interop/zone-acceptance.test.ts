// Which zones load: Peregrine against the real knotd (default semantic checks) and nsd, on a set
// of zones that each exercise one check (missing glue, NS/MX/SRV targets that are CNAMEs or have
// no address, CNAME and other data, out-of-zone data, duplicates, TTL mismatch, SOA off the apex,
// DNAME with children, wildcards, …). The rule (issue #17): what knotd and NSD both load,
// Peregrine loads, serves and answers as Knot does, warning where `check` has something to say;
// what either refuses, Peregrine refuses too (an error).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readZone } from '../../src/primary/zone-reader.ts';
import { REPO_ROOT } from './corpus.ts';
import { startKnot, type KnotHandle, type ZoneFile } from './helpers/knotd.ts';
import { startNsd } from './helpers/nsd.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';
import { answersSoa, type ServerHandle } from './helpers/process.ts';
import { compareServers, formatReport, type AcceptedDifference, type CorpusCase } from './helpers/run.ts';

interface Case {
  /** The zone's first label (ORIGIN = `${name}.accept.test.`). */
  name: string;
  /** Records after the common head (SOA, NS ns, ns A). Relative names are relative to the origin. */
  body: string[];
  /** What `peregrine check` says about it: an error, a warning (both matched against the messages), or nothing. */
  check: { error: RegExp } | { warning: RegExp } | 'clean';
  /** The head without its apex NS record. */
  bare?: boolean;
  /** Names (relative) asked about, besides the apex and ns. */
  names?: string[];
}

const CASES: Case[] = [
  { name: 'clean', body: ['www A 192.0.2.2'], check: 'clean', names: ['www', 'nope'] },
  { name: 'missing-glue', body: ['sub NS ns.sub', 'sub NS ns.elsewhere.example.'], check: { warning: /has no glue/ }, names: ['sub', 'ns.sub', 'x.sub'] },
  { name: 'ns-no-address', body: ['@ NS ns2'], check: { warning: /NS 'ns2\.ns-no-address\.accept\.test\.' has no address records/ }, names: ['ns2'] },
  { name: 'ns-cname', body: ['@ NS ns2', 'ns2 CNAME ns'], check: { warning: /NS 'ns2\..*' is a CNAME \(illegal\)/ }, names: ['ns2'] },
  { name: 'mx-cname', body: ['@ MX 10 mx', 'mx CNAME ns'], check: { warning: /MX 'mx\..*' is a CNAME \(illegal\)/ }, names: ['mx'] },
  { name: 'mx-no-address', body: ['@ MX 10 mx', 'mx TXT "no address"'], check: { warning: /MX 'mx\..*' has no address records/ }, names: ['mx'] },
  { name: 'srv-cname', body: ['_x._tcp SRV 0 0 80 tgt', 'tgt CNAME ns'], check: { warning: /SRV 'tgt\..*' is a CNAME \(illegal\)/ }, names: ['_x._tcp', 'tgt'] },
  { name: 'srv-no-address', body: ['_x._tcp SRV 0 0 80 tgt'], check: { warning: /SRV 'tgt\..*' has no address records/ }, names: ['_x._tcp', 'tgt'] },
  { name: 'no-apex-ns', bare: true, body: ['x A 192.0.2.9'], check: { warning: /no NS records at the zone apex/ }, names: ['x'] },
  { name: 'duplicate', body: ['www A 192.0.2.2', 'www A 192.0.2.2'], check: { warning: /duplicate record ignored/ }, names: ['www'] },
  { name: 'ttl-mismatch', body: ['www 300 A 192.0.2.2', 'www 600 A 192.0.2.3'], check: { warning: /TTL 600 of www\..* A differs from TTL 300/ }, names: ['www'] },
  { name: 'ttl-mismatch-down', body: ['www 600 A 192.0.2.2', 'www 900 A 192.0.2.3', 'www 300 A 192.0.2.4'], check: { warning: /differs from TTL 600/ }, names: ['www'] },
  { name: 'cname-other', body: ['www CNAME ns', 'www A 192.0.2.9'], check: { error: /CNAME and other data/ } },
  { name: 'cname-apex', body: ['@ CNAME ns.example.'], check: { error: /CNAME at the zone apex/ } },
  { name: 'two-cnames', body: ['www CNAME ns', 'www CNAME ns.example.'], check: { error: /more than one CNAME/ } },
  { name: 'cname-dname', body: ['www CNAME ns', 'www DNAME example.net.'], check: { error: /CNAME and other data/ } },
  { name: 'out-of-zone', body: ['www.example.org. A 192.0.2.9'], check: { error: /is outside the zone/ } },
  { name: 'soa-off-apex', body: ['www SOA ns h 2 3600 600 86400 300'], check: { error: /not at the zone apex/ } },
  { name: 'two-soa', body: ['@ SOA ns h 2 3600 600 86400 300'], check: { error: /more than one SOA/ } },
  { name: 'dname-children', body: ['d DNAME example.net.', 'x.d A 192.0.2.9'], check: { error: /below the DNAME/ } },
  { name: 'occluded', body: ['sub NS ns.sub', 'ns.sub A 192.0.2.5', 'x.sub A 192.0.2.6'], check: 'clean', names: ['sub', 'ns.sub', 'x.sub'] },
  { name: 'cname-loop', body: ['a CNAME b', 'b CNAME a'], check: 'clean', names: ['a', 'b'] },
  { name: 'wild-ns', body: ['*.w NS ns'], check: { warning: /a wildcard cannot delegate/ }, names: ['x.w', '*.w', 'w'] },
  { name: 'wild-cname-self', body: ['*.s CNAME x.s'], check: { warning: /which the wildcard itself answers: a CNAME loop/ }, names: ['x.s', 'y.s', 's'] },
  { name: 'wild-mx', body: ['*.m MX 10 mx', 'mx A 192.0.2.8'], check: 'clean', names: ['a.m', 'mx'] },
  { name: 'ns-out-of-zone', body: ['@ NS ns.example.org.'], check: 'clean' },
];

const origin = (c: Case) => `${c.name}.accept.test.`;
const head = (o: string, bare = false) =>
  [`$ORIGIN ${o}`, '$TTL 300', `@ SOA ns.${o} hostmaster.${o} 1 3600 600 86400 300`, ...(bare ? [] : ['@ NS ns']), 'ns A 192.0.2.1'];

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-accept-'));
const zones: ZoneFile[] = CASES.map((c) => {
  const file = path.join(dir, `${c.name}.zone`);
  writeFileSync(file, [...head(origin(c), c.bare), ...c.body, ''].join('\n'));
  return { origin: origin(c), file };
});
const sentinel = zones[0];

let knot: KnotHandle | undefined;
let nsd: ServerHandle | undefined;
let peregrine: PeregrineHandle | undefined;
/** Per zone: does each server serve it. */
const loads = new Map<string, { knot: boolean; nsd: boolean; peregrine: boolean }>();

/** Wait until `server` answers the zone's SOA (true) or its log says the load failed (false). */
async function served(server: ServerHandle, o: string, failed: RegExp): Promise<boolean> {
  // Polls like the helpers' readiness waits (process.ts): the servers load zones in the background.
  for (let i = 0; i < 150; i++) {
    if (await answersSoa(server.port, o)) return true;
    if (failed.test(server.output())) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${server.name} neither served ${o} nor said it failed. Output:\n${server.output()}`);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  // Knot's default semantic checks (mandatory only), as a knotd.conf that says nothing about them.
  knot = await startKnot({ zones, ready: [sentinel], semanticChecks: false });
  nsd = await startNsd({ zones, ready: [sentinel] });
  peregrine = await startPeregrine({ root: REPO_ROOT, zones, ready: [sentinel] });
  for (const z of zones) {
    loads.set(z.origin, {
      knot: await served(knot, z.origin, new RegExp(`\\[${escape(z.origin)}\\] zone event 'load' failed`)),
      nsd: await served(nsd, z.origin, new RegExp(`zone ${escape(z.origin)} file .* read with [1-9]\\d* errors`)),
      // Peregrine has loaded every zone it will before it serves (start resolves first).
      peregrine: await answersSoa(peregrine.port, z.origin),
    });
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([knot?.stop(), nsd?.stop(), peregrine?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('zone acceptance: Peregrine vs knotd and nsd', () => {
  test('Peregrine serves a zone exactly when knotd and nsd both serve it', () => {
    const table = CASES.map((c) => ({ zone: c.name, ...loads.get(origin(c))! }));
    const wrong = table.filter((r) => r.peregrine !== (r.knot && r.nsd));
    expect(wrong, JSON.stringify(table, null, 1)).toEqual([]);
    // The set is not trivial: each outcome occurs.
    expect(table.filter((r) => r.knot && r.nsd).length).toBeGreaterThan(10);
    expect(table.filter((r) => !r.knot && !r.nsd).length).toBeGreaterThan(3);
    expect(table.filter((r) => r.knot !== r.nsd).length).toBeGreaterThan(0);
  });

  test.each(CASES)('check of $name: errors where a peer refuses, warnings where both serve', (c) => {
    const z = zones[CASES.indexOf(c)];
    const r = readZone(z.file, z.origin);
    const errors = r.ok ? [] : r.errors.map((e) => e.message);
    const warnings = r.warnings.map((w) => w.message);
    if (c.check === 'clean') {
      expect({ errors, warnings }).toEqual({ errors: [], warnings: [] });
    } else if ('error' in c.check) {
      expect(errors.some((m) => (c.check as { error: RegExp }).error.test(m)), errors.join('\n')).toBe(true);
    } else {
      expect(errors).toEqual([]);
      expect(warnings.some((m) => (c.check as { warning: RegExp }).warning.test(m)), warnings.join('\n')).toBe(true);
    }
    const l = loads.get(z.origin)!;
    expect(r.ok).toBe(l.knot && l.nsd);
  });

  test('wherever both serve, Peregrine answers as Knot does', async () => {
    const types = ['A', 'AAAA', 'NS', 'SOA', 'MX', 'SRV', 'CNAME', 'TXT', 'DS', 'ANY'];
    const cases: CorpusCase[] = [];
    for (const c of CASES) {
      const o = origin(c);
      const l = loads.get(o)!;
      if (!(l.knot && l.nsd)) continue;
      for (const n of ['@', 'ns', ...(c.names ?? [])]) {
        const name = n === '@' ? o : `${n}.${o}`;
        for (const type of types) {
          cases.push({ label: `udp ${name} IN ${type}`, transport: 'udp', queries: [{ name, type, edns: { udpPayloadSize: 1232 } }] });
        }
      }
    }
    // Two zones that `check` warns about, where Peregrine answers otherwise than Knot (and NSD otherwise again).
    const accepted: AcceptedDifference[] = [
      {
        label: /\.w\.wild-ns\.accept\.test\. /,
        field: 'authority',
        reason: 'NS at a wildcard (RFC 4592 §4.2 says it cannot delegate): Knot refers with the literal *.w owner, Peregrine with the query name; check warns',
      },
      {
        label: /\.s\.wild-cname-self\.accept\.test\. /,
        field: /^answer/,
        reason: 'a wildcard CNAME whose target the wildcard itself answers (a loop): Knot repeats the CNAME once more before it stops, Peregrine stops at once; check warns',
      },
    ];
    const results = await compareServers({ name: 'knotd', port: knot!.port }, { name: 'peregrine', port: peregrine!.port }, cases, accepted);
    expect(results.length).toBe(cases.length);
    const bad = results.filter((r) => r.diffs.length > 0);
    if (bad.length > 0) throw new Error(formatReport(results, 'knotd', 'peregrine'));
  });
});
