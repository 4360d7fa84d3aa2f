// The primary role end to end: `peregrine serve` answers AXFR/IXFR to allowed clients (address or
// TSIG key), refuses others, signs and verifies with TSIG, and serves IXFR from its journal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceAtomically, serial } from '../reload-harness.ts';
import { metricsText, startServing, stopServers, waitFor } from '../serve-harness.ts';
import { kdig, recordLines, run } from './kdig.ts';

const KEY = { name: 'xfr-key', secret: Buffer.from('peregrine primary test key').toString('base64') };
const ORIGIN = 'xfr.test.';

function zone(serialNo: number, hosts: number, extra = ''): string {
  const lines = [`$ORIGIN ${ORIGIN}`, '$TTL 300', `@ IN SOA ns1 hostmaster ${serialNo} 3600 600 86400 300`, '@ IN NS ns1', 'ns1 IN A 192.0.2.1', 'www IN A 192.0.2.80', '@ IN TXT "a text with spaces"', 'mail IN MX 10 ns1'];
  for (let i = 0; i < hosts; i++) lines.push(`h${i} IN AAAA 2001:db8::${i.toString(16)}`);
  return `${lines.join('\n')}\n${extra}`;
}

let dir: string;
let file: string;
let port: number;
let httpPort: number;
const y = `hmac-sha256:${KEY.name}:${KEY.secret}`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'peregrine-primary-'));
  file = path.join(dir, 'xfr.test.zone');
  writeFileSync(file, zone(1, 3000));
  const config = path.join(dir, 'peregrine.yaml');
  writeFileSync(config, [
    'tsig-keys:',
    `  - { name: ${KEY.name}, algorithm: hmac-sha256, secret: "${KEY.secret}" }`,
    'allow-transfer: [127.0.0.2/32]',
  ].join('\n') + '\n');
  const started = await startServing(['--config', config, '--zone', file, '--workers', '1']);
  port = started.dnsPort;
  httpPort = started.httpPort;
}, 30_000);

afterAll(() => {
  void stopServers();
  rmSync(dir, { recursive: true, force: true });
});

describe('AXFR and the transfer ACL', () => {
  it('refuses an unsigned AXFR from an address outside --allow-transfer', async () => {
    const r = await kdig(['@127.0.0.1', '-p', String(port), ORIGIN, 'AXFR']);
    expect(r.out).toMatch(/REFUSED/);
  });

  it('serves an unsigned AXFR to an allowed address: every record once, SOA first and last, several messages', async () => {
    const r = await kdig(['-b', '127.0.0.2', '@127.0.0.1', '-p', String(port), ORIGIN, 'AXFR', '+noall', '+answer', '+stats']);
    const lines = recordLines(r.out);
    expect(lines.length).toBe(3000 + 5 + 2);
    expect(lines[0]).toMatch(/^xfr\.test\. 300 IN SOA ns1\.xfr\.test\. hostmaster\.xfr\.test\. 1 /);
    expect(lines.at(-1)).toBe(lines[0]);
    expect(new Set(lines.slice(1, -1)).size).toBe(3000 + 5);
    expect(lines).toContain('xfr.test. 300 IN TXT "a text with spaces"');
    expect(Number(/\((\d+) messages/.exec(r.out)?.[1])).toBeGreaterThan(1);
  });

  it('serves a TSIG-signed AXFR to any address, each message signed (kdig verifies them)', async () => {
    const r = await kdig(['-y', y, '@127.0.0.1', '-p', String(port), ORIGIN, 'AXFR', '+noall', '+answer']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/WARNING|failed|ERROR/i);
    expect(recordLines(r.out).length).toBe(3000 + 5 + 2);
  });

  it('answers NOTAUTH with TSIG error BADSIG to a wrong secret, BADKEY to an unknown key, and counts them', async () => {
    const before = await metricsText(httpPort);
    const wrong = await kdig(['-y', `hmac-sha256:${KEY.name}:${Buffer.from('wrong').toString('base64')}`, '@127.0.0.1', '-p', String(port), ORIGIN, 'AXFR']);
    expect(wrong.out).toMatch(/NOTAUTH|BADSIG/);
    const unknown = await kdig(['-y', `hmac-sha256:nobody:${KEY.secret}`, '@127.0.0.1', '-p', String(port), ORIGIN, 'SOA']);
    expect(unknown.out).toMatch(/NOTAUTH|BADKEY/);
    const after = await metricsText(httpPort);
    const count = (text: string, reason: string) => Number(new RegExp(`peregrine_tsig_failures_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(count(after, 'badsig') - count(before, 'badsig')).toBe(1);
    expect(count(after, 'badkey') - count(before, 'badkey')).toBe(1);
    expect(after).toMatch(/peregrine_transfers_total\{zone="xfr\.test\.",kind="axfr",result="refused"\} [1-9]/);
    expect(after).toMatch(/peregrine_transfers_total\{zone="xfr\.test\.",kind="axfr",result="ok"\} [1-9]/);
  });

  it('signs the answer to an ordinary TSIG-signed query', async () => {
    const r = await kdig(['-y', y, '@127.0.0.1', '-p', String(port), `www.${ORIGIN}`, 'A']);
    expect(r.out).toContain('192.0.2.80');
    expect(r.out).toMatch(/TSIG\s+hmac-sha256\./);
    expect(r.out).not.toMatch(/WARNING|failed/i);
  });

  it('answers NOTIFY NOTAUTH for a zone it is primary for', async () => {
    const r = await run('dig', ['+opcode=notify', '+tries=1', '@127.0.0.1', '-p', String(port), ORIGIN, 'SOA']);
    expect(r.out).toMatch(/opcode: NOTIFY, status: NOTAUTH/);
  });
});

describe('IXFR from the journal', () => {
  it('sends the differences between versions, and AXFR-style for a serial it has not kept', async () => {
    replaceAtomically(file, zone(2, 3000, 'new IN A 192.0.2.99\n').replace('www IN A 192.0.2.80', 'www IN A 192.0.2.81'));
    await waitFor(async () => (await serial(port, ORIGIN)) === 2, 'serial 2');
    replaceAtomically(file, zone(3, 2999, 'new IN A 192.0.2.99\n').replace('www IN A 192.0.2.80', 'www IN A 192.0.2.81'));
    await waitFor(async () => (await serial(port, ORIGIN)) === 3, 'serial 3');

    const r = await kdig(['-y', y, '@127.0.0.1', '-p', String(port), ORIGIN, 'IXFR=1', '+noall', '+answer']);
    expect(r.out).not.toMatch(/WARNING|failed/i);
    const lines = recordLines(r.out);
    const soa = (n: number) => new RegExp(`^xfr\\.test\\. 300 IN SOA \\S+ \\S+ ${n} `);
    // SOA 3, [SOA 1, -www, SOA 2, +www, +new], [SOA 2, -h2999, SOA 3], SOA 3
    expect(lines.map((l) => (/ SOA /.test(l) ? `SOA ${l.split(' ')[6]}` : l))).toEqual([
      'SOA 3',
      'SOA 1', 'www.xfr.test. 300 IN A 192.0.2.80', 'SOA 2', 'new.xfr.test. 300 IN A 192.0.2.99', 'www.xfr.test. 300 IN A 192.0.2.81',
      'SOA 2', `h2999.xfr.test. 300 IN AAAA 2001:db8::${(2999).toString(16)}`, 'SOA 3',
      'SOA 3',
    ]);
    expect(lines[0]).toMatch(soa(3));

    const up = await kdig(['-y', y, '@127.0.0.1', '-p', String(port), ORIGIN, 'IXFR=3', '+noall', '+answer']);
    expect(recordLines(up.out).length).toBe(1);

    const unknown = await kdig(['-y', y, '@127.0.0.1', '-p', String(port), ORIGIN, 'IXFR=0', '+noall', '+answer']);
    expect(recordLines(unknown.out).length).toBe(2999 + 5 + 1 + 2);
  });
});
