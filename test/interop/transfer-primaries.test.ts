// Interop: Peregrine as a secondary of knotd and of named (BIND 9), without TSIG and with it
// (hmac-sha512 and hmac-sha256, and hmac-sha1 for old peers). Peregrine transfers the fixture
// zone by AXFR, answers every name and type of it as the primary does, then follows an edit on
// the primary: NOTIFY, and IXFR (both primaries keep the differences between versions).
//
// Run: npx vitest run --project interop test/interop/transfer-primaries.test.ts
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { FIXTURES, REPO_ROOT, exampleCorpus, zoneContent } from './corpus.ts';
import { startKnot, type AlgorithmKey, type KnotHandle } from './helpers/knotd.ts';
import { startNamed, type NamedHandle } from './helpers/named.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';
import { freePort } from '../helpers/ports.ts';
import type { ServerHandle } from './helpers/process.ts';
import { compareServers, formatReport, type AcceptedDifference } from './helpers/run.ts';
import { soaSerialOf, waitFor } from './helpers/transfer.ts';
import { kdig, recordLines } from '../transfer/kdig.ts';

const ORIGIN = 'interop.test.';
const SERIAL = 2024010101;

const key = (algorithm: string): AlgorithmKey => ({ name: `xfr-${algorithm}`, algorithm, secret: Buffer.from(`peregrine secondary ${algorithm} test`).toString('base64') });

/** See transfer-secondaries.test.ts: the letter case of names compressed against an upper-case ANY question. */
const KNOT_ACCEPTED: AcceptedDifference[] = [
  { label: /^tcp noedns \S*[A-Z]\S* IN ANY$/, field: 'case', reason: 'ANY asked in upper case: knotd echoes the case of the question in some compressed names, Peregrine the zone\'s' },
];
/** named answers differently from Knot (and so from Peregrine) beyond the zone data: compare rcode and answer. */
const NAMED_ACCEPTED: AcceptedDifference[] = [
  { label: /./, field: /^(?!rcode$|answer$|response$)/, reason: 'named vs Peregrine: only the rcode and the answer section (the zone data) are compared' },
  { label: / ANY( |$)/, field: 'answer', reason: 'named answers ANY with every RRset, Peregrine (as Knot) with one (RFC 8482)' },
  { label: / (loop1|loop2|self)\.interop\.test\. /, field: 'rcode', reason: 'CNAME loop: named answers SERVFAIL ("max. restarts reached"), Peregrine (as Knot) NOERROR; the same records' },
];

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Primary {
  server: ServerHandle;
  /** Rewrite the zone with `text` and have the primary load it (it then NOTIFYs). */
  update(text: string): Promise<void>;
  accepted: AcceptedDifference[];
}

async function knotPrimary(dir: string, notifyPort: number, k: AlgorithmKey | undefined): Promise<Primary> {
  const file = path.join(dir, 'interop.test.zone');
  copyFileSync(path.join(FIXTURES, 'interop.test.zone'), file);
  const knot: KnotHandle = await startKnot({ zones: [{ origin: ORIGIN, file }], transfer: { notifyPort, key: k } });
  cleanup.push(() => knot.stop());
  return {
    server: knot,
    accepted: KNOT_ACCEPTED,
    async update(text) {
      writeFileSync(file, text);
      await new Promise<void>((resolve, reject) => {
        execFile('knotc', ['-c', knot.config, '-s', path.join(knot.dir, 'knot.sock'), 'zone-reload', ORIGIN], (err, out, errOut) =>
          err ? reject(new Error(`knotc zone-reload: ${err.message} ${out}${errOut}`)) : resolve(),
        );
      });
    },
  };
}

async function namedPrimary(_dir: string, notifyPort: number, k: AlgorithmKey | undefined): Promise<Primary> {
  const named: NamedHandle = await startNamed({ zones: [{ origin: ORIGIN, file: path.join(FIXTURES, 'interop.test.zone') }], notifyPort, key: k });
  cleanup.push(() => named.stop());
  return {
    server: named,
    accepted: NAMED_ACCEPTED,
    async update(text) {
      writeFileSync(named.zoneFile(ORIGIN), text);
      named.reload();
    },
  };
}

async function compareZone(primary: Primary, peregrine: PeregrineHandle, k: AlgorithmKey | undefined): Promise<number> {
  // The names to ask come from Peregrine's own copy (allowed by key or by --allow-transfer).
  const out = await kdig([...(k ? ['-y', `${k.algorithm}:${k.name}:${k.secret}`] : []), '@127.0.0.1', '-p', String(peregrine.port), ORIGIN, 'AXFR', '+noall', '+answer']);
  const records = recordLines(out.out).map((l) => {
    const [owner, ttl, rrclass, type, ...rdata] = l.split(' ');
    return { owner, ttl: Number(ttl), rrclass, type, rdata: rdata.join(' ') };
  });
  expect(records.length).toBeGreaterThan(100);
  const cases = exampleCorpus([zoneContent(ORIGIN, records)]);
  const ask = (c: typeof cases) => compareServers({ name: primary.server.name, port: primary.server.port }, { name: 'peregrine', port: peregrine.port }, c, primary.accepted);
  let results = await ask(cases);
  // A UDP answer that missed its timeout on a busy machine is asked again (only those).
  for (let pass = 0; pass < 3 && results.some((r) => r.diffs.some((d) => d.field === 'response')); pass++) {
    const again = new Set(results.filter((r) => r.diffs.length > 0).map((r) => r.label));
    const redone = new Map((await ask(cases.filter((c) => again.has(c.label)))).map((r) => [r.label, r]));
    results = results.map((r) => redone.get(r.label) ?? r);
  }
  if (results.some((r) => r.diffs.length > 0)) throw new Error(formatReport(results, primary.server.name, 'peregrine'));
  return results.length;
}

const CASES = [
  { primary: 'knotd', start: knotPrimary, key: undefined },
  { primary: 'knotd', start: knotPrimary, key: key('hmac-sha512') },
  { primary: 'named', start: namedPrimary, key: key('hmac-sha256') },
  { primary: 'named', start: namedPrimary, key: key('hmac-sha1') },
  { primary: 'named', start: namedPrimary, key: undefined },
];

describe('Peregrine as a secondary', () => {
  test.each(CASES.map((c) => [c.primary, c.key?.algorithm ?? 'no TSIG', c] as const))(
    'of %s (%s): AXFR, every name and type as the primary answers it, then NOTIFY and IXFR',
    async (_name, _alg, c) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-xfr-in-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const port = await freePort();
      const primary = await c.start(dir, port, c.key);
      const config = path.join(dir, 'peregrine.yaml');
      writeFileSync(config, [
        ...(c.key ? ['tsig-keys:', `  - { name: ${c.key.name}, algorithm: ${c.key.algorithm}, secret: "${c.key.secret}" }`] : []),
        'allow-transfer: 127.0.0.1/32',
        'secondary:',
        `  - { origin: ${ORIGIN}, primaries: ["127.0.0.1:${primary.server.port}"]${c.key ? `, key: ${c.key.name}` : ''} }`,
      ].join('\n') + '\n');
      const peregrine = await startPeregrine({ root: REPO_ROOT, zones: [], port, extraArgs: ['--config', config, '--state-dir', path.join(dir, 'state')] });
      cleanup.push(() => peregrine.stop());
      expect(await soaSerialOf(peregrine.port, ORIGIN)).toBe(SERIAL);
      expect(peregrine.output()).toMatch(/"event":"zone_transferred".*"how":"AXFR"/);
      expect(await compareZone(primary, peregrine, c.key)).toBeGreaterThan(300);

      const text = readFileSync(path.join(FIXTURES, 'interop.test.zone'), 'utf8')
        .replace(`${SERIAL} ; serial`, `${SERIAL + 1} ; serial`)
        .replace('; --- apex', 'added-by-test 300 IN A 192.0.2.222\n; --- apex')
        .replace('@               IN TXT  "v=spf1 mx -all"', '@               IN TXT  "v=spf1 -all"');
      await primary.update(text);
      await waitFor(async () => (await soaSerialOf(peregrine.port, ORIGIN)) === SERIAL + 1, 'Peregrine serving the new serial', 10_000);
      const transferred = peregrine.output().split('\n').filter((l) => l.includes('"event":"zone_transferred"')).at(-1) ?? '';
      expect(transferred).toMatch(/"how":"IXFR \(1 version\(s\)\)"/);
      expect(peregrine.output()).toMatch(/"event":"notify_received"/);
      expect(await compareZone(primary, peregrine, c.key)).toBeGreaterThan(300);
    },
  );
});
