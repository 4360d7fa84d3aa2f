// The secondary role end to end, Peregrine behind Peregrine: AXFR at start, NOTIFY → IXFR, TSIG,
// NOTIFY from strangers refused, the saved copy served at once after a restart, and expiry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { replaceAtomically, serial } from '../reload-harness.ts';
import { freePort, healthz, metricsText, query, startServing, stopServers, udpQuery, waitFor, type Server } from '../serve-harness.ts';
import { run } from './kdig.ts';

const ORIGIN = 'sec.test.';
const KEY = { name: 'sec-key', secret: Buffer.from('secondary test key').toString('base64') };
const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-secondary-'));

function zone(n: number, expire = 86400, extra = ''): string {
  return `$ORIGIN ${ORIGIN}\n$TTL 300\n@ IN SOA ns1 hostmaster ${n} 3600 1 ${expire} 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.${n}\n${extra}`;
}

async function serve(args: string[], ports?: { dns: number; http: number }) {
  const { s, dnsPort, httpPort } = await startServing([...args, '--workers', '1'], { dnsPort: ports?.dns, httpPort: ports?.http });
  return { s, dns: dnsPort, http: httpPort };
}

/** SIGTERM, for a server a test takes away on purpose (the others go in afterEach). */
async function stop(s: Server): Promise<void> {
  if (s.child.exitCode === null) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
}

afterEach(stopServers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('Peregrine as a secondary of Peregrine', () => {
  it('transfers at start, follows NOTIFY with IXFR, saves the zone, serves the saved copy after a restart', async () => {
    const zoneFile = path.join(dir, 'a.zone');
    writeFileSync(zoneFile, zone(1));
    const state = mkdtempSync(path.join(dir, 'state-'));
    const secPorts = { dns: await freePort(), http: await freePort() };
    const primary = await serve(['--zone', `${ORIGIN}=${zoneFile}`, '--allow-transfer', '127.0.0.0/8', '--notify', `127.0.0.1:${secPorts.dns}`]);
    const secondary = await serve(['--secondary', `${ORIGIN}=127.0.0.1:${primary.dns}`, '--state-dir', state], secPorts);
    expect(await serial(secondary.dns, ORIGIN)).toBe(1);
    const www = await udpQuery(secondary.dns, query(`www.${ORIGIN}`, 'A', 5));
    expect(www.answers?.map((a) => ('data' in a ? a.data : null))).toEqual(['192.0.2.1']);
    expect(secondary.s.logs.find((l) => l.event === 'zone_transferred')).toMatchObject({ how: 'AXFR', serial: 1 });

    replaceAtomically(zoneFile, zone(2, 86400, 'new IN TXT "added"\n'));
    await waitFor(async () => (await serial(secondary.dns, ORIGIN)) === 2, 'serial 2 on the secondary', 5000);
    expect(secondary.s.logs.filter((l) => l.event === 'zone_transferred').at(-1)).toMatchObject({ how: 'IXFR (1 version(s))', serial: 2 });
    expect(secondary.s.logs.some((l) => l.event === 'notify_received')).toBe(true);
    expect(primary.s.logs.some((l) => l.event === 'notify_acked')).toBe(true);
    const txt = await udpQuery(secondary.dns, query(`new.${ORIGIN}`, 'TXT', 6));
    expect(txt.answers).toHaveLength(1);
    const saved = (): string => {
      try {
        return readFileSync(path.join(state, 'secondary', 'sec.test.zone'), 'utf8');
      } catch {
        return '';
      }
    };
    // Saved right after every worker serves the new version.
    await waitFor(() => /^new\.sec\.test\. 300 CLASS1 TYPE16 \\# 6 056164646564$/m.test(saved()), 'the saved copy of serial 2', 5000);

    // Restart the secondary with the primary gone: the saved copy serves at once.
    await stop(primary.s);
    await stop(secondary.s);
    const again = await serve(['--secondary', `${ORIGIN}=127.0.0.1:${primary.dns}`, '--state-dir', state]);
    expect(await serial(again.dns, ORIGIN)).toBe(2);
  }, 40_000);

  it('with TSIG: transfers signed; NOTIFY unsigned or from another address is refused', async () => {
    const zoneFile = path.join(dir, 'b.zone');
    writeFileSync(zoneFile, zone(10));
    const keys = ['tsig-keys:', `  - { name: ${KEY.name}, algorithm: hmac-sha512, secret: "${KEY.secret}" }`];
    const primary = await serve(['--config', config('p.yaml', keys), '--zone', `${ORIGIN}=${zoneFile}`]);
    const secondary = await serve(['--config', config('s.yaml', [...keys, 'secondary:', `  - { origin: ${ORIGIN}, primaries: ["127.0.0.1:${primary.dns}"], key: ${KEY.name} }`])]);
    expect(await serial(secondary.dns, ORIGIN)).toBe(10);

    const unsigned = await run('dig', ['+opcode=notify', '+tries=1', '@127.0.0.1', '-p', String(secondary.dns), ORIGIN, 'SOA']);
    expect(unsigned.out).toMatch(/status: REFUSED/);
    const stranger = await run('dig', ['-b', '127.0.0.2', '-y', `hmac-sha512:${KEY.name}:${KEY.secret}`, '+opcode=notify', '+tries=1', '@127.0.0.1', '-p', String(secondary.dns), ORIGIN, 'SOA']);
    expect(stranger.out).toMatch(/status: REFUSED/);
    const signed = await run('dig', ['-y', `hmac-sha512:${KEY.name}:${KEY.secret}`, '+opcode=notify', '+tries=1', '@127.0.0.1', '-p', String(secondary.dns), ORIGIN, 'SOA']);
    expect(signed.out).toMatch(/status: NOERROR/);
    expect(signed.out).not.toMatch(/tsig verify failure/i);
    const metrics = await metricsText(secondary.http);
    expect(metrics).toMatch(/peregrine_notify_total\{zone="sec\.test\.",direction="in",peer="127\.0\.0\.1",result="refused"\} 1/);
    // A sender that is not one of the zone's primaries is not a label value (issue #17).
    expect(metrics).toMatch(/peregrine_notify_total\{zone="sec\.test\.",direction="in",peer="other",result="refused"\} 1/);
    expect(metrics).not.toMatch(/peer="127\.0\.0\.2"/);
    expect(metrics).toMatch(/peregrine_transfers_total\{zone="sec\.test\.",kind="axfr-in",result="ok"\} 1/);
  }, 40_000);

  it('stops answering a zone once it expires without a refresh: SERVFAIL, /healthz 503, DNS health probe SERVFAIL', async () => {
    const zoneFile = path.join(dir, 'c.zone');
    writeFileSync(zoneFile, zone(3, 4));
    const primary = await serve(['--zone', `${ORIGIN}=${zoneFile}`, '--allow-transfer', '127.0.0.1/32']);
    const secondary = await serve(['--secondary', `${ORIGIN}=127.0.0.1:${primary.dns}`]);
    expect(await serial(secondary.dns, ORIGIN)).toBe(3);
    await stop(primary.s);
    await waitFor(async () => (await healthz(secondary.http)) === 503, '/healthz 503 after expiry', 10_000);
    const r = await udpQuery(secondary.dns, query(`www.${ORIGIN}`, 'A', 7));
    expect(r.rcode).toBe('SERVFAIL');
    const probe = await udpQuery(secondary.dns, { type: 'query', id: 8, questions: [{ type: 'TXT', name: 'health.peregrine', class: 'CH' }] });
    expect(probe.rcode).toBe('SERVFAIL');
    expect(secondary.s.logs.some((l) => l.event === 'zone_expired')).toBe(true);
  }, 40_000);
});
