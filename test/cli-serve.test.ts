// `peregrine serve` as a process: health, answers over UDP and TCP, zone errors, drain on SIGTERM.

import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import {
  describeLogs,
  IO_MODES,
  ioLogged,
  freePort,
  healthz,
  query,
  startServer,
  stopServers,
  tcpQuery,
  udpQuery,
  waitFor,
  waitHealth,
  type Response,
  type Server,
} from './serve-harness.ts';

afterEach(stopServers);

const serve = (args: string[]): Server => startServer(args);

/** The zones of the example's services and registry files. */
const EXAMPLE_GENERATED = ['svc.example.', 'cluster.example.', '2.0.192.in-addr.arpa.'];

/** What `localhost. A` must get from examples/localhost.zone. */
function expectLocalhostA(res: Response, id: number): void {
  expect(res.id).toBe(id);
  expect(res.type).toBe('response');
  expect(res.questions).toEqual([{ name: 'localhost', type: 'A', class: 'IN' }]);
  expect(res.rcode).toBe('NOERROR');
  expect(res.flag_aa).toBe(true);
  expect(res.flag_ra).toBe(false);
  expect(res.answers?.map((a) => [a.name, a.type, 'data' in a ? a.data : undefined])).toEqual([
    ['localhost', 'A', '127.0.0.1'],
  ]);
}

describe('peregrine serve', () => {
  it.each(IO_MODES)('serves a zone over UDP and TCP, then drains on SIGTERM and exits 0 (--io %s)', async (io) => {
    const dnsPort = await freePort();
    const httpPort = await freePort();
    const s = serve([
      '--zone', 'examples/localhost.zone',
      '--listen', `127.0.0.1:${dnsPort}`,
      '--workers', '1',
      '--http', `127.0.0.1:${httpPort}`,
      '--drain', '1',
      '--io', io,
    ]);
    await waitHealth(s, httpPort, 200);
    expect(ioLogged(s, io), describeLogs(s)).toBe(true);
    expect(s.logs.find((l) => l.event === 'zone_loaded')).toMatchObject({ zone: 'localhost.', serial: 42, records: 3 });

    expectLocalhostA(await udpQuery(dnsPort, query('localhost', 'A', 0x1234)), 0x1234);
    expectLocalhostA(await tcpQuery(dnsPort, query('localhost', 'A', 0x4321)), 0x4321);
    const probe = () => udpQuery(dnsPort, query('health.peregrine', 'TXT', 9, 'CH'));
    const healthy = await probe();
    expect(healthy.rcode).toBe('NOERROR');
    expect(String((healthy.answers?.[0] as { data: Buffer[] }).data[0])).toBe('serving');

    const signalled = Date.now();
    s.child.kill('SIGTERM');
    await waitFor(async () => (await healthz(httpPort)) === 503, '/healthz 503 while draining', 900);
    // The DNS health probe fails at once; everything else is still answered while the load
    // balancer moves traffic away.
    expect((await probe()).rcode).toBe('SERVFAIL');
    expectLocalhostA(await udpQuery(dnsPort, query('localhost', 'A', 7)), 7);
    expect(await s.exited).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(900);
    expect(s.logs.map((l) => l.event)).toEqual(expect.arrayContaining(['start', 'zone_loaded', 'serving', 'drain', 'stop']));
    expect(s.logs.filter((l) => l.level !== undefined && (l.level as number) >= 50)).toEqual([]);
  });

  it('leaves out a zone with errors, logging FILE:LINE, and serves the rest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-serve-'));
    const bad = path.join(dir, 'broken.example.zone');
    writeFileSync(bad, '$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n  IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.256\n');
    const dnsPort = await freePort();
    const httpPort = await freePort();
    const s = serve([
      '--zone', bad,
      '--zone', 'examples/localhost.zone',
      '--listen', `127.0.0.1:${dnsPort}`,
      '--workers', '2',
      '--http', `127.0.0.1:${httpPort}`,
      '--drain', '0',
    ]);
    await waitHealth(s, httpPort, 200);
    const zoneError = s.logs.find((l) => l.event === 'zone_error');
    expect(zoneError).toMatchObject({ file: bad, line: 5, code: 'PGN_ERR_ZONE_DATA' });
    expect(String(zoneError?.msg)).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: `));
    expect(s.logs.find((l) => l.event === 'zone_rejected')).toMatchObject({ file: bad });
    expect(s.logs.find((l) => l.event === 'serving')).toMatchObject({ zones: 1, workers: 2 });
    expectLocalhostA(await udpQuery(dnsPort, query('localhost', 'A', 99)), 99);
    // The rejected zone is not served: its names are out of zone, hence REFUSED.
    const refused = await udpQuery(dnsPort, query('www.broken.example', 'A', 100));
    expect(refused.id).toBe(100);
    expect(refused.rcode).toBe('REFUSED');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('keeps running with no zone loaded, /healthz 503', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-serve-'));
    const bad = path.join(dir, 'only.example.zone');
    writeFileSync(bad, 'this is not a zone file\n');
    const dnsPort = await freePort();
    const httpPort = await freePort();
    const s = serve(['--zone', bad, '--listen', `127.0.0.1:${dnsPort}`, '--workers', '1', '--http', `127.0.0.1:${httpPort}`, '--drain', '0']);
    await waitFor(() => {
      if (s.child.exitCode !== null) throw new Error(`server exited:\n${describeLogs(s)}`);
      return s.logs.some((l) => l.event === 'serving');
    }, 'serving');
    expect(await healthz(httpPort)).toBe(503);
    expect(s.logs.some((l) => l.event === 'no_zone')).toBe(true);
    const res = await udpQuery(dnsPort, query('localhost', 'A', 5));
    expect(res.id).toBe(5);
    expect(res.rcode).toBe('REFUSED');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('serves with the example config file, flags overriding its keys', async () => {
    const dnsPort = await freePort();
    const httpPort = await freePort();
    const s = serve([
      '--config', 'examples/peregrine.yaml',
      '--listen', `127.0.0.1:${dnsPort}`,
      '--http', `127.0.0.1:${httpPort}`,
      '--workers', '1',
      '--drain', '0',
      '--state-dir', mkdtempSync(path.join(tmpdir(), 'pgn-state-')),
    ]);
    await waitHealth(s, httpPort, 200);
    // zones (localhost, shop.example) plus zone-dir (the third example zone, the others once),
    // plus the two zones of the tinydns data file, then the services and registry zones (sources
    // start together: their order varies).
    const loaded = s.logs.filter((l) => l.event === 'zone_loaded').map((l) => l.zone);
    const generated = [...EXAMPLE_GENERATED, 'hello.lain.', '10.in-addr.arpa.'];
    expect(loaded.filter((z) => !generated.includes(z as string))).toEqual(['localhost.', 'shop.example.', '0.0.127.in-addr.arpa.']);
    expect(loaded.filter((z) => generated.includes(z as string)).sort()).toEqual([...generated].sort());
    // The eight zones, and the catalog (catalog: catalog.example.) listing them.
    expect(s.logs.find((l) => l.event === 'serving')).toMatchObject({ zones: 9, workers: 1 });
    expect(s.logs.find((l) => l.event === 'catalog_updated')).toMatchObject({ zone: 'catalog.example.', members: 8 });
    expectLocalhostA(await udpQuery(dnsPort, query('localhost', 'A', 11)), 11);
    const id = await udpQuery(dnsPort, { type: 'query', id: 12, questions: [{ type: 'TXT', name: 'id.server', class: 'CH' }] });
    expect(id.answers?.map((a) => ('data' in a ? String(a.data) : null))).toEqual(['ns1.example.net']);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('exits 1 when it cannot listen', async () => {
    // A plain TCP listener (no SO_REUSEPORT) makes the workers' bind fail.
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as net.AddressInfo).port;
    try {
      const httpPort = await freePort();
      const s = serve(['--zone', 'examples/localhost.zone', '--listen', `127.0.0.1:${taken}`, '--workers', '1', '--http', `127.0.0.1:${httpPort}`]);
      expect(await s.exited, describeLogs(s)).toBe(1);
      expect(s.logs.find((l) => l.event === 'workers_failed')).toMatchObject({ code: 'PGN_ERR_LISTEN' });
    } finally {
      holder.close();
    }
  });
});

describe('peregrine serve: command line', () => {
  async function run(...argv: string[]) {
    let err = '';
    const code = await main(['serve', ...argv], { out: () => {}, err: (t) => void (err += t) });
    return { code, err };
  }

  it.each([
    [[], /nothing to serve/],
    [['--zone', 'x.zone', '--listen', 'localhost:53'], /not an IP address/],
    [['--zone', 'x.zone', '--listen', '::1:53'], /brackets/],
    [['--zone', 'x.zone', '--listen', '127.0.0.1'], /HOST:PORT/],
    [['--zone', 'x.zone', '--listen', '127.0.0.1:0'], /out of range/],
    [['--zone', 'x.zone', '--listen', '127.0.0.1:53', '--listen', '127.0.0.1:53'], /given twice/],
    [['--zone', 'x.zone', '--workers', '0'], /--workers/],
    [['--zone', 'x.zone', '--workers', 'many'], /--workers/],
    [['--zone', 'x.zone', '--drain', '-1'], /--drain/],
    [['--zone', 'x.zone', '--max-udp-size', '100'], /--max-udp-size/],
    [['--zone', '=x.zone'], /ORIGIN=FILE/],
    [['--zone', 'x.zone', 'extra'], /unexpected argument/],
    [['--zone', 'x.zone', '--bogus'], /bogus/],
    [['--zone', 'x.zone', '--io', 'epoll'], /--io: expected dgram or mmsg, got 'epoll'/],
  ])('rejects %j with exit 2', async (argv, message) => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('usage:');
  });
});

describe('peregrine serve on IPv6', () => {
  it.each(IO_MODES)('answers on every --listen address, IPv4 and IPv6, over UDP and TCP, with two workers (--io %s)', async (io) => {
    const port = await freePort();
    const httpPort = await freePort();
    const s = serve([
      '--zone', 'examples/localhost.zone',
      '--listen', `127.0.0.1:${port}`,
      '--listen', `[::1]:${port}`,
      '--workers', '2',
      '--http', `127.0.0.1:${httpPort}`,
      '--drain', '0',
      '--io', io,
    ]);
    await waitHealth(s, httpPort, 200);
    expect(ioLogged(s, io), describeLogs(s)).toBe(true);
    expectLocalhostA(await udpQuery(port, query('localhost', 'A', 1)), 1);
    expectLocalhostA(await udpQuery(port, query('localhost', 'A', 2), 2000, '::1'), 2);
    expectLocalhostA(await tcpQuery(port, query('localhost', 'A', 3), 2000, '::1'), 3);
  });
});
