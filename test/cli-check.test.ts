// `peregrine check`: FILE:LINE lines and exit 1 for a bad zone, a one-line summary and exit 0 for a good one.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';

const BIN = path.resolve('bin/peregrine.js');
const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-check-'));
function zoneFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

const GOOD = `$TTL 300
@ IN SOA ns1 hostmaster 7 3600 600 86400 300
  IN NS ns1
ns1 IN A 192.0.2.1
`;

describe('peregrine check', () => {
  it.each([
    ['examples/localhost.zone', 'localhost.', 3],
    ['examples/0.0.127.in-addr.arpa.zone', '0.0.127.in-addr.arpa.', 3],
    ['examples/shop.example.zone', 'shop.example.', 10],
  ])('accepts %s', async (file, origin, records) => {
    const r = await run('check', file);
    expect(r).toEqual({ code: 0, out: `${file}: OK, ${origin}, ${records} records\n`, err: '' });
  });

  it('uses --origin', async () => {
    const file = zoneFile('anything.zone', GOOD);
    const r = await run('check', file, '--origin', 'other.example');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${file}: OK, other.example., 3 records\n`);
  });

  it('prints every problem as FILE:LINE: message and exits 1', async () => {
    const file = zoneFile('bad.example.zone', `${GOOD}www IN A 192.0.2.999\nftp IN BOGUS x\nok IN A 192.0.2.3\n`);
    const r = await run('check', file);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0].startsWith(`${file}:5: `)).toBe(true);
    expect(lines[1].startsWith(`${file}:6: `)).toBe(true);
    expect(r.out).not.toContain('OK');
  });

  it('reports zone-level problems too (records outside the zone)', async () => {
    const file = zoneFile('in.example.zone', `${GOOD}www.elsewhere.example. IN A 192.0.2.4\n`);
    const r = await run('check', file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^${escape(file)}:5: `));
  });

  it('lists syntax and semantic problems together in one pass, each with FILE:LINE (as named-checkzone does)', async () => {
    const file = zoneFile('corp.test.zone', [
      '$ORIGIN corp.test.',
      '$TTL 300',
      '@ SOA ns1 hostmaster 1 3600 600 86400 300',
      '@ NS ns1',
      'ns1 A 192.0.2.1',
      'www A 192.0.2.300', //           6: syntax
      'mail MX ten mail', //            7: syntax
      'ftp CNAME www', //               8
      'ftp A 192.0.2.4', //             9: CNAME and other data
      'x.other.test. A 192.0.2.5', //  10: outside the zone
      '',
    ].join('\n'));
    const r = await run('check', file);
    expect(r.code).toBe(1);
    expect(r.out.trimEnd().split('\n')).toEqual([
      `${file}:6: A: bad IPv4 address '192.0.2.300'`,
      `${file}:7: MX: bad preference 'ten': expected a number`,
      `${file}:9: CNAME and other data at ftp.corp.test.`,
      `${file}:10: x.other.test. is outside the zone corp.test.`,
    ]);
  });

  it('prints warnings (data knotd and NSD serve) and exits 0; --strict makes them errors', async () => {
    const file = zoneFile('warn.test.zone', [
      '$ORIGIN warn.test.',
      '$TTL 300',
      '@ SOA ns1 hostmaster 1 3600 600 86400 300',
      '@ NS ns1',
      '@ NS ns2', //                    5: NS target is a CNAME
      'ns1 A 192.0.2.1',
      'ns2 CNAME ns1',
      'sub NS ns.sub', //               8: missing glue
      '@ MX 10 mx', //                  9: MX target without address
      'www 300 A 192.0.2.2',
      'www 600 A 192.0.2.3', //        11: TTL mismatch
      'www 300 A 192.0.2.2', //        12: duplicate
      '',
    ].join('\n'));
    const expected = [
      `${file}:5: warning: NS 'ns2.warn.test.' is a CNAME (illegal)`,
      `${file}:8: warning: sub.warn.test./NS 'ns.sub.warn.test.' has no glue (no A or AAAA record below the delegation)`,
      `${file}:9: warning: MX 'mx.warn.test.' has no address records (A or AAAA)`,
      `${file}:11: warning: TTL 600 of www.warn.test. A differs from TTL 300 at line 10`,
      `${file}:12: warning: duplicate record ignored (the same as at line 10)`,
    ];
    const r = await run('check', file);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n')).toEqual([...expected, `${file}: OK, warn.test., 9 records`]);
    const strict = await run('check', '--strict', file);
    expect(strict.code).toBe(1);
    expect(strict.out.trimEnd().split('\n')).toEqual(expected.map((l) => l.replace(': warning: ', ': ')));
  });

  it('check --config validates a config file without starting anything: exit 0, or 2 with FILE:LINE', async () => {
    expect(await run('check', '--config', 'examples/peregrine.yaml')).toEqual({ code: 0, out: 'examples/peregrine.yaml: OK\n', err: '' });
    const bad = zoneFile('bad.yaml', 'workers: many\nserial-policy: sometimes\nfoo: 1\n');
    const r = await run('check', '--config', bad);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toEqual([
      `peregrine: ${bad}:1: workers: expected a whole number, got 'many'`,
      `peregrine: ${bad}:2: serial-policy: expected warn, refuse, increment, got 'sometimes'`,
      `peregrine: ${bad}:3: unknown key 'foo' (did you mean 'io'?)`,
    ]);
  });

  it('reports a missing file', async () => {
    const r = await run('check', path.join(dir, 'nope.zone'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/nope\.zone:0: cannot read zone file/);
  });

  it.each([[['check']], [['check', 'a.zone', 'b.zone']], [['check', 'a.zone', '--bogus']], [['frobnicate']], [[]]])(
    'is a usage error (exit 2): %j',
    async (argv) => {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^peregrine: .+\nusage:/);
    },
  );

  it('sets the process exit code and writes to stdout (as a command)', () => {
    const good = spawnSync(process.execPath, [BIN, 'check', 'examples/localhost.zone'], { encoding: 'utf8' });
    expect(good.status).toBe(0);
    expect(good.stdout).toBe('examples/localhost.zone: OK, localhost., 3 records\n');
    const file = zoneFile('bad2.example.zone', `${GOOD}www IN A nonsense\n`);
    const bad = spawnSync(process.execPath, [BIN, 'check', file], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout.startsWith(`${file}:5: `)).toBe(true);
    const usage = spawnSync(process.execPath, [BIN, 'check'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage:');
  });
});

/** YYYYMMDDHHmmSS, `seconds` from now. */
function sigTime(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
const DAY = 86400;

/** GOOD, signed: a DNSKEY and one RRSIG per RRset, with the expirations given (YYYYMMDDHHmmSS). */
function signedZone(expirations: { soa: string; ns: string; a: string; dnskey: string }, denial: string): string {
  const sig = (owner: string, type: string, exp: string) =>
    `${owner} IN RRSIG ${type} 8 2 300 ${exp} 20170801000000 4711 signed.example. AAAA\n`;
  return `${GOOD}@ IN DNSKEY 257 3 8 AwEAAQ==
${denial}${sig('@', 'SOA', expirations.soa)}${sig('@', 'NS', expirations.ns)}${sig('ns1', 'A', expirations.a)}${sig('@', 'DNSKEY', expirations.dnskey)}`;
}
const NSEC = '@ IN NSEC ns1 NS SOA RRSIG NSEC DNSKEY\n';

describe('peregrine check: DNSSEC signature expiry', () => {
  const far = sigTime(400 * DAY);

  it('warns of expired and expiring signatures, most urgent first, and still exits 0', async () => {
    const file = zoneFile(
      'signed.example.zone',
      signedZone({ soa: far, ns: '20170904000000', a: sigTime(3 * DAY + 4 * 3600 + 1800), dnskey: far }, NSEC),
    );
    const r = await run('check', file);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    // GOOD is lines 1-4, DNSKEY 5, NSEC 6, then RRSIGs for SOA (7), NS (8), A (9), DNSKEY (10).
    expect(lines).toEqual([
      `${file}:8: warning: RRSIG for signed.example. NS expired at 2017-09-04T00:00:00Z`,
      expect.stringMatching(
        new RegExp(`^${escape(file)}:9: warning: RRSIG for ns1\\.signed\\.example\\. A expires in 3d 4h \\(at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)$`),
      ),
      `${file}: OK, signed.example., 9 records, signed (NSEC), earliest signature expiry 2017-09-04T00:00:00Z`,
    ]);
  });

  it('says nothing more than "signed" when every signature is good for longer than the window', async () => {
    const a = sigTime(20 * DAY);
    const file = zoneFile('fine.example.zone', signedZone({ soa: far, ns: far, a, dnskey: far }, NSEC));
    const r = await run('check', file);
    expect(r.code).toBe(0);
    const iso = `${a.slice(0, 4)}-${a.slice(4, 6)}-${a.slice(6, 8)}T${a.slice(8, 10)}:${a.slice(10, 12)}:${a.slice(12, 14)}Z`;
    expect(r.out).toBe(`${file}: OK, fine.example., 9 records, signed (NSEC), earliest signature expiry ${iso}\n`);
  });

  it('--expiry-warning sets the window: seconds or units', async () => {
    const file = zoneFile('window.example.zone', signedZone({ soa: far, ns: far, a: sigTime(10 * DAY), dnskey: far }, NSEC));
    const warned = async (...extra: string[]) => {
      const r = await run('check', file, ...extra);
      expect(r.code).toBe(0);
      return r.out.includes(': warning: RRSIG for ns1.window.example. A expires in 9d 23h');
    };
    expect(await warned()).toBe(false); // default 7 days
    expect(await warned('--expiry-warning', '14d')).toBe(true);
    expect(await warned('--expiry-warning', '1w')).toBe(false);
    expect(await warned('--expiry-warning', '240h')).toBe(true);
    expect(await warned('--expiry-warning', String(11 * DAY))).toBe(true);
    expect(await warned('--expiry-warning', '1d12h')).toBe(false);
  });

  it.each([['3x'], ['14 d'], ['-1'], ['d'], [''], ['1.5d'], ['3651d']])('rejects --expiry-warning %j as a usage error', async (value) => {
    const r = await run('check', 'examples/localhost.zone', `--expiry-warning=${value}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^peregrine: --expiry-warning: /);
  });

  it('names NSEC3 denial in the summary', async () => {
    const nsec3 =
      '@ IN NSEC3PARAM 1 0 0 -\n2t7b4g4vsa5smi47k61mv5bv1a22bojr IN NSEC3 1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA\n';
    const file = zoneFile('three.example.zone', signedZone({ soa: far, ns: far, a: far, dnskey: far }, nsec3));
    const r = await run('check', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/, 10 records, signed \(NSEC3\), earliest signature expiry \d{4}-/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
