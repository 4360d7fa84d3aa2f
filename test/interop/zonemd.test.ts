// ZONEMD (RFC 8976) next to ldns-verify-zone and knotd (zonemd-verify: on): the zone signed by
// ldns-signzone -z 1:1 -z 1:2 verifies in all three, the same zone with one record changed in
// none; the root zone of ../shared/zones (read where it is, never copied) carries a ZONEMD that
// no longer matches (its RRSIGs were stripped below the apex), and all three say so.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT } from './corpus.ts';
import { spawnServer, waitUntil } from './helpers/process.ts';
import { freePort } from '../helpers/ports.ts';
import { healthz } from './helpers/peregrine.ts';

const ROOT = path.resolve(REPO_ROOT, '..', 'shared', 'zones', 'root-2026082201.zone');
const SIGNED = path.join(REPO_ROOT, 'test', 'fixtures', 'zonemd', 'zonemd.test.signed.zone');

let dir = '';
let tampered = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peregrine-zonemd-'));
  tampered = path.join(dir, 'zonemd.test.tampered.zone');
  const text = await readFile(SIGNED, 'utf8');
  const changed = text.replace('192.0.2.80', '192.0.2.88');
  expect(changed).not.toBe(text);
  await writeFile(tampered, changed);
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, out: stdout + stderr });
    });
  });
}

const peregrineCheck = (file: string, origin: string) =>
  run(process.execPath, [path.join(REPO_ROOT, 'bin', 'peregrine.js'), 'check', '--zonemd', '--origin', origin, file]);

test('the ldns-signed zone verifies in Peregrine and ldns-verify-zone; one record changed, in neither', async () => {
  const [ok, ldnsOk] = await Promise.all([peregrineCheck(SIGNED, 'zonemd.test.'), run('ldns-verify-zone', ['-Z', SIGNED])]);
  expect(ok.code).toBe(0);
  expect(ok.out).toMatch(/ZONEMD verified \(SHA-384\)/);
  expect(ldnsOk.code).toBe(0);
  const [bad, ldnsBad] = await Promise.all([peregrineCheck(tampered, 'zonemd.test.'), run('ldns-verify-zone', ['-Z', tampered])]);
  expect(bad.code).toBe(1);
  expect(bad.out).toMatch(/ZONEMD verification failed \(PGN_ERR_ZONEMD\)/);
  expect(ldnsBad.code).not.toBe(0);
  expect(ldnsBad.out).toMatch(/No ZONEMD matching the zone data/);
});

test('the stripped root zone\'s ZONEMD does not match: Peregrine, ldns-verify-zone and knotd all say so', async () => {
  const [p, ldns] = await Promise.all([peregrineCheck(ROOT, '.'), run('ldns-verify-zone', [ROOT])]);
  expect(p.code).toBe(1);
  expect(p.out).toMatch(/ZONEMD verification failed \(PGN_ERR_ZONEMD\): SHA-384 digest does not match/);
  expect(ldns.out).toMatch(/No ZONEMD matching the zone data/);

  // knotd with zonemd-verify: the root refused, the ldns-signed zone (and only it) loaded.
  const port = await freePort();
  const conf = path.join(dir, 'knot.conf');
  await mkdir(path.join(dir, 'db'), { recursive: true });
  await writeFile(conf, [
    'server:', `    rundir: "${dir}"`, `    listen: 127.0.0.1@${port}`, '    background-workers: 1',
    'log:', '  - target: stderr', '    any: info',
    'database:', `    storage: "${path.join(dir, 'db')}"`,
    'template:', '  - id: default', `    storage: "${dir}"`, '    zonemd-verify: on', '    journal-content: none', '    zonefile-sync: -1',
    'zone:', '  - domain: .', `    file: "${ROOT}"`, '  - domain: zonemd.test.', `    file: "${SIGNED}"`,
    '',
  ].join('\n'));
  const knot = spawnServer('knotd', ['-c', conf, '-s', path.join(dir, 'knot.sock')], { cwd: dir });
  try {
    await waitUntil('knotd ZONEMD verdicts', knot, async () =>
      /\[\.\] ZONEMD, verification failed/.test(knot.output()) && /\[zonemd\.test\.\] ZONEMD, verification successful/.test(knot.output()), 60_000);
  } finally {
    await knot.stop();
  }
  expect(knot.output()).not.toMatch(/\[\.\] loaded/);
});

test('serve --zonemd-verify refuses the stripped root zone and serves the verified one', async () => {
  const http = await freePort();
  const dns = await freePort();
  const proc = spawnServer(process.execPath, [
    path.join(REPO_ROOT, 'bin', 'peregrine.js'), 'serve', '--zonemd-verify', '--workers', '1', '--drain', '0',
    '--listen', `127.0.0.1:${dns}`, '--http', `127.0.0.1:${http}`,
    '--zone', `.=${ROOT}`, '--zone', `zonemd.test.=${SIGNED}`,
  ]);
  try {
    await waitUntil('peregrine ZONEMD verdicts', proc, async () => /PGN_ERR_ZONEMD/.test(proc.output()) && (await healthz(http)), 60_000);
    const dig = await run('kdig', ['@127.0.0.1', '-p', String(dns), '+retry=0', '+time=2', 'zonemd.test.', 'SOA']);
    expect(dig.out).toMatch(/status: NOERROR/);
    const root = await run('kdig', ['@127.0.0.1', '-p', String(dns), '+retry=0', '+time=2', '.', 'SOA']);
    expect(root.out).toMatch(/status: REFUSED/);
  } finally {
    await proc.stop();
  }
  expect(proc.output()).toMatch(/ZONEMD verification failed/);
});
