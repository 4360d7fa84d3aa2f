// Interop: knotd as a secondary of Peregrine across a restart of Peregrine. Peregrine keeps its
// IXFR journal in --state-dir; restarted with a changed zone, it NOTIFYs knotd, which fetches the
// difference by IXFR (its log says so), not the whole zone.
//
// Run: npx vitest run --project interop test/interop/fleet-journal.test.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from './corpus.ts';
import { startKnot, type KnotHandle } from './helpers/knotd.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';
import { freePort } from '../helpers/ports.ts';
import { soaSerialOf, waitFor } from './helpers/transfer.ts';

const ORIGIN = 'journal.test.';
const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-fleet-journal-'));
let peregrine: PeregrineHandle | undefined;
let knot: KnotHandle | undefined;

afterAll(async () => {
  await Promise.all([knot?.stop(), peregrine?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function zone(n: number, hosts: number): string {
  const lines = [`$ORIGIN ${ORIGIN}`, '$TTL 300', `@ IN SOA ns1 hostmaster ${n} 3600 600 86400 300`, '@ IN NS ns1', 'ns1 IN A 192.0.2.1'];
  for (let i = 0; i < hosts; i++) lines.push(`h${i} IN A 198.51.100.${i % 250}`);
  return `${lines.join('\n')}\n`;
}

describe('knotd follows a restarted Peregrine by IXFR', () => {
  test('restart with a changed zone: knotd gets the difference, not the zone', async () => {
    const zoneFile = path.join(dir, 'journal.test.zone');
    writeFileSync(zoneFile, zone(1, 200));
    const [port, httpPort, knotPort] = [await freePort(), await freePort(), await freePort()];
    const extraArgs = ['--allow-transfer', '127.0.0.1/32', '--notify', `127.0.0.1:${knotPort}`, '--state-dir', path.join(dir, 'state')];
    const start = () => startPeregrine({ root: REPO_ROOT, zones: [{ origin: ORIGIN, file: zoneFile }], port, httpPort, extraArgs });
    peregrine = await start();
    knot = await startKnot({ zones: [{ origin: ORIGIN, file: zoneFile }], port: knotPort, transfer: { primaryPort: port } });
    await waitFor(async () => (await soaSerialOf(knot!.port, ORIGIN)) === 1, 'knotd serving serial 1', 10_000);

    await peregrine.stop();
    writeFileSync(zoneFile, zone(2, 201));
    const before = knot.output().length;
    peregrine = await start();
    await waitFor(async () => (await soaSerialOf(knot!.port, ORIGIN)) === 2, 'knotd serving serial 2', 10_000).catch((e) => { console.log(knot!.output().slice(before)); throw e; });
    const log = knot.output().slice(before);
    if (process.env.DEBUG_FLEET) console.log(log);

    expect(log).toMatch(/IXFR, incoming, remote 127\.0\.0\.1@\d+, finished, [0-9.]+ seconds, 1 messages/);
    expect(log).not.toMatch(/AXFR/);
    expect(peregrine.output()).toMatch(/"kind":"ixfr","client":"127\.0\.0\.1","from":1,"serial":2/);
  }, 60_000);
});
