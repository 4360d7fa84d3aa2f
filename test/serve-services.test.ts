// `peregrine serve --services … --registry …` as a process, with real HTTP health endpoints on
// 127.0.0.11-13 flipped under it: the DNS answer follows within interval × fails + 1 s, the SOA
// serial moves once per change, all down answers with all (fail open), the selection and serial
// survive a restart (state dir); a registry file rewritten by atomic rename is served within 1 s.

import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rank } from '../src/sources/services/rendezvous.ts';
import { replaceAtomically, serial } from './reload-harness.ts';
import { metricsText, query, startServing, stopServers, udpQuery, waitFor } from './serve-harness.ts';

const IPS = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
const INTERVAL_S = 0.5;
const FAILS = 2;
/** The bound: interval × fails + 1 s. */
const FOLLOWS_WITHIN_MS = INTERVAL_S * FAILS * 1000 + 1000;

/** An HTTP health endpoint on one address: 200 while healthy, 500 otherwise. */
interface Backend {
  ip: string;
  healthy: boolean;
  server: http.Server;
}

const backends: Backend[] = [];
afterEach(stopServers);
afterAll(async () => {
  for (const b of backends.splice(0)) {
    b.server.closeAllConnections();
    await new Promise<void>((r) => b.server.close(() => r()));
  }
});

/** One port free on every address: the check URL template has one port. */
async function startBackends(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const started: Backend[] = [];
    let port = 0;
    try {
      for (const ip of IPS) {
        const b: Backend = { ip, healthy: true, server: http.createServer() };
        b.server.on('request', (_req, res) => {
          res.statusCode = b.healthy ? 200 : 500;
          res.end(b.healthy ? 'ok' : 'down');
        });
        await new Promise<void>((resolve, reject) => {
          b.server.once('error', reject);
          b.server.listen(port, ip, () => resolve());
        });
        started.push(b);
        port = (b.server.address() as { port: number }).port;
      }
      backends.push(...started);
      return port;
    } catch {
      for (const b of started) b.server.close();
    }
  }
  throw new Error(`no port free on ${IPS.join(', ')}`);
}

async function answer(dnsPort: number, name: string): Promise<string[]> {
  const res = await udpQuery(dnsPort, query(name, 'A', 7), 1000);
  return (res.answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data: unknown }).data)).sort();
}

const ranked = (name: string) => rank(name, IPS.map((text) => ({ text, weight: 1 }))).map((i) => IPS[i]);

describe('peregrine serve: health-checked services', () => {
  it('answers follow endpoint health, the serial moves once per change, fail open, stable across restarts', async () => {
    const port = await startBackends();
    const dir = mkdtempSync(path.join(tmpdir(), 'pgn-services-'));
    const state = path.join(dir, 'state');
    const file = path.join(dir, 'svc.yaml');
    writeFileSync(
      file,
      [
        'zone: svc.test',
        'ttl: 30',
        'services:',
        '  - name: www',
        '    replicas: 2',
        `    endpoints: [${IPS.join(', ')}]`,
        `    check: { http: "http://{ip}:${port}/healthz", interval: ${INTERVAL_S}, fails: ${FAILS}, succs: 2 }`,
      ].join('\n'),
    );
    const args = ['--services', file, '--workers', '2', '--state-dir', state];
    const { s, dnsPort, httpPort } = await startServing(args);
    const order = ranked('www.svc.test.');
    const byIp = (ip: string) => backends.find((b) => b.ip === ip)!;

    expect(await answer(dnsPort, 'www.svc.test')).toEqual([order[0], order[1]].sort());
    const serial0 = (await serial(dnsPort, 'svc.test.'))!;

    // A chosen endpoint fails: the third takes its place.
    let since = Date.now();
    byIp(order[0]).healthy = false;
    await waitFor(async () => !(await answer(dnsPort, 'www.svc.test')).includes(order[0]), `${order[0]} out of the answer`, FOLLOWS_WITHIN_MS);
    const tookDown = Date.now() - since;
    expect(await answer(dnsPort, 'www.svc.test')).toEqual([order[1], order[2]].sort());
    expect(await serial(dnsPort, 'svc.test.')).toBe(serial0 + 1);

    // The last one of the answer fails too: it stands alone.
    byIp(order[2]).healthy = false;
    await waitFor(async () => (await answer(dnsPort, 'www.svc.test')).length === 1, 'only one endpoint left', FOLLOWS_WITHIN_MS);
    expect(await answer(dnsPort, 'www.svc.test')).toEqual([order[1]]);
    expect(await serial(dnsPort, 'svc.test.')).toBe(serial0 + 2);

    // All down: every endpoint (fail open).
    byIp(order[1]).healthy = false;
    await waitFor(async () => (await answer(dnsPort, 'www.svc.test')).length === 3, 'fail open', FOLLOWS_WITHIN_MS);
    expect(await serial(dnsPort, 'svc.test.')).toBe(serial0 + 3);

    // Back one at a time (after succs probes each).
    since = Date.now();
    byIp(order[1]).healthy = true;
    await waitFor(async () => (await answer(dnsPort, 'www.svc.test')).length === 1, `${order[1]} back alone`, FOLLOWS_WITHIN_MS);
    const tookUp = Date.now() - since;
    expect(await answer(dnsPort, 'www.svc.test')).toEqual([order[1]]);
    expect(await serial(dnsPort, 'svc.test.')).toBe(serial0 + 4);
    byIp(order[0]).healthy = true;
    await waitFor(async () => (await answer(dnsPort, 'www.svc.test')).length === 2, `${order[0]} back`, FOLLOWS_WITHIN_MS);
    expect(await answer(dnsPort, 'www.svc.test')).toEqual([order[0], order[1]].sort());
    const serial5 = (await serial(dnsPort, 'svc.test.'))!;
    expect(serial5).toBe(serial0 + 5);

    // The third coming back changes no answer set: the serial stays.
    byIp(order[2]).healthy = true;
    await waitFor(async () => (await metricsText(httpPort)).includes(`peregrine_endpoint_up{service="www",endpoint="${order[2]}"} 1`), `${order[2]} up`, FOLLOWS_WITHIN_MS);
    expect(await answer(dnsPort, 'www.svc.test')).toEqual([order[0], order[1]].sort());
    expect(await serial(dnsPort, 'svc.test.')).toBe(serial5);
    console.log(`answer followed: down in ${tookDown} ms, up in ${tookUp} ms (bound ${FOLLOWS_WITHIN_MS} ms)`);

    const metrics = await metricsText(httpPort);
    for (const ip of IPS) expect(metrics).toContain(`peregrine_endpoint_up{service="www",endpoint="${ip}"} 1`);
    expect(metrics).toContain(`peregrine_endpoint_transitions_total{service="www",endpoint="${order[0]}",to="down"} 1`);
    expect(metrics).toMatch(/peregrine_check_duration_seconds_count\{kind="http"\} [1-9]/);
    expect(metrics).toContain(`peregrine_zone_serial{zone="svc.test."} ${serial5}`);
    // One version per change, no more: start + 5 changes.
    expect(s.logs.filter((l) => l.event === 'zone_reloaded' && l.zone === 'svc.test.')).toHaveLength(5);

    // A restart with the same state dir: same selection, same serial (nothing changed).
    s.child.kill('SIGKILL');
    await s.exited;
    const again = await startServing(args);
    expect(await answer(again.dnsPort, 'www.svc.test')).toEqual([order[0], order[1]].sort());
    expect(await serial(again.dnsPort, 'svc.test.')).toBe(serial5);
  });

  it('serves a registry file rewritten by atomic rename within 1 s', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pgn-registry-'));
    const file = path.join(dir, 'cluster.json');
    const registry = (ip: string) => JSON.stringify({ zone: 'cluster.test', ttl: 5, reverse: ['10.in-addr.arpa'], records: [{ name: 'web-1.hello', ips: [ip, 'fd00::1'] }] });
    writeFileSync(file, registry('10.0.0.1'));
    const { dnsPort } = await startServing(['--registry', file, '--workers', '2']);
    expect(await answer(dnsPort, 'web-1.hello.cluster.test')).toEqual(['10.0.0.1']);
    const ptr = await udpQuery(dnsPort, query('1.0.0.10.in-addr.arpa', 'PTR', 8));
    expect(ptr.answers?.map((a) => String((a as { data: unknown }).data))).toEqual(['web-1.hello.cluster.test']);

    const since = Date.now();
    replaceAtomically(file, registry('10.0.0.2'));
    await waitFor(async () => (await answer(dnsPort, 'web-1.hello.cluster.test'))[0] === '10.0.0.2', 'the rewrite served', 1000);
    console.log(`registry rewrite served in ${Date.now() - since} ms`);
  });
});
