// A zone rewritten again and again under dnsperf load (real client, loopback): each version is
// served within 1 s and no query is lost. Needs dnsperf (Debian package), as the interop suite
// needs its peers; a machine without it fails here rather than skipping.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IO_MODES, ioLogged, startServing, stopServers } from '../serve-harness.ts';
import { replaceAtomically, servedWithin, SERVED_WITHIN_MS, zoneText } from '../reload-harness.ts';

afterEach(stopServers);

/** dnsperf's summary line `  Queries lost:   N (x%)`. */
function parseLost(output: string): number {
  const m = /Queries lost:\s+(\d+)/.exec(output);
  if (m === null) throw new Error(`no "Queries lost" in dnsperf output:\n${output}`);
  return Number(m[1]);
}

describe.each(IO_MODES)('peregrine serve --io %s: reloads under dnsperf load', (io) => {
  it('serves each rewrite of a 10k-record zone within 1 s and loses no query', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-load-'));
    const file = path.join(dir, 'load.test.zone');
    const HOSTS = 10_000;
    writeFileSync(file, zoneText('load.test.', 1, HOSTS));
    const queries = path.join(dir, 'queries.txt');
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) lines.push(`h${(i * 7919) % HOSTS}.load.test A`, 'www.load.test A', 'load.test SOA', `nx${i}.load.test A`);
    writeFileSync(queries, `${lines.join('\n')}\n`);
    const { s, dnsPort } = await startServing(['--zone', file, '--workers', '2', '--io', io]);
    expect(ioLogged(s, io)).toBe(true);

    const perf = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(dnsPort), '-d', queries, '-l', '6', '-Q', '20000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    perf.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    perf.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const perfExit = new Promise<number | null>((r) => perf.once('exit', (code) => r(code)));

    const latencies: number[] = [];
    await new Promise((r) => setTimeout(r, 800));
    for (let version = 2; version <= 5; version++) {
      const since = Date.now();
      replaceAtomically(file, zoneText('load.test.', version, HOSTS));
      latencies.push(await servedWithin(dnsPort, 'load.test.', version, since, s));
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(await perfExit, output).toBe(0);
    console.log(`reload under load: served after ${latencies.join(', ')} ms; dnsperf:\n${output.split('\n').filter((l) => /Queries|Run time/.test(l)).join('\n')}`);
    expect(parseLost(output), output).toBe(0);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(SERVED_WITHIN_MS);
    expect(s.logs.filter((l) => l.event === 'zone_reloaded').map((l) => l.serial)).toEqual([2, 3, 4, 5]);
  }, 30_000);
});

