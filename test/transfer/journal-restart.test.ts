// Restarts in a fleet: a primary restarted with a changed zone answers IXFR with the difference
// (its journal is in --state-dir), and a secondary restarted keeps its refresh timer instead of
// asking every primary at once.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { serial } from '../reload-harness.ts';
import { startServing, stopServers, type Server } from '../serve-harness.ts';
import { kdig, recordLines } from './kdig.ts';

const ORIGIN = 'restart.test.';
const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-journal-restart-'));
afterEach(stopServers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zone(n: number, extra = ''): string {
  return `$ORIGIN ${ORIGIN}\n$TTL 300\n@ IN SOA ns1 hostmaster ${n} 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.${n}\n${extra}`;
}

async function stop(s: Server): Promise<void> {
  if (s.child.exitCode === null) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
}

describe('journal across restarts', () => {
  it('a primary restarted with a changed zone answers IXFR from the old serial with the difference', async () => {
    const zoneFile = path.join(dir, 'restart.zone');
    const state = mkdtempSync(path.join(dir, 'state-'));
    writeFileSync(zoneFile, zone(1));
    const args = ['--zone', `${ORIGIN}=${zoneFile}`, '--allow-transfer', '127.0.0.1/32', '--state-dir', state, '--workers', '1'];
    const first = await startServing(args);
    expect(await serial(first.dnsPort, ORIGIN)).toBe(1);
    await stop(first.s);

    writeFileSync(zoneFile, zone(2, 'new IN TXT "while it was down"\n'));
    const second = await startServing(args);
    expect(await serial(second.dnsPort, ORIGIN)).toBe(2);
    const r = await kdig(['@127.0.0.1', '-p', String(second.dnsPort), ORIGIN, 'IXFR=1', '+noall', '+answer']);
    const lines = recordLines(r.out);
    // RFC 1995: new SOA, old SOA, deleted, new SOA, added, new SOA — not the whole zone.
    expect(lines.map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual([
      `${ORIGIN} 300 IN SOA`, `${ORIGIN} 300 IN SOA`, `www.${ORIGIN} 300 IN A`, `${ORIGIN} 300 IN SOA`, `new.${ORIGIN} 300 IN TXT`, `www.${ORIGIN} 300 IN A`, `${ORIGIN} 300 IN SOA`,
    ]);
    expect(lines[1]).toMatch(/ 1 3600 600 86400 300$/);
    expect(lines[2]).toBe(`www.${ORIGIN} 300 IN A 192.0.2.1`);
    expect(lines[5]).toBe(`www.${ORIGIN} 300 IN A 192.0.2.2`);
    expect(second.s.logs.filter((l) => l.event === 'transfer').at(-1)).toMatchObject({ kind: 'ixfr', from: 1, serial: 2 });
  }, 40_000);

  it('a secondary restarted within its refresh time waits for the timer, serving its saved copy', async () => {
    const zoneFile = path.join(dir, 'sec.zone');
    const state = mkdtempSync(path.join(dir, 'state-'));
    writeFileSync(zoneFile, zone(5));
    const primary = await startServing(['--zone', `${ORIGIN}=${zoneFile}`, '--allow-transfer', '127.0.0.1/32', '--workers', '1']);
    const secArgs = ['--secondary', `${ORIGIN}=127.0.0.1:${primary.dnsPort}`, '--state-dir', state, '--workers', '1'];
    const sec = await startServing(secArgs);
    expect(await serial(sec.dnsPort, ORIGIN)).toBe(5);
    await stop(sec.s);
    const again = await startServing(secArgs);
    expect(await serial(again.dnsPort, ORIGIN)).toBe(5);
    const timer = again.s.logs.find((l) => l.event === 'refresh_timer');
    expect(timer).toMatchObject({ zone: ORIGIN });
    // Due SOA refresh (3600 s) after the saved copy was last confirmed (its mtime), not now.
    const confirmed = statSync(path.join(state, 'secondary', 'restart.test.zone')).mtimeMs;
    expect(Date.parse(String(timer!.dueAt))).toBe(Math.floor(confirmed) + 3600_000);
    expect(again.s.logs.some((l) => l.event === 'zone_loaded')).toBe(true);
  }, 40_000);
});
