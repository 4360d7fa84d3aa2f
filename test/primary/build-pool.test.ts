// The build pool: loadZone in a build thread, its result back on the primary as loadZone returns it
// here — the image shared (not copied), errors as the same classes (FILE:LINE, codes), Dates as
// Dates — and the thread gone after the idle timeout.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageLimitError, PeregrineError, ZoneDataError } from '../../src/errors.ts';
import { decodeError, encodeError } from '../../src/primary/build-result.ts';
import { BuildPool, defaultBuildThreads } from '../../src/primary/build-pool.ts';
import { loadZone } from '../../src/primary/zone-loader.ts';
import { until } from '../helpers/until.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-build-pool-'));
const pools: BuildPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.destroy();
});

describe('BuildPool', () => {
  it('returns what loadZone returns in this thread, with the image shared', async () => {
    const pool = new BuildPool({ idleTimeoutMs: 200 });
    pools.push(pool);
    const now = new Date('2026-01-01T00:00:00Z');
    const here = loadZone('examples/shop.example.zone', null, { now });
    const there = await pool.build('examples/shop.example.zone', null, { now });
    expect(there.ok && here.ok).toBe(true);
    if (!there.ok || !here.ok) return;
    expect(there.zone.image).toBeInstanceOf(SharedArrayBuffer);
    expect(new Uint8Array(there.zone.image)).toEqual(new Uint8Array(here.zone.image));
    expect(there.zone.loadedAt).toEqual(now);
    expect({ ...there.zone, image: null }).toEqual({ ...here.zone, image: null });
    // The build thread ends once idle, and its heap with it.
    await until(() => pool.threads === 0, { what: 'the build thread to end', timeoutMs: 5000, intervalMs: 50 });
  });

  it('rebuilds zone errors as ZoneDataError with file, line and code', async () => {
    const pool = new BuildPool();
    pools.push(pool);
    const file = path.join(dir, 'bad.example.zone');
    writeFileSync(file, '@ IN SOA ns1 hostmaster 1 3600 600 86400 300\nwww IN A 192.0.2.999\n');
    const here = loadZone(file, null);
    const there = await pool.build(file, null);
    expect(there.ok).toBe(false);
    if (there.ok || here.ok) return;
    expect(there.origin).toBe(here.origin);
    expect(there.errors.length).toBe(here.errors.length);
    for (const [i, err] of there.errors.entries()) {
      expect(err).toBeInstanceOf(here.errors[i].constructor);
      expect(err).toBeInstanceOf(PeregrineError);
      expect(err.code).toBe(here.errors[i].code);
      expect(err.context).toEqual(here.errors[i].context);
      expect(String(err)).toBe(String(here.errors[i]));
    }
    expect(there.errors[0]).toBeInstanceOf(ZoneDataError);
    expect((there.errors[0] as ZoneDataError).location).toBe(`${file}:2`);
  });

  it('round-trips every error class through its wire form', () => {
    const errors = [
      new ZoneDataError('bad thing', 'f.zone', 7, 'PGN_ERR_X'),
      new ImageLimitError('too big', 'big.example.'),
      new PeregrineError('PGN_ERR_Y', 'other', { file: 'g.zone' }),
    ];
    for (const err of errors) {
      const back = decodeError(structuredClone(encodeError(err)));
      expect(back.constructor).toBe(err.constructor);
      expect(back.name).toBe(err.name);
      expect({ code: back.code, message: back.message, context: back.context }).toEqual({ code: err.code, message: err.message, context: err.context });
    }
  });

  it('uses two build threads, one on a single CPU', () => {
    expect([1, 2, 4, 64].map((n) => defaultBuildThreads(n))).toEqual([1, 2, 2, 2]);
  });
});
