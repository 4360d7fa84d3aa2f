// `peregrine serve` keeps its primary thread responsive while a large zone is rebuilt: parsing and
// compiling run in the build pool, so /healthz answers promptly throughout (bench `--only rebuild`
// measures the real latency with 10k zones and a 1M-record one).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replaceAtomically, serial, zoneText } from './reload-harness.ts';
import { describeLogs, startServing, stopServers } from './serve-harness.ts';

afterEach(stopServers);

const BIG = 200_000;
/** Generous for CI; on a quiet machine the slowest answer takes a few milliseconds. */
const HEALTHZ_WITHIN_MS = 200;

describe('peregrine serve: rebuilding a large zone', () => {
  it('answers /healthz within 200 ms throughout, then serves the new serial', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-rebuild-'));
    const big = path.join(dir, 'big.test.zone');
    writeFileSync(big, zoneText('big.test.', 1, BIG));
    for (const n of ['a', 'b', 'c']) writeFileSync(path.join(dir, `${n}.test.zone`), zoneText(`${n}.test.`, 1));
    const { s, dnsPort, httpPort } = await startServing(['--zone-dir', dir, '--workers', '1']);
    expect(await serial(dnsPort, 'big.test.')).toBe(1);

    replaceAtomically(big, zoneText('big.test.', 2, BIG));
    const since = performance.now();
    const latencies: number[] = [];
    let served = false;
    while (!served) {
      if (performance.now() - since > 120_000) throw new Error(`serial 2 not served after 120 s:\n${describeLogs(s)}`);
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(5000) });
      await res.text();
      latencies.push(performance.now() - t);
      expect(res.status).toBe(200);
      served = (await serial(dnsPort, 'big.test.')) === 2;
      await new Promise((r) => setTimeout(r, 20));
    }
    // The build took a while, and /healthz was asked all along.
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies)).toBeLessThan(HEALTHZ_WITHIN_MS);
    // The small zones kept serving, and only the big one was rebuilt.
    expect(await serial(dnsPort, 'a.test.')).toBe(1);
    expect(s.logs.filter((l) => l.event === 'zone_reloaded').map((l) => l.zone)).toEqual(expect.arrayContaining(['big.test.']));
    expect(s.logs.some((l) => l.event === 'zone_reloaded' && l.zone !== 'big.test.')).toBe(false);
  });
});
