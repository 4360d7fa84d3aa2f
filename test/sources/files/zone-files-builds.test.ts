// ZoneFiles with a builder that takes its time (as the build pool does): changes that come while a
// zone builds cause one more build after it, never two builds of the same zone at once; other
// zones are not held up.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ZoneBuilder } from '../../../src/primary/build-pool.ts';
import { Publisher } from '../../../src/primary/publisher.ts';
import { loadZone } from '../../../src/primary/zone-loader.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import { ZoneFiles } from '../../../src/sources/files/zone-files.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS } from '../../../src/zone/signatures.ts';
import { memoryLog } from '../../primary/helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-builds-'));
const zoneText = (serial: number) => `$TTL 300\n@ IN SOA ns1 hostmaster ${serial} 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n`;

/** A builder whose builds finish when the test says so. */
function gatedBuilder() {
  const pending: { file: string; release: () => void }[] = [];
  let building = new Map<string, number>();
  let most = 0;
  const build: ZoneBuilder = (file, origin, options) =>
    new Promise((resolve) => {
      building.set(file, (building.get(file) ?? 0) + 1);
      most = Math.max(most, building.get(file)!);
      pending.push({
        file,
        release: () => {
          // Read when the build ends: the latest text, as a build that started late would.
          building.set(file, building.get(file)! - 1);
          resolve(loadZone(file, origin, options));
        },
      });
    });
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { build, pending, most: () => most, tick, reset: () => (building = new Map()) };
}

describe('ZoneFiles builds', () => {
  it('builds a zone changed during its build once more after it, and never twice at once', async () => {
    const a = path.join(dir, 'a.example.zone');
    const b = path.join(dir, 'b.example.zone');
    writeFileSync(a, zoneText(1));
    writeFileSync(b, zoneText(1));
    const g = gatedBuilder();
    const publisher = new Publisher();
    const { log, lines } = memoryLog();
    const files = new ZoneFiles({
      zones: [{ file: a, origin: null }, { file: b, origin: null }],
      zoneDirs: [],
      publisher,
      registry: new ZoneRegistry(),
      log,
      expiryWarningSeconds: DEFAULT_EXPIRY_WARNING_SECONDS,
      watch: false,
      build: g.build,
    });
    const started = files.start();
    await g.tick();
    expect(g.pending.map((p) => p.file)).toEqual([a, b]);
    for (const p of g.pending.splice(0)) p.release();
    await started;

    writeFileSync(a, zoneText(2));
    const first = files.changed([a]);
    await g.tick();
    expect(g.pending.length).toBe(1);
    // Two more changes while a builds: coalesced into one build after it.
    writeFileSync(a, zoneText(3));
    const second = files.changed([a]);
    const third = files.changed([a]);
    // b is not held up by a.
    writeFileSync(b, zoneText(2));
    const other = files.changed([b]);
    await g.tick();
    expect(g.pending.map((p) => p.file)).toEqual([a, b]);
    g.pending.pop()!.release();
    await other;
    expect(publisher.loaded().find((z) => z.origin === 'b.example.')?.serial).toBe(2);

    g.pending.shift()!.release();
    await g.tick();
    await g.tick();
    expect(g.pending.map((p) => p.file)).toEqual([a]);
    let done = false;
    void Promise.all([first, second, third]).then(() => (done = true));
    await g.tick();
    expect(done).toBe(false);
    g.pending.shift()!.release();
    await Promise.all([first, second, third]);
    expect(g.pending.length).toBe(0);
    expect(g.most()).toBe(1);
    expect(publisher.loaded().find((z) => z.origin === 'a.example.')?.serial).toBe(3);
    const reloads = lines.filter((l) => l.fields.event === 'zone_reloaded').map((l) => [l.fields.zone, l.fields.serial]);
    expect(reloads).toEqual([['b.example.', 2], ['a.example.', 3], ['a.example.', 3]]);
    files.close();
  });
});
