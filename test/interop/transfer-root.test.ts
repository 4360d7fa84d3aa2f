// Interop, a large transfer: the root zone (about 22k records, read from ../shared/zones/) by
// AXFR from knotd into Peregrine, then a real delta (root-2026071401 → root-2026082201: 75 lines
// added, 58 removed) by IXFR after knotd loads the newer file. After each step Peregrine's copy,
// read back by AXFR (many messages, TSIG-signed), must equal knotd's record for record.
//
// Run: npx vitest run --project interop test/interop/transfer-root.test.ts
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from './corpus.ts';
import { startKnot, type AlgorithmKey, type KnotHandle } from './helpers/knotd.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';
import { freePort } from '../helpers/ports.ts';
import { soaSerialOf, waitFor } from './helpers/transfer.ts';
import { kdig, recordLines } from '../transfer/kdig.ts';

const ZONES = path.resolve(REPO_ROOT, '..', 'shared', 'zones');
const OLD = path.join(ZONES, 'root-2026071401.zone');
const NEW = path.join(ZONES, 'root-2026082201.zone');
const KEY: AlgorithmKey = { name: 'root-xfr', algorithm: 'hmac-sha256', secret: Buffer.from('root transfer test key').toString('base64') };
const y = `${KEY.algorithm}:${KEY.name}:${KEY.secret}`;

let dir: string;
let knot: KnotHandle;
let peregrine: PeregrineHandle;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'peregrine-xfr-root-'));
  // knotd's zone file is a scratch copy (it is replaced by the newer version below).
  const file = path.join(dir, 'root.zone');
  copyFileSync(OLD, file);
  const port = await freePort();
  knot = await startKnot({ zones: [{ origin: '.', file }], transfer: { notifyPort: port, key: KEY }, timeoutMs: 60_000 });
  const config = path.join(dir, 'peregrine.yaml');
  writeFileSync(config, [
    'tsig-keys:',
    `  - { name: ${KEY.name}, algorithm: ${KEY.algorithm}, secret: "${KEY.secret}" }`,
    'secondary:',
    `  - { origin: ".", primaries: ["127.0.0.1:${knot.port}"], key: ${KEY.name} }`,
  ].join('\n') + '\n');
  peregrine = await startPeregrine({ root: REPO_ROOT, zones: [], port, extraArgs: ['--config', config], timeoutMs: 120_000 });
}, 180_000);

afterAll(async () => {
  await Promise.all([peregrine?.stop(), knot?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Both servers' AXFR of the root, as sorted record lines. */
async function bothCopies(): Promise<[string[], string[]]> {
  const read = async (port: number) => {
    const r = await kdig(['-y', y, '@127.0.0.1', '-p', String(port), '.', 'AXFR', '+noall', '+answer'], 60_000);
    expect(r.out).not.toMatch(/WARNING|failed|ERROR/);
    const lines = recordLines(r.out);
    // The closing SOA repeats the first.
    expect(lines.at(-1)).toBe(lines[0]);
    return lines.slice(0, -1).sort();
  };
  return Promise.all([read(knot.port), read(peregrine.port)]);
}

describe('the root zone, knotd → Peregrine', () => {
  test('AXFR: Peregrine holds the same records as knotd', async () => {
    expect(await soaSerialOf(peregrine.port, '.')).toBe(2026071401);
    expect(peregrine.output()).toMatch(/"event":"zone_transferred".*"how":"AXFR"/);
    console.log(`root AXFR into Peregrine: ${/"event":"zone_transferred".*?"transferMs":(\d+),"loadMs":(\d+)/.exec(peregrine.output())?.slice(1).join(' ms transfer, ')} ms check+compile`);
    const started = Date.now();
    const [k, p] = await bothCopies();
    console.log(`both AXFRs out (knotd and Peregrine, in parallel): ${Date.now() - started} ms`);
    expect(k.length).toBeGreaterThan(20_000);
    expect(p).toEqual(k);
  });

  test('IXFR of the real delta after knotd loads the newer version', async () => {
    copyFileSync(NEW, path.join(dir, 'root.zone'));
    await new Promise<void>((resolve, reject) => {
      execFile('knotc', ['-c', knot.config, '-s', path.join(knot.dir, 'knot.sock'), 'zone-reload', '.'], (err, out, errOut) =>
        err ? reject(new Error(`knotc: ${err.message} ${out}${errOut}`)) : resolve(),
      );
    });
    await waitFor(async () => (await soaSerialOf(peregrine.port, '.')) === 2026082201, 'serial 2026082201 on Peregrine', 60_000);
    const line = peregrine.output().split('\n').filter((l) => l.includes('"event":"zone_transferred"')).at(-1) ?? '';
    expect(line).toMatch(/"how":"IXFR \(1 version\(s\)\)"/);
    console.log(`root IXFR: ${/"transferMs":(\d+),"loadMs":(\d+)/.exec(line)?.slice(1).join(' ms transfer, ')} ms apply+check+compile`);
    const [k, p] = await bothCopies();
    expect(p).toEqual(k);
  });
});
