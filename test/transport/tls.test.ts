// DNS over TLS (--tls-listen): dig +tls gets the workers' answers, AXFR goes over the same port
// (XoT), the certificate is replaced on SIGHUP for new connections while an open one keeps
// answering, and a bad pair stops the start.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import dnsPacket from 'dns-packet';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, startServer, startServing, stopServers, waitFor } from '../serve-harness.ts';
import { recordLines, run } from '../transfer/kdig.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-tls-'));
afterEach(stopServers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed P-256 certificate for CN `name`; returns the file paths. */
function certificate(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { cert, key };
}

/** A TLS connection to the DoT port (no verification: self-signed), with ALPN dot. */
function connect(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['dot'] }, () => resolve(s));
    s.once('error', reject);
  });
}

/** One framed query over an open connection, its answer decoded. */
function ask(s: tls.TLSSocket, name: string, id: number): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        s.off('data', onData);
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(dnsPacket.streamEncode({ type: 'query', id, questions: [{ type: 'A', name }] }));
  });
}

describe('DNS over TLS', () => {
  it('answers dig +tls, serves AXFR over it, and takes a new certificate on SIGHUP without dropping connections', async () => {
    const first = certificate('first.test');
    const tlsPort = await freePort();
    const args = ['--zone-dir', 'examples', '--workers', '1', '--allow-transfer', '127.0.0.1/32', '--tls-listen', `127.0.0.1:${tlsPort}`, '--tls-cert', first.cert, '--tls-key', first.key];
    const { s } = await startServing(args);
    const soa = await run('dig', ['+tls', '@127.0.0.1', '-p', String(tlsPort), 'shop.example.', 'SOA', '+short']);
    expect(soa.out.trim()).toBe('ns1.shop.example. root.shop.example. 2013051501 28800 14400 3500000 86400');
    const axfr = await run('dig', ['+tls', '@127.0.0.1', '-p', String(tlsPort), 'shop.example.', 'AXFR', '+nocomments', '+nostats']);
    const lines = recordLines(axfr.out);
    expect(lines[0]).toMatch(/SOA/);
    expect(lines.at(-1)).toBe(lines[0]);
    expect(lines.length).toBeGreaterThan(5);

    const open = await connect(tlsPort);
    expect(open.alpnProtocol).toBe('dot');
    expect(open.getPeerCertificate().subject.CN).toBe('first.test');
    expect((await ask(open, 'localhost.', 1)).answers?.[0]).toMatchObject({ type: 'A', data: '127.0.0.1' });

    // Same files, new contents (as a certificate renewal does), then SIGHUP.
    const second = certificate('second.test');
    execFileSync('cp', [second.cert, first.cert]);
    execFileSync('cp', [second.key, first.key]);
    s.child.kill('SIGHUP');
    await waitFor(() => s.logs.some((l) => l.event === 'tls_reloaded'), 'tls_reloaded logged');
    await waitFor(async () => {
      const fresh = await connect(tlsPort);
      const cn = fresh.getPeerCertificate().subject.CN;
      fresh.destroy();
      return cn === 'second.test';
    }, 'a new connection gets the new certificate');
    // The connection opened before the reload still answers.
    expect((await ask(open, 'localhost.', 2)).answers?.[0]).toMatchObject({ type: 'A', data: '127.0.0.1' });
    open.destroy();
  }, 40_000);

  it('does not start with a key that does not match the certificate', async () => {
    const a = certificate('a.test');
    const b = certificate('b.test');
    const s = startServer(['--zone-dir', 'examples', '--workers', '1', '--listen', `127.0.0.1:${await freePort()}`, '--http', `127.0.0.1:${await freePort()}`,
      '--tls-listen', `127.0.0.1:${await freePort()}`, '--tls-cert', a.cert, '--tls-key', b.key]);
    expect(await s.exited).toBe(1);
    expect(s.logs.find((l) => l.event === 'tls_error')).toMatchObject({ code: 'PGN_ERR_TLS' });
  }, 40_000);
});
