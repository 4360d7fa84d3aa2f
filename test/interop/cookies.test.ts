// NSID and DNS cookies next to Knot DNS 3.2 (nsid, mod-cookies with a shared secret): kdig +nsid
// reads the same option from both; each server accepts the other's server cookies (the same
// SipHash-2-4 over the RFC 9018 input, byte for byte) and neither accepts a forged one.
//
// One policy difference, on purpose: to a client cookie alone knotd 3.2 answers BADCOOKIE (with
// a fresh server cookie), Peregrine a normal answer with a fresh server cookie (as BIND does;
// RFC 7873 §5.2.3 allows both). Both answer BADCOOKIE to an invalid server cookie over UDP.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startKnot, type KnotHandle } from './helpers/knotd.ts';
import { startPeregrine } from './helpers/peregrine.ts';
import type { ServerHandle } from './helpers/process.ts';

const ZONE = `$ORIGIN cookie.test.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
`;
const SECRET = '5f3c1c0e1e9d4a7bb2f0e4d1c3a59e77';
const NSID = 'interop-ns1';
const CC = '0011223344556677';

let dir = '';
let knot: KnotHandle | undefined;
let peregrine: ServerHandle | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peregrine-cookies-'));
  const file = path.join(dir, 'cookie.test.zone');
  await writeFile(file, ZONE);
  const secretFile = path.join(dir, 'cookie-secret');
  await writeFile(secretFile, `${SECRET}\n`);
  [knot, peregrine] = await Promise.all([
    startKnot({
      zones: [{ origin: 'cookie.test.', file }],
      nsid: NSID,
      extraSections: ['mod-cookies:', '  - id: shared', `    secret: 0x${SECRET}`, ''],
      extraTemplate: ['    global-module: mod-cookies/shared'],
    }),
    startPeregrine({
      root: path.resolve(import.meta.dirname, '..', '..'),
      zones: [{ origin: 'cookie.test.', file }],
      extraArgs: ['--nsid', NSID, '--cookie-secret-file', secretFile],
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([knot?.stop(), peregrine?.stop()]);
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

interface Dig { status: string; nsid: string | null; cookie: string | null; answer: boolean }

/** kdig for ns1.cookie.test. A with these options, never retrying on BADCOOKIE. */
function kdig(port: number, ...options: string[]): Promise<Dig> {
  const args = ['@127.0.0.1', '-p', String(port), '+nobadcookie', '+retry=0', '+time=2', ...options, 'ns1.cookie.test.', 'A'];
  return new Promise((resolve, reject) => {
    execFile('kdig', args, { timeout: 10_000 }, (err, stdout) => {
      if (err) return reject(new Error(`kdig ${args.join(' ')}: ${err.message}`));
      resolve({
        status: /status: (\S+);/.exec(stdout)?.[1] ?? '',
        nsid: /;; NSID: (\S+)/.exec(stdout)?.[1] ?? null,
        cookie: /;; COOKIE: ([0-9A-Fa-f]+)/.exec(stdout)?.[1]?.toLowerCase() ?? null,
        answer: /^ns1\.cookie\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.1$/m.test(stdout),
      });
    });
  });
}

function servers(): { knot: number; peregrine: number } {
  if (knot === undefined || peregrine === undefined) throw new Error('servers did not start (see beforeAll)');
  return { knot: knot.port, peregrine: peregrine.port };
}

test('kdig +nsid reads the same NSID from both', async () => {
  const { knot: k, peregrine: p } = servers();
  const [a, b] = await Promise.all([kdig(k, '+nsid'), kdig(p, '+nsid')]);
  expect(a.nsid).toBe(Buffer.from(NSID).toString('hex').toUpperCase());
  expect(b.nsid).toBe(a.nsid);
  // Unasked, neither sends it.
  const [c, d] = await Promise.all([kdig(k), kdig(p)]);
  expect([c.nsid, d.nsid]).toEqual([null, null]);
});

test('each server accepts the other\'s server cookie, and echoes it unchanged', async () => {
  const { knot: k, peregrine: p } = servers();
  // A client cookie alone: knotd BADCOOKIE, Peregrine NOERROR; both with a fresh server cookie.
  const [fromKnot, fromPeregrine] = await Promise.all([kdig(k, `+cookie=${CC}`), kdig(p, `+cookie=${CC}`)]);
  expect(fromKnot.status).toBe('BADCOOKIE');
  expect(fromPeregrine.status).toBe('NOERROR');
  expect(fromPeregrine.answer).toBe(true);
  for (const r of [fromKnot, fromPeregrine]) {
    expect(r.cookie).toMatch(new RegExp(`^${CC}01000000[0-9a-f]{24}$`));
  }
  // Knot's cookie at Peregrine and Peregrine's at Knot: valid, a normal answer, echoed as is.
  const atPeregrine = await kdig(p, `+cookie=${fromKnot.cookie}`);
  expect(atPeregrine.status).toBe('NOERROR');
  expect(atPeregrine.answer).toBe(true);
  expect(atPeregrine.cookie).toBe(fromKnot.cookie);
  const atKnot = await kdig(k, `+cookie=${fromPeregrine.cookie}`);
  expect(atKnot.status).toBe('NOERROR');
  expect(atKnot.answer).toBe(true);
  expect(atKnot.cookie).toBe(fromPeregrine.cookie);
});

test('neither accepts a forged server cookie (BADCOOKIE, a fresh cookie, no answer)', async () => {
  const { knot: k, peregrine: p } = servers();
  const good = (await kdig(p, `+cookie=${CC}`)).cookie!;
  // The last byte of the MAC changed; and a MAC made with another secret.
  const forged = [good.slice(0, -2) + (good.endsWith('00') ? '01' : '00'), good.slice(0, 32) + 'ffffffffffffffff'];
  for (const cookie of forged) {
    const [a, b] = await Promise.all([kdig(k, `+cookie=${cookie}`), kdig(p, `+cookie=${cookie}`)]);
    for (const r of [a, b]) {
      expect(r.status).toBe('BADCOOKIE');
      expect(r.answer).toBe(false);
      expect(r.cookie).not.toBe(cookie);
      expect(r.cookie!.slice(0, 16)).toBe(CC);
    }
  }
});
