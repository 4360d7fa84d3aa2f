// `peregrine serve` as a process, changing under it: zone files rewritten by atomic rename (served
// within 1 s, also under dnsperf load with no query lost), broken edits (the old version keeps
// serving, FILE:LINE logged, failure counted), SIGHUP, and a worker crash (the others keep serving).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IO_MODES, ioLogged, metricsText, query, startServing, stopServers, udpQuery, waitFor } from './serve-harness.ts';
import { replaceAtomically, serial, servedWithin, SERVED_WITHIN_MS, zoneText } from './reload-harness.ts';

afterEach(stopServers);


describe('peregrine serve: zone reloads', () => {
  it('serves a zone rewritten by atomic rename within 1 s, reloading only that zone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-reload-'));
    const big = path.join(dir, 'big.test.zone');
    const other = path.join(dir, 'other.test.zone');
    writeFileSync(big, zoneText('big.test.', 1, 10_000));
    writeFileSync(other, zoneText('other.test.', 1));
    const { s, dnsPort, httpPort } = await startServing(['--zone', big, '--zone', other, '--workers', '2']);
    expect(await serial(dnsPort, 'big.test.')).toBe(1);

    const since = Date.now();
    replaceAtomically(big, zoneText('big.test.', 2, 10_000));
    const took = await servedWithin(dnsPort, 'big.test.', 2, since, s);
    expect(took).toBeLessThanOrEqual(SERVED_WITHIN_MS);
    const www = await udpQuery(dnsPort, query('www.big.test', 'A', 2));
    expect(www.answers?.map((a) => ('data' in a ? a.data : null))).toEqual(['192.0.2.2']);

    // The log line follows the workers' acks, which may come after the first new answer.
    await waitFor(() => s.logs.some((l) => l.event === 'zone_reloaded'), 'the zone_reloaded line', 2000);
    const reloaded = s.logs.filter((l) => l.event === 'zone_reloaded');
    expect(reloaded).toEqual([expect.objectContaining({ zone: 'big.test.', serial: 2, previousSerial: 1, records: 10_004, reason: 'change' })]);
    const metrics = await metricsText(httpPort);
    expect(metrics).toContain('peregrine_zone_serial{zone="big.test."} 2');
    expect(metrics).toContain('peregrine_zone_reload_total{zone="big.test.",result="ok"} 2');
    expect(metrics).toContain('peregrine_zone_reload_total{zone="other.test.",result="ok"} 1');
    // Three versions went into service: two at start, one reload.
    expect(metrics).toMatch(/^peregrine_reload_duration_seconds_count 3$/m);
    const zones = (await (await fetch(`http://127.0.0.1:${httpPort}/zones`)).json()) as { name: string; serial: number; loadedAt: string }[];
    const bigZone = zones.find((z) => z.name === 'big.test.');
    expect(bigZone?.serial).toBe(2);
    expect(Date.parse(bigZone!.loadedAt)).toBeGreaterThanOrEqual(since - 5);
  });

  it('keeps serving the last good version of a broken edit, logs FILE:LINE and counts the failure', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-reload-'));
    const file = path.join(dir, 'keep.test.zone');
    writeFileSync(file, zoneText('keep.test.', 1));
    const { s, dnsPort, httpPort } = await startServing(['--zone', file, '--workers', '2']);

    // Line 6 is www's A record: an address that is not one.
    replaceAtomically(file, zoneText('keep.test.', 2, 0, '192.0.2.300'));
    await waitFor(() => s.logs.some((l) => l.event === 'zone_rejected'), 'the rejection', 3000);
    expect(s.logs.find((l) => l.event === 'zone_error')).toMatchObject({ file, line: 6, code: 'PGN_ERR_ZONE_DATA', msg: expect.stringMatching(/:6: /) });
    expect(String(s.logs.find((l) => l.event === 'zone_error')?.msg).startsWith(`${file}:6: `)).toBe(true);
    expect(s.logs.find((l) => l.event === 'zone_rejected')).toMatchObject({ file, zone: 'keep.test.', servingSerial: 1, code: 'PGN_ERR_ZONE_REJECTED' });
    expect(await serial(dnsPort, 'keep.test.')).toBe(1);
    const metrics = await metricsText(httpPort);
    expect(metrics).toContain('peregrine_zone_reload_total{zone="keep.test.",result="error"} 1');
    expect(metrics).toContain('peregrine_zone_serial{zone="keep.test."} 1');
    const zones = (await (await fetch(`http://127.0.0.1:${httpPort}/zones`)).json()) as { name: string; lastError: string | null }[];
    expect(zones[0].lastError?.startsWith(`${file}:6: `)).toBe(true);

    // The fix is served, and the error is cleared.
    const since = Date.now();
    replaceAtomically(file, zoneText('keep.test.', 3));
    expect(await servedWithin(dnsPort, 'keep.test.', 3, since, s)).toBeLessThanOrEqual(SERVED_WITHIN_MS);
  });

  it('SIGHUP reloads every zone, including an edit the watcher cannot see', async () => {
    // The zone file is a symlink into another directory: writes there are not in the watched
    // directory, so only SIGHUP picks them up (the documented fallback).
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-reload-'));
    mkdirSync(path.join(dir, 'real'));
    mkdirSync(path.join(dir, 'served'));
    const real = path.join(dir, 'real', 'hup.test.zone');
    const link = path.join(dir, 'served', 'hup.test.zone');
    writeFileSync(real, zoneText('hup.test.', 1));
    symlinkSync(real, link);
    const { s, dnsPort } = await startServing(['--zone', link, '--workers', '2']);

    writeFileSync(real, zoneText('hup.test.', 2));
    await new Promise((r) => setTimeout(r, 300));
    expect(await serial(dnsPort, 'hup.test.')).toBe(1);
    const since = Date.now();
    s.child.kill('SIGHUP');
    expect(await servedWithin(dnsPort, 'hup.test.', 2, since, s)).toBeLessThanOrEqual(SERVED_WITHIN_MS);
    expect(s.logs.find((l) => l.event === 'reload')).toMatchObject({ signal: 'SIGHUP' });
    await waitFor(() => s.logs.some((l) => l.event === 'zone_reloaded'), 'the zone_reloaded line', 2000);
    expect(s.logs.find((l) => l.event === 'zone_reloaded')).toMatchObject({ zone: 'hup.test.', reason: 'sighup' });
    expect(s.child.exitCode).toBeNull();
  });

  it('a zone directory: a new file is served, a removed one is dropped', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-reload-'));
    writeFileSync(path.join(dir, 'one.test.zone'), zoneText('one.test.', 1));
    const { s, dnsPort } = await startServing(['--zone-dir', dir, '--workers', '1']);
    const since = Date.now();
    replaceAtomically(path.join(dir, 'two.test.zone'), zoneText('two.test.', 5));
    expect(await servedWithin(dnsPort, 'two.test.', 5, since, s)).toBeLessThanOrEqual(SERVED_WITHIN_MS);
    execFileSync('rm', [path.join(dir, 'one.test.zone')]);
    await waitFor(async () => (await udpQuery(dnsPort, query('one.test', 'SOA', 3))).rcode === 'REFUSED', 'one.test. dropped', 3000);
    expect(s.logs.find((l) => l.event === 'zone_removed')).toMatchObject({ zone: 'one.test.', code: 'PGN_WARN_ZONE_REMOVED' });
  });
});

describe.each(IO_MODES)('peregrine serve --io %s: a worker crash', (io) => {
  it('replaces the crashed worker while the others keep serving (PEREGRINE_TEST_HOOKS=1, SIGUSR2)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-crash-'));
    const file = path.join(dir, 'crash.test.zone');
    writeFileSync(file, zoneText('crash.test.', 9));
    const { s, dnsPort, httpPort } = await startServing(['--zone', file, '--workers', '3', '--io', io], { env: { PEREGRINE_TEST_HOOKS: '1' } });
    expect(s.logs.find((l) => l.event === 'test_hooks')).toBeDefined();
    expect(ioLogged(s, io)).toBe(true);

    s.child.kill('SIGUSR2');
    await waitFor(() => s.logs.some((l) => l.event === 'worker_exit'), 'worker 0 to exit', 3000);
    expect(s.logs.find((l) => l.event === 'worker_exit')).toMatchObject({ worker: 0, code: 'PGN_ERR_WORKER_EXIT' });
    // Every query from a fresh source port (spread over whatever sockets are left) is answered.
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => serialOf(dnsPort, i)));
    expect(answers.filter((a) => a !== 9)).toEqual([]);

    await waitFor(() => s.logs.some((l) => l.event === 'worker_restarted'), 'worker 0 restarted', 5000);
    expect(s.logs.find((l) => l.event === 'worker_restarted')).toMatchObject({ worker: 0 });
    const after = await Promise.all(Array.from({ length: 60 }, (_, i) => serialOf(dnsPort, i)));
    expect(after.filter((a) => a !== 9)).toEqual([]);
    expect(await metricsText(httpPort)).toMatch(/^peregrine_worker_restarts_total 1$/m);
    // A reload after the restart reaches the new worker too.
    const since = Date.now();
    replaceAtomically(file, zoneText('crash.test.', 10));
    await servedWithin(dnsPort, 'crash.test.', 10, since, s);
    const all = await Promise.all(Array.from({ length: 60 }, (_, i) => serialOf(dnsPort, i)));
    expect(all.filter((a) => a !== 10)).toEqual([]);
  });
});

async function serialOf(port: number, i: number): Promise<number | null> {
  const res = await udpQuery(port, query('crash.test', 'SOA', i), 2000);
  const soa = res.answers?.find((a) => a.type === 'SOA');
  return soa !== undefined && 'data' in soa ? (soa.data as { serial: number }).serial : null;
}
