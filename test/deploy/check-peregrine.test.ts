// keepalived/check-peregrine, the MISC_CHECK health probe: exit 0 only for a serving appliance,
// 1 for everything else, within 2 s in every case. Run as keepalived runs it: by absolute path,
// with an empty environment (no PATH). Everything stays on 127.0.0.1.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, query, startServer, stopServers, udpQuery, waitHealth, type Server } from '../serve-harness.ts';

const SCRIPT = path.resolve('keepalived/check-peregrine');
/** The bound the issue sets for every case. */
const BOUND_MS = 2000;

interface ProbeResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the probe like keepalived does: absolute path, arguments, bare environment. */
function probe(args: string[], env: Record<string, string> = {}, script = SCRIPT): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(script, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Safety net for the test itself only (the bound is asserted on `ms`).
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const measured: string[] = [];
function record(label: string, r: ProbeResult): void {
  measured.push(`${label}: exit ${r.code} in ${r.ms.toFixed(0)} ms — ${(r.stdout + r.stderr).trim().split('\n')[0]}`);
}
afterAll(() => {
  // The numbers, for whoever reads the test output.
  console.log(`check-peregrine timings:\n  ${measured.join('\n  ')}`);
});

const sockets: dgram.Socket[] = [];
afterEach(async () => {
  await stopServers();
  for (const s of sockets.splice(0)) s.close();
});

async function startAppliance(drain: number): Promise<{ server: Server; dnsPort: number }> {
  const dnsPort = await freePort();
  const httpPort = await freePort();
  const server = startServer([
    '--zone', 'examples/localhost.zone',
    '--listen', `127.0.0.1:${dnsPort}`,
    '--listen', `[::1]:${dnsPort}`,
    '--workers', '1',
    '--http', `127.0.0.1:${httpPort}`,
    '--drain', String(drain),
  ]);
  await waitHealth(server, httpPort, 200);
  return { server, dnsPort };
}

/** A UDP socket on 127.0.0.1 that hands each query to `answer` (null: stay silent). */
async function fakeServer(answer: (q: dnsPacket.DecodedPacket, raw: Buffer) => Buffer | null): Promise<{ port: number; queries: dnsPacket.DecodedPacket[] }> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const queries: dnsPacket.DecodedPacket[] = [];
  socket.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    queries.push(q);
    const reply = answer(q, msg);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, queries };
}

function reply(q: dnsPacket.DecodedPacket, fields: Partial<dnsPacket.Packet> & { rcode?: string }): Buffer {
  const { rcode, ...rest } = fields;
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | (rcode ? ({ REFUSED: 5, SERVFAIL: 2, NXDOMAIN: 3 } as Record<string, number>)[rcode] : 0);
  return dnsPacket.encode({ type: 'response', id: q.id, flags, questions: q.questions, ...rest });
}

const serving = (q: dnsPacket.DecodedPacket, text = 'serving'): dnsPacket.Answer =>
  ({ name: q.questions![0].name, type: 'TXT', class: 'CH', ttl: 0, data: [text] }) as dnsPacket.Answer;

describe('check-peregrine against the appliance', () => {
  it('exits 0 for a running appliance (IPv4, IPv6), with a bare environment, by absolute path and through a symlink', async () => {
    const { dnsPort } = await startAppliance(0);
    const r = await probe(['127.0.0.1', String(dnsPort)]);
    record('running appliance', r);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/NOERROR, TXT "serving"/);
    expect(r.ms).toBeLessThan(BOUND_MS);

    // IPv6, plain or in brackets; -q: silent when healthy.
    for (const host of ['::1', '[::1]']) {
      const v6 = await probe([host, String(dnsPort)]);
      expect(v6.code, v6.stderr).toBe(0);
      expect(v6.stdout).toContain(`[::1]:${dnsPort}: NOERROR`);
    }
    const quiet = await probe(['-q', '127.0.0.1', String(dnsPort)]);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });

    // keepalived.conf may name the script through a symlink (e.g. /etc/keepalived/...): the
    // runtime is still found beside the real file.
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-probe-link-'));
    try {
      symlinkSync(SCRIPT, path.join(dir, 'check-peregrine'));
      const viaLink = await probe(['127.0.0.1', String(dnsPort)], {}, path.join(dir, 'check-peregrine'));
      expect(viaLink.code, viaLink.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits non-zero for a draining appliance (SIGTERM, --drain 5) that still answers other queries', async () => {
    const { server, dnsPort } = await startAppliance(5);
    expect((await probe(['127.0.0.1', String(dnsPort)])).code).toBe(0);
    server.child.kill('SIGTERM');
    // Once the drain has begun, the probe fails at once, while ordinary queries are answered.
    let r: ProbeResult | undefined;
    const deadline = Date.now() + 3000;
    do {
      r = await probe(['127.0.0.1', String(dnsPort)]);
    } while (r.code === 0 && Date.now() < deadline);
    record('draining appliance', r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SERVFAIL \(draining/);
    expect(r.ms).toBeLessThan(BOUND_MS);
    const ordinary = await udpQuery(dnsPort, query('localhost', 'A', 77));
    expect(ordinary.rcode).toBe('NOERROR');
    expect(server.child.exitCode).toBe(null); // still inside the drain period
  });
});

describe('check-peregrine without a healthy answer', () => {
  it('exits non-zero within 2 s for a closed port', async () => {
    const port = await freePort();
    const r = await probe(['127.0.0.1', String(port)]);
    record('closed port', r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/port closed/);
    expect(r.ms).toBeLessThan(BOUND_MS);
  });

  it('exits non-zero within 2 s for a socket that reads queries but never answers (one retransmission)', async () => {
    const silent = await fakeServer(() => null);
    const r = await probe(['127.0.0.1', String(silent.port)]);
    record('silent socket', r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no answer within 1000 ms/);
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect(r.ms).toBeLessThan(BOUND_MS);
    // It did send the real query: CH TXT health.peregrine., sent twice with one ID, RD off.
    expect(silent.queries).toHaveLength(2);
    expect(silent.queries[0].questions).toEqual([{ name: 'health.peregrine', type: 'TXT', class: 'CH' }]);
    expect(silent.queries[1].id).toBe(silent.queries[0].id);
    expect(silent.queries[0].flags! & dnsPacket.RECURSION_DESIRED).toBe(0);
  });

  it('takes its timeout from -t or PEREGRINE_CHECK_TIMEOUT', async () => {
    const silent = await fakeServer(() => null);
    const flag = await probe(['-t', '0.3', '127.0.0.1', String(silent.port)]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/no answer within 300 ms/);
    expect(flag.ms).toBeGreaterThanOrEqual(300);
    expect(flag.ms).toBeLessThan(1000);
    const env = await probe(['127.0.0.1', String(silent.port)], { PEREGRINE_CHECK_TIMEOUT: '0.2' });
    expect(env.stderr).toMatch(/no answer within 200 ms/);
    expect(env.ms).toBeLessThan(1000);
  });

  it('exits 1 for REFUSED, SERVFAIL, a wrong or missing TXT, TC=1 and garbage; 0 only for "serving"', async () => {
    const cases: Array<[string, (q: dnsPacket.DecodedPacket, raw: Buffer) => Buffer | null, number, RegExp]> = [
      ['serving (compressed owner)', (q) => reply(q, { answers: [serving(q)] }), 0, /NOERROR, TXT "serving"/],
      ['REFUSED', (q) => reply(q, { rcode: 'REFUSED' }), 1, /REFUSED/],
      ['SERVFAIL', (q) => reply(q, { rcode: 'SERVFAIL' }), 1, /SERVFAIL/],
      ['NOERROR, other text', (q) => reply(q, { answers: [serving(q, 'draining')] }), 1, /TXT "draining", not "serving"/],
      ['NOERROR, no answer', (q) => reply(q, {}), 1, /no CH TXT health\.peregrine\. answer/],
      ['NOERROR, TXT in class IN', (q) => reply(q, { answers: [{ ...serving(q), class: 'IN' } as dnsPacket.Answer] }), 1, /no CH TXT/],
      ['another question', (q) => reply({ ...q, questions: [{ name: 'id.server', type: 'TXT', class: 'CH' }] }, { answers: [serving(q)] }), 1, /another question/],
      ['TC=1', (q) => {
        const b = reply(q, { answers: [serving(q)] });
        b[2] |= 0x02;
        return b;
      }, 1, /TC=1/],
      ['garbage', (_q, raw) => Buffer.concat([raw.subarray(0, 2), Buffer.from([0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0])]), 1, /malformed/],
      ['query echoed back (QR=0)', (_q, raw) => raw, 1, /QR=0/],
    ];
    for (const [label, answer, code, message] of cases) {
      const fake = await fakeServer(answer);
      const r = await probe(['127.0.0.1', String(fake.port)]);
      expect({ label, code: r.code }).toEqual({ label, code });
      expect(r.stdout + r.stderr, label).toMatch(message);
      expect(r.ms, label).toBeLessThan(BOUND_MS);
    }
  });

  it('ignores a reply with another ID (waits for its own, then times out)', async () => {
    const fake = await fakeServer((q) => reply({ ...q, id: (q.id! + 1) & 0xffff }, { answers: [serving(q)] }));
    const r = await probe(['-t', '0.3', '127.0.0.1', String(fake.port)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no answer within 300 ms/);
  });

  it('exits 1, with the usage, for a wrong command line, and when the runtime is missing', async () => {
    for (const args of [[], ['localhost'], ['127.0.0.1', '99999'], ['127.0.0.1', '53', 'extra'], ['-t', 'x', '127.0.0.1'], ['--bogus', '127.0.0.1']]) {
      const r = await probe(args);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toMatch(/usage: check-peregrine/);
    }
    const noNode = await probe(['127.0.0.1'], { PEREGRINE_NODE: '/nonexistent/node' });
    expect(noNode.code).toBe(1);
    expect(noNode.stderr).toMatch(/no Node runtime/);
  });
});
