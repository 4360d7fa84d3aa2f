// --serial-policy for zone files: an edit that changes the content but not the SOA serial is a
// warning (PGN_WARN_SERIAL_UNCHANGED, counted), refused (the previous version keeps serving), or
// served with a serial Peregrine raises itself (remembered in --state-dir across restarts).
// Also: check warnings of a zone that serves are logged as FILE:LINE and counted per zone.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/primary/metrics.ts';
import { Publisher } from '../../../src/primary/publisher.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import type { SerialPolicy } from '../../../src/sources/files/serial-policy.ts';
import { ZoneFiles } from '../../../src/sources/files/zone-files.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS } from '../../../src/zone/signatures.ts';
import { memoryLog } from '../../primary/helpers.ts';

const zone = (serial: number, address: string) =>
  `$ORIGIN serial.test.\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A ${address}\n`;

/** A zone file served by a ZoneFiles (not watching: edits are announced with changed()). */
async function serving(policy: SerialPolicy, stateDir: string | null = null, dir = mkdtempSync(path.join(tmpdir(), 'peregrine-serial-'))) {
  const file = path.join(dir, 'serial.test.zone');
  const { log, lines } = memoryLog();
  const publisher = new Publisher();
  const registry = new ZoneRegistry();
  const files = new ZoneFiles({
    zones: [{ file, origin: null }],
    zoneDirs: [],
    publisher,
    registry,
    log,
    expiryWarningSeconds: DEFAULT_EXPIRY_WARNING_SECONDS,
    watch: false,
    serialPolicy: policy,
    stateDir,
  });
  const write = (text: string) => writeFileSync(file, text);
  const edit = async (text: string) => {
    write(text);
    await files.changed([path.resolve(file)]);
  };
  const served = () => publisher.get('serial.test.');
  const start = async (text: string) => {
    write(text);
    await files.start();
  };
  return { dir, file, lines, registry, files, start, edit, served };
}

const www = (s: { served: () => ReturnType<Publisher['get']> }) => s.served()?.fingerprint;

describe('--serial-policy', () => {
  it('warn (default): serves the edit with its unchanged serial, logs and counts PGN_WARN_SERIAL_UNCHANGED', async () => {
    const s = await serving('warn');
    await s.start(zone(7, '192.0.2.10'));
    const before = www(s);
    await s.edit(zone(7, '192.0.2.11'));
    expect(s.served()?.serial).toBe(7);
    expect(www(s)).not.toBe(before);
    const warned = s.lines.filter((l) => l.fields.code === 'PGN_WARN_SERIAL_UNCHANGED');
    expect(warned).toHaveLength(1);
    expect(warned[0].level).toBe('warn');
    expect(warned[0].msg).toBe(`${s.file}: zone serial.test. changed but its serial 7 did not; served as it is (--serial-policy warn)`);
    expect(s.registry.get('serial.test.')?.serialUnchanged).toBe(1);
    expect(await createMetrics(s.registry).text()).toContain('peregrine_zone_serial_unchanged_total{zone="serial.test."} 1');
    // An edit that moves the serial, and one that changes nothing, are not warned about.
    await s.edit(zone(8, '192.0.2.12'));
    await s.edit(zone(8, '192.0.2.12'));
    expect(s.lines.filter((l) => l.fields.code === 'PGN_WARN_SERIAL_UNCHANGED')).toHaveLength(1);
    s.files.close();
  });

  it('refuse: keeps serving the previous version and logs an error', async () => {
    const s = await serving('refuse');
    await s.start(zone(7, '192.0.2.10'));
    const before = s.served();
    await s.edit(zone(7, '192.0.2.11'));
    expect(s.served()).toBe(before);
    const refused = s.lines.filter((l) => l.fields.code === 'PGN_ERR_SERIAL_UNCHANGED');
    expect(refused).toHaveLength(1);
    expect(refused[0].level).toBe('error');
    const status = s.registry.get('serial.test.');
    expect(status?.serialUnchanged).toBe(1);
    expect(status?.loads.error).toBe(1);
    expect(status?.lastError).toMatch(/changed but its serial 7 did not; not loaded \(--serial-policy refuse\)/);
    // With the serial raised, the edit serves.
    await s.edit(zone(8, '192.0.2.11'));
    expect(s.served()?.serial).toBe(8);
    expect(s.registry.get('serial.test.')?.lastError).toBeNull();
    s.files.close();
  });

  it('increment: serves the edit with the serial one more, the file\'s serial once it is ahead; kept in --state-dir', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'peregrine-serial-state-'));
    const s = await serving('increment', stateDir);
    await s.start(zone(7, '192.0.2.10'));
    expect(s.served()?.serial).toBe(7);
    await s.edit(zone(7, '192.0.2.11'));
    expect(s.served()?.serial).toBe(8);
    expect(s.served()?.fileSerial).toBe(7);
    await s.edit(zone(7, '192.0.2.12'));
    expect(s.served()?.serial).toBe(9);
    // No change in content: the serial stays.
    await s.edit(zone(7, '192.0.2.12'));
    expect(s.served()?.serial).toBe(9);
    expect(s.lines.filter((l) => l.fields.code === 'PGN_WARN_SERIAL_UNCHANGED').map((l) => l.fields.served)).toEqual([8, 9]);
    s.files.close();

    // A restart with the same file keeps serial 9; an edit then moves it to 10.
    const again = await serving('increment', stateDir, s.dir);
    await again.start(zone(7, '192.0.2.12'));
    expect(again.served()?.serial).toBe(9);
    await again.edit(zone(7, '192.0.2.13'));
    expect(again.served()?.serial).toBe(10);
    // The operator's serial ahead of ours wins.
    await again.edit(zone(20, '192.0.2.14'));
    expect(again.served()?.serial).toBe(20);
    again.files.close();
  });
});

describe('check warnings of a zone that serves', () => {
  it('are logged as FILE:LINE with PGN_WARN_ZONE_DATA and counted in peregrine_zone_warnings', async () => {
    const s = await serving('warn');
    await s.start(`${zone(1, '192.0.2.10')}sub NS ns.sub\n@ MX 10 nomail\n`);
    expect(s.served()?.serial).toBe(1);
    const warned = s.lines.filter((l) => l.fields.event === 'zone_warning');
    expect(warned.map((l) => l.msg)).toEqual([
      `${s.file}:7: sub.serial.test./NS 'ns.sub.serial.test.' has no glue (no A or AAAA record below the delegation)`,
      `${s.file}:8: MX 'nomail.serial.test.' has no address records (A or AAAA)`,
    ]);
    expect(warned.every((l) => l.level === 'warn' && l.fields.code === 'PGN_WARN_ZONE_DATA')).toBe(true);
    expect(await createMetrics(s.registry).text()).toContain('peregrine_zone_warnings{zone="serial.test."} 2');
    s.files.close();
  });
});
