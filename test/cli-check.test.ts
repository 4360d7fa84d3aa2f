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

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
