// Interop: knotd and NSD as secondaries of Peregrine. Both transfer the fixture zone from
// Peregrine (knotd with TSIG hmac-sha256, NSD without), answer every name and type of it as
// Peregrine does, and fetch a new serial within 3 s of Peregrine serving it (Peregrine's NOTIFY).
// A second zone, from a zone directory whose notify list names NSD alone, is not NSD's: NSD
// refuses its NOTIFY, and Peregrine takes that answer as final (one NOTIFY, never resent), as
// BIND and Knot do; knotd never hears of that zone.
//
// Run: npx vitest run --project interop test/interop/transfer-secondaries.test.ts
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURES, REPO_ROOT, exampleCorpus, zoneContent } from './corpus.ts';
import { axfr, startKnot, type AlgorithmKey, type KnotHandle } from './helpers/knotd.ts';
import { startNsd } from './helpers/nsd.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';
import { freePort } from '../helpers/ports.ts';
import type { ServerHandle } from './helpers/process.ts';
import { compareServers, formatReport, type AcceptedDifference } from './helpers/run.ts';
import { soaSerialOf, waitFor } from './helpers/transfer.ts';

const ORIGIN = 'interop.test.';
const KEY: AlgorithmKey = { name: 'xfr-knot', algorithm: 'hmac-sha256', secret: Buffer.from('peregrine to knotd, test only').toString('base64') };

/** NSD answers differently from Knot (and so from Peregrine) outside the answer data: compare rcode and answer only. */
const NSD_ACCEPTED: AcceptedDifference[] = [
  { label: /./, field: /^(?!rcode$|answer$|response$)/, reason: 'NSD vs Peregrine: only the rcode and the answer section (the zone data) are compared' },
  { label: / ANY( |$)/, field: 'answer', reason: 'NSD answers ANY with every RRset, Peregrine (as Knot) with one (RFC 8482)' },
];

/**
 * knotd compresses some names of upper-case ANY answers against the question (so they come back in
 * the case asked), where Peregrine points them at the zone's own copy: the same names and data,
 * another letter case (found by this name×type corpus, which knot.test.ts only runs on examples/).
 */
const KNOT_ACCEPTED: AcceptedDifference[] = [
  { label: /^tcp noedns \S*[A-Z]\S* IN ANY$/, field: 'case', reason: 'ANY asked in upper case: knotd echoes the case of the question in some compressed names, Peregrine the zone\'s' },
];

let dir: string;
let zoneFile: string;
let peregrine: PeregrineHandle;
let knot: KnotHandle;
let nsd: ServerHandle & { dir: string };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'peregrine-xfr-out-'));
  zoneFile = path.join(dir, 'interop.test.zone');
  copyFileSync(path.join(FIXTURES, 'interop.test.zone'), zoneFile);
  const knotPort = await freePort();
  const nsdPort = await freePort();
  const config = path.join(dir, 'peregrine.yaml');
  mkdirSync(path.join(dir, 'other'));
  writeFileSync(path.join(dir, 'other', 'other.test.zone'), '$TTL 300\n@ SOA ns1.other.test. h.other.test. 7 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.7\n');
  writeFileSync(config, [
    'zone-dir:',
    `  - { dir: other, notify: ["127.0.0.1:${nsdPort}"] }`,
    'tsig-keys:',
    `  - { name: ${KEY.name}, algorithm: ${KEY.algorithm}, secret: "${KEY.secret}" }`,
    'allow-transfer: 127.0.0.1/32',
    'notify:',
    `  - { address: "127.0.0.1:${knotPort}", key: ${KEY.name} }`,
    `  - "127.0.0.1:${nsdPort}"`,
  ].join('\n') + '\n');
  peregrine = await startPeregrine({ root: REPO_ROOT, zones: [{ origin: ORIGIN, file: zoneFile }], extraArgs: ['--config', config] });
  [knot, nsd] = await Promise.all([
    startKnot({ zones: [{ origin: ORIGIN, file: zoneFile }], port: knotPort, transfer: { primaryPort: peregrine.port, key: KEY } }),
    startNsd({ zones: [{ origin: ORIGIN, file: zoneFile }], port: nsdPort, secondaryOf: { primaryPort: peregrine.port } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([knot?.stop(), nsd?.stop(), peregrine?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Every name and type of Peregrine's zone (read back by AXFR), asked of Peregrine and of `other`. */
async function compareZone(other: ServerHandle, accepted: AcceptedDifference[]): Promise<number> {
  const records = await axfr(peregrine.port, ORIGIN, KEY);
  const cases = exampleCorpus([zoneContent(ORIGIN, records)]);
  const ask = (c: typeof cases) => compareServers({ name: other.name, port: other.port }, { name: 'peregrine', port: peregrine.port }, c, accepted);
  let results = await ask(cases);
  // Asked again, up to 3 times, only where they differ: NSD switches to a transferred version by
  // forking a new server process (a query may reach the old one for a moment), and on a busy
  // machine a UDP answer can miss its timeout. Differences in the data remain differences.
  for (let pass = 0; pass < 3 && results.some((r) => r.diffs.length > 0); pass++) {
    await new Promise((r) => setTimeout(r, 500));
    const again = new Set(results.filter((r) => r.diffs.length > 0).map((r) => r.label));
    const redone = new Map((await ask(cases.filter((c) => again.has(c.label)))).map((r) => [r.label, r]));
    results = results.map((r) => redone.get(r.label) ?? r);
  }
  const bad = results.filter((r) => r.diffs.length > 0);
  if (bad.length > 0) throw new Error(formatReport(results, other.name, 'peregrine'));
  return results.length;
}

describe('knotd and NSD as secondaries of Peregrine', () => {
  test('both transferred the zone and answer every name and type as Peregrine does', async () => {
    expect(await soaSerialOf(knot.port, ORIGIN)).toBe(2024010101);
    expect(await soaSerialOf(nsd.port, ORIGIN)).toBe(2024010101);
    expect(await compareZone(knot, KNOT_ACCEPTED)).toBeGreaterThan(300);
    expect(await compareZone(nsd, NSD_ACCEPTED)).toBeGreaterThan(300);
  });

  test('a new serial: Peregrine NOTIFYs, both fetch it within 3 s, and still answer as Peregrine does', async () => {
    const text = readFileSync(zoneFile, 'utf8')
      .replace('2024010101 ; serial', '2024010102 ; serial')
      .replace('; --- apex', 'added-by-test 300 IN A 192.0.2.222\nwww IN TXT "changed by the transfer test"\n; --- apex');
    const tmp = `${zoneFile}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, zoneFile);
    await waitFor(async () => (await soaSerialOf(peregrine.port, ORIGIN)) === 2024010102, 'Peregrine serving the new serial', 10_000);
    const served = Date.now();
    const took: Record<string, number> = {};
    await Promise.all(
      [knot, nsd].map(async (s) => {
        await waitFor(async () => (await soaSerialOf(s.port, ORIGIN)) === 2024010102, `${s.name} fetching serial 2024010102`, 3000);
        took[s.name] = Date.now() - served;
      }),
    );
    console.log(`new serial on the secondaries after Peregrine served it: knotd ${took.knotd} ms, nsd ${took.nsd} ms`);
    expect(peregrine.output()).toMatch(/"event":"notify_acked"/);
    expect(await compareZone(knot, KNOT_ACCEPTED)).toBeGreaterThan(300);
    expect(await compareZone(nsd, NSD_ACCEPTED)).toBeGreaterThan(300);
  });

  test('a NOTIFY NSD rejects (a zone it does not serve) is sent once, logged by its RCODE name, and goes to NSD only', async () => {
    const lines = () => peregrine.output().split('\n').flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    }).filter((l) => l.zone === 'other.test.');
    await waitFor(async () => lines().some((l) => l.event === 'notify_rejected'), 'NSD\'s answer to the NOTIFY of other.test.', 10_000);
    const rejected = lines().find((l) => l.event === 'notify_rejected')!;
    // NSD 4.6 answers NXDOMAIN for a zone it does not have (BIND: NOTAUTH, Knot: NOTAUTH/REFUSED).
    expect(['NXDOMAIN', 'NOTAUTH', 'REFUSED']).toContain(rejected.rcode);
    expect(rejected.target).toBe(`127.0.0.1:${nsd.port}`);
    // Peregrine starts before NSD listens: attempts before NSD's answer may have timed out (and been
    // resent); the answer ends it, whatever attempt it came to. Nothing is sent after it.
    const sent = lines().filter((l) => l.event === 'notify_sent');
    expect(lines().filter((l) => l.event === 'notify_rejected')).toHaveLength(1);
    expect(sent.map((l) => l.attempt)).toEqual(Array.from({ length: rejected.attempt as number }, (_, i) => i + 1));
    expect(lines().at(-1)!.event).toBe('notify_rejected');
    for (const l of sent) expect(l.target).toBe(`127.0.0.1:${nsd.port}`);
  });
});
