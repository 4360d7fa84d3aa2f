// Interop: named 9.18 as an XoT secondary of Peregrine (RFC 9103): named transfers the zone from
// Peregrine's --tls-listen port (`primaries { … tls ephemeral; }`: encrypted, no certificate
// check), then follows a new serial; Peregrine's log shows the transfers came over TLS.
//
// Run: npx vitest run --project interop test/interop/fleet-xot.test.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from './corpus.ts';
import { startPeregrine } from './helpers/peregrine.ts';
import { spawnServer, zonesReady, type ServerHandle } from './helpers/process.ts';
import { soaSerialOf, waitFor } from './helpers/transfer.ts';
import { freePort } from '../helpers/ports.ts';

const ORIGIN = 'xot.test.';
const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-fleet-xot-'));
const running: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function zone(n: number): string {
  return `$ORIGIN ${ORIGIN}\n$TTL 300\n@ IN SOA ns1 hostmaster ${n} 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.${n}\n`;
}

describe('named as an XoT secondary of Peregrine', () => {
  test('transfers over TLS and follows a new serial', async () => {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=xot.test'], { stdio: 'ignore' });
    const zoneFile = path.join(dir, 'xot.test.zone');
    writeFileSync(zoneFile, zone(1));
    const [tlsPort, namedPort] = [await freePort(), await freePort()];
    const peregrine = await startPeregrine({
      root: REPO_ROOT, zones: [{ origin: ORIGIN, file: zoneFile }], timeoutMs: 60_000,
      extraArgs: ['--tls-listen', `127.0.0.1:${tlsPort}`, '--tls-cert', cert, '--tls-key', key, '--allow-transfer', '127.0.0.1/32', '--notify', `127.0.0.1:${namedPort}`],
    });
    running.push(peregrine);
    const ndir = mkdtempSync(path.join(dir, 'named-'));
    const q = (s: string) => JSON.stringify(s);
    const conf = path.join(ndir, 'named.conf');
    writeFileSync(conf, [
      'options {', `  directory ${q(ndir)};`, `  pid-file ${q(path.join(ndir, 'named.pid'))};`, `  session-keyfile ${q(path.join(ndir, 'session.key'))};`,
      `  managed-keys-directory ${q(ndir)};`, `  listen-on port ${namedPort} { 127.0.0.1; };`, '  listen-on-v6 { none; };', '  recursion no;', '  dnssec-validation no;', '  notify no;', '};',
      'controls { };',
      // Peregrine's NOTIFY comes from its own UDP socket, not from the TLS port: allow it.
      `zone ${q(ORIGIN)} { type secondary; primaries { 127.0.0.1 port ${tlsPort} tls ephemeral; }; allow-notify { 127.0.0.1; }; file "xot.db"; };`,
    ].join('\n') + '\n');
    const proc = spawnServer('named', ['-g', '-n', '1', '-c', conf], { cwd: ndir });
    const named: ServerHandle = { name: 'named', port: namedPort, output: proc.output, stop: await zonesReady('named', proc, namedPort, ndir, { zones: [{ origin: ORIGIN }], timeoutMs: 20_000 }) };
    running.push(named);
    expect(await soaSerialOf(named.port, ORIGIN)).toBe(1);

    writeFileSync(zoneFile, zone(2));
    await waitFor(async () => (await soaSerialOf(named.port, ORIGIN)) === 2, 'named fetching serial 2 over TLS', 20_000);
    // From the TLS port (Peregrine speaks only TLS there): the transfers went over TLS.
    expect(named.output()).toMatch(new RegExp(`transfer of 'xot\\.test/IN' from 127\\.0\\.0\\.1#${tlsPort}: Transfer completed: .*\\(serial 2\\)`));
    expect(peregrine.output()).toMatch(/"event":"transfer","zone":"xot\.test\."/);
  }, 90_000);
});
