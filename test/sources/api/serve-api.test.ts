// `peregrine serve` with the control API, as a process with two workers: a change is answered by
// every worker as soon as the API has answered, and a restart on the same state directory serves
// the API's zones at once.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeLogs, freePort, query, startServer, stopServers, udpQuery, waitFor, waitHealth } from '../../serve-harness.ts';
import { tempDir } from './helpers.ts';

afterEach(stopServers);

const TOKEN = 'e2e-token-0123456789';

async function start(stateDir: string, tokenFile: string) {
  const dnsPort = await freePort();
  const httpPort = await freePort();
  const s = startServer([
    '--state-dir', stateDir,
    '--api-token-file', tokenFile,
    '--listen', `127.0.0.1:${dnsPort}`,
    '--http', `127.0.0.1:${httpPort}`,
    '--workers', '2',
    '--drain', '0',
  ]);
  await waitFor(() => {
    if (s.child.exitCode !== null) throw new Error(`server exited:\n${describeLogs(s)}`);
    return s.logs.some((l) => l.event === 'serving');
  }, 'serving');
  const call = async (method: string, url: string, body?: unknown, token = TOKEN) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  /** `n` queries, each from a new socket (new source port: spread over both workers). */
  const askAll = async (name: string, type: 'A' | 'SOA', n = 12) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await udpQuery(dnsPort, query(name, type, 100 + i));
      out.push(`${res.rcode} ${(res.answers ?? []).map((a) => { const data = (a as { data?: unknown }).data; return type === 'SOA' ? (data as { serial: number }).serial : String(data); }).sort().join(',')}`);
    }
    return [...new Set(out)];
  };
  return { s, httpPort, dnsPort, call, askAll };
}

describe('serve with the control API', () => {
  it('serves changes from every worker once answered, and again after a restart', async () => {
    const stateDir = tempDir('pgn-api-e2e-');
    const tokenFile = path.join(stateDir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const first = await start(stateDir, tokenFile);
    expect((await first.call('PUT', '/zones/e2e.test', { ns: ['ns1.e2e.test.'], rrsets: [{ owner: 'ns1', type: 'A', records: ['192.0.2.53'] }] }, 'wrong')).status).toBe(401);
    expect(await first.askAll('ns1.e2e.test', 'A', 2)).toEqual(['REFUSED ']);

    const created = await first.call('PUT', '/zones/e2e.test', { ns: ['ns1.e2e.test.'], soa: { serial: 10 }, rrsets: [{ owner: 'ns1', type: 'A', records: ['192.0.2.53'] }] });
    expect(created).toEqual({ status: 201, json: { zone: 'e2e.test.', serial: 10, changed: true } });
    expect(await first.askAll('ns1.e2e.test', 'A')).toEqual(['NOERROR 192.0.2.53']);
    await waitHealth(first.s, first.httpPort, 200);

    const times: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const t0 = performance.now();
      const res = await first.call('PUT', '/zones/e2e.test/records/www/A', { ttl: 60, records: [`198.51.100.${i}`] });
      times.push(performance.now() - t0);
      expect(res.json).toMatchObject({ serial: 10 + i, changed: true });
      // Answered: every worker serves it.
      expect(await first.askAll('www.e2e.test', 'A', 4)).toEqual([`NOERROR 198.51.100.${i}`]);
    }
    times.sort((a, b) => a - b);
    console.log(`PUT RRset, answered once both workers serve it: median ${times[10].toFixed(1)} ms, max ${times[19].toFixed(1)} ms`);
    expect(await first.askAll('e2e.test', 'SOA')).toEqual(['NOERROR 30']);

    first.s.child.kill('SIGTERM');
    expect(await first.s.exited).toBe(0);

    const second = await start(stateDir, tokenFile);
    // Served from the state directory before "serving": /healthz is 200 with no zone file at all.
    await waitHealth(second.s, second.httpPort, 200);
    expect(second.s.logs.find((l) => l.event === 'zone_loaded')).toMatchObject({ zone: 'e2e.test.', serial: 30, source: 'api' });
    expect(await second.askAll('www.e2e.test', 'A')).toEqual(['NOERROR 198.51.100.20']);
    expect((await second.call('DELETE', '/zones/e2e.test/records/www/A')).json).toMatchObject({ serial: 31 });
    expect(await second.askAll('www.e2e.test', 'A', 4)).toEqual(['NXDOMAIN ']);
    second.s.child.kill('SIGTERM');
    expect(await second.s.exited).toBe(0);
  });

  it('exits 2 when the token file cannot be read or is empty', async () => {
    const dir = tempDir('pgn-api-token-');
    writeFileSync(path.join(dir, 'empty'), '\n');
    for (const [file, reason] of [[path.join(dir, 'missing'), /cannot read .*missing/], [path.join(dir, 'empty'), /empty is empty/]] as const) {
      const s = startServer(['--zone', 'examples/localhost.zone', '--api-token-file', file, '--listen', `127.0.0.1:${await freePort()}`, '--http', '127.0.0.1:0', '--workers', '1']);
      expect(await s.exited).toBe(2);
      expect(describeLogs(s)).toMatch(reason);
    }
  });
});
