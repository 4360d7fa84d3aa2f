// Interop: Peregrine as a secondary of knotd follows 100 one-record changes made on knotd with
// `knotc zone-begin / zone-set|zone-unset / zone-commit` (NOTIFY, then IXFR of one version each),
// applied incrementally (only the templates each change touches are rebuilt). After each change
// Peregrine serves knotd's serial; every 10th, both zones are transferred (AXFR) and compared
// record for record, and the answers for the changed names and a sample of the rest are compared
// with knotd's, section by section.
//
// Run: npx vitest run --project interop test/interop/incremental-secondary.test.ts
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { REPO_ROOT, exampleCorpus, zoneContent } from './corpus.ts';
import { startKnot, type ZoneRecord } from './helpers/knotd.ts';
import { startPeregrine } from './helpers/peregrine.ts';
import { freePort } from '../helpers/ports.ts';
import { compareServers, formatReport, type AcceptedDifference } from './helpers/run.ts';
import { soaSerialOf, waitFor } from './helpers/transfer.ts';
import { kdig, recordLines } from '../transfer/kdig.ts';

const ORIGIN = 'inc.test.';
const NAMES = 10_000;
const CHANGES = 100;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const ACCEPTED: AcceptedDifference[] = [
  { label: /^tcp noedns \S*[A-Z]\S* IN ANY$/, field: 'case', reason: 'ANY asked in upper case: knotd echoes the case of the question in some compressed names, Peregrine the zone\'s' },
];

function zoneText(): string {
  const lines = [
    `$ORIGIN ${ORIGIN}`, '$TTL 300',
    '@ SOA ns1 hostmaster 1 3600 600 86400 60', '@ NS ns1', '@ NS ns2', '@ MX 10 mail',
    'ns1 A 192.0.2.1', 'ns2 A 192.0.2.2', 'mail A 192.0.2.3', '*.wild A 192.0.2.4', 'www CNAME host1', 'alias CNAME mail',
  ];
  for (let i = 0; i < NAMES; i++) {
    lines.push(`host${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    if (i % 4 === 0) lines.push(`host${i} AAAA fd00::${i.toString(16)}`);
    if (i % 100 === 0) lines.push(`sub${i} NS ns.sub${i}`, `ns.sub${i} A 10.200.${(i >> 8) & 255}.${i & 255}`);
  }
  return lines.join('\n') + '\n';
}

function knotc(knot: { config: string; dir: string }, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('knotc', ['-c', knot.config, '-s', path.join(knot.dir, 'knot.sock'), ...args], (err, out, errOut) =>
      err ? reject(new Error(`knotc ${args.join(' ')}: ${err.message} ${out}${errOut}`)) : resolve(out),
    );
  });
}

/** The zone by AXFR from a server, as sorted presentation lines (owner lowercased). */
async function axfrLines(port: number): Promise<string[]> {
  const out = await kdig(['@127.0.0.1', '-p', String(port), ORIGIN, 'AXFR', '+noall', '+answer']);
  const lines = recordLines(out.out).map((l) => {
    const [owner, ...rest] = l.split(' ');
    return [owner.toLowerCase(), ...rest].join(' ');
  });
  // AXFR begins and ends with the SOA: once is enough.
  return [...new Set(lines)].sort();
}

/** One change: add, remove or rewrite one record (a host address, glue, the MX target's address, a wildcard). */
function changeFor(i: number): string[] {
  const n = (i * 37) % NAMES;
  switch (i % 5) {
    case 0: return ['zone-set', ORIGIN, `new${i}`, '300', 'A', `192.0.2.${i % 250}`];
    case 1: return ['zone-unset', ORIGIN, `host${n}`, 'A'];
    case 2: return ['zone-set', ORIGIN, `ns.sub${(i % 100) * 100}`, '300', 'AAAA', `fd00:200::${i.toString(16)}`];
    case 3: return ['zone-set', ORIGIN, 'mail', '300', 'AAAA', `fd00:25::${i.toString(16)}`];
    default: return ['zone-set', ORIGIN, `x${i}.wild`, '300', 'TXT', `"change ${i}"`];
  }
}

test(`${CHANGES} one-record changes on knotd reach Peregrine by IXFR, applied incrementally, equal record for record`, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-inc-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'inc.test.zone');
  writeFileSync(file, zoneText());
  const port = await freePort();
  const knot = await startKnot({ zones: [{ origin: ORIGIN, file }], transfer: { notifyPort: port } });
  cleanup.push(() => knot.stop());
  const config = path.join(dir, 'peregrine.yaml');
  writeFileSync(config, ['allow-transfer: 127.0.0.1/32', 'secondary:', `  - { origin: ${ORIGIN}, primaries: ["127.0.0.1:${knot.port}"] }`].join('\n') + '\n');
  const peregrine = await startPeregrine({ root: REPO_ROOT, zones: [], port, extraArgs: ['--config', config, '--state-dir', path.join(dir, 'state'), '--workers', '1'] });
  cleanup.push(() => peregrine.stop());
  await waitFor(async () => (await soaSerialOf(peregrine.port, ORIGIN)) === 1, 'the first transfer', 60_000);

  const changed = new Set<string>();
  for (let i = 1; i <= CHANGES; i++) {
    const serial = await soaSerialOf(knot.port, ORIGIN);
    await knotc(knot, 'zone-begin', ORIGIN);
    const change = changeFor(i);
    await knotc(knot, ...change);
    await knotc(knot, 'zone-commit', ORIGIN);
    changed.add(`${change[2]}.${ORIGIN}`.toLowerCase());
    const next = await soaSerialOf(knot.port, ORIGIN);
    expect(next).not.toBe(serial);
    await waitFor(async () => (await soaSerialOf(peregrine.port, ORIGIN)) === next, `Peregrine serving serial ${next}`, 30_000)
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${peregrine.output().split('\n').filter((l) => /notify|refresh|zone_|error|warn/i.test(l)).slice(-6).join('\n')}`);
      });
    if (i % 10 !== 0) continue;
    const [theirs, ours] = await Promise.all([axfrLines(knot.port), axfrLines(peregrine.port)]);
    expect(ours.length).toBeGreaterThan(NAMES);
    expect(ours).toEqual(theirs);
    // Answers: every changed name and 40 others, each type of the corpus.
    const sample = theirs.map((l) => l.split(' ')).filter(([owner], k) => changed.has(owner) || k % Math.floor(theirs.length / 40) === 0)
      .map(([owner, ttl, rrclass, type, ...rdata]): ZoneRecord => ({ owner, ttl: Number(ttl), rrclass, type, rdata: rdata.join(' ') }));
    const cases = exampleCorpus([zoneContent(ORIGIN, sample)]);
    const results = await compareServers({ name: 'knotd', port: knot.port }, { name: 'peregrine', port: peregrine.port }, cases, ACCEPTED);
    if (results.some((r) => r.diffs.length > 0)) throw new Error(formatReport(results, 'knotd', 'peregrine'));
  }
  const transfers = peregrine.output().split('\n').filter((l) => l.includes('"event":"zone_transferred"') && l.includes('IXFR'));
  expect(transfers.length).toBeGreaterThanOrEqual(CHANGES);
  // Every IXFR was applied incrementally (full compiles that drop garbage run apart, not as a transfer).
  expect(transfers.filter((l) => l.includes('"compile":"incremental"')).length).toBe(transfers.length);
}, 600_000);
