// Catalogs end to end, Peregrine behind Peregrine: the primary generates a catalog of its zone
// directory (--catalog), the secondary consumes it (--catalog-consumer) and serves every member;
// a zone file added to the directory appears downstream, a removed one disappears; the catalog
// serial moves only with membership, and the secondary serves its members again after a restart.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { serial } from '../../reload-harness.ts';
import { freePort, query, startServing, stopServers, udpQuery, waitFor, type Server } from '../../serve-harness.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-catalog-'));
afterEach(stopServers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zone(origin: string, n: number): string {
  return `$ORIGIN ${origin}\n$TTL 300\n@ IN SOA ns1 hostmaster ${n} 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.${n}\n`;
}

async function stop(s: Server): Promise<void> {
  if (s.child.exitCode === null) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
}

async function rcode(port: number, name: string): Promise<string | undefined> {
  return (await udpQuery(port, query(name, 'SOA', 1))).rcode;
}

describe('catalog producer and consumer', () => {
  it('the secondary serves every zone of the primary\'s catalog and follows an addition and a removal', async () => {
    const zones = path.join(dir, 'zones');
    mkdirSync(zones);
    writeFileSync(path.join(zones, 'a.test.zone'), zone('a.test.', 1));
    writeFileSync(path.join(zones, 'b.test.zone'), zone('b.test.', 2));
    const primaryState = mkdtempSync(path.join(dir, 'pstate-'));
    const secState = mkdtempSync(path.join(dir, 'sstate-'));
    const sec = { dns: await freePort(), http: await freePort() };
    const primaryArgs = ['--zone-dir', zones, '--catalog', 'cat.test.', '--allow-transfer', '127.0.0.1/32', '--notify', `127.0.0.1:${sec.dns}`, '--state-dir', primaryState, '--workers', '1'];
    const primary = await startServing(primaryArgs);
    const catalogSerial = await serial(primary.dnsPort, 'cat.test.');
    expect(catalogSerial).not.toBeNull();

    const secArgs = ['--catalog-consumer', `cat.test.=127.0.0.1:${primary.dnsPort}`, '--state-dir', secState, '--workers', '1'];
    const secondary = await startServing(secArgs, { dnsPort: sec.dns, httpPort: sec.http });
    await waitFor(async () => (await serial(sec.dns, 'a.test.')) === 1 && (await serial(sec.dns, 'b.test.')) === 2, 'a.test. and b.test. on the secondary', 15_000);
    const www = await udpQuery(sec.dns, query('www.b.test.', 'A', 2));
    expect(www.answers?.map((a) => ('data' in a ? a.data : null))).toEqual(['192.0.2.2']);

    writeFileSync(path.join(zones, 'c.test.zone'), zone('c.test.', 3));
    await waitFor(async () => (await serial(sec.dns, 'c.test.')) === 3, 'c.test. added on the secondary', 15_000);
    unlinkSync(path.join(zones, 'a.test.zone'));
    await waitFor(async () => (await rcode(sec.dns, 'a.test.')) === 'REFUSED', 'a.test. removed on the secondary', 15_000);
    expect(secondary.s.logs.some((l) => l.event === 'catalog_applied' && (l.removed as string[]).includes('a.test.'))).toBe(true);
    const twoChanges = await serial(primary.dnsPort, 'cat.test.');
    expect(twoChanges).toBe((catalogSerial! + 2) >>> 0);

    // A restart of the primary with the same zones keeps the catalog's serial.
    await stop(primary.s);
    const again = await startServing(primaryArgs, { dnsPort: primary.dnsPort });
    expect(await serial(again.dnsPort, 'cat.test.')).toBe(twoChanges);

    // A restart of the secondary with the primary gone: the members come back from the state dir.
    await stop(again.s);
    await stop(secondary.s);
    const back = await startServing(secArgs);
    await waitFor(async () => (await serial(back.dnsPort, 'b.test.')) === 2 && (await serial(back.dnsPort, 'c.test.')) === 3, 'members after a restart', 15_000);
    expect(await rcode(back.dnsPort, 'a.test.')).toBe('REFUSED');
  }, 90_000);
});
