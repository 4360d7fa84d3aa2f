// A running server (2 workers) flooded on loopback: 30,000 mutated queries from 64 source ports
// and 100 garbage TCP connections, bounded in count and time. Afterwards it still answers over
// UDP and TCP, /healthz is 200, no worker died, and /metrics shows every packet: each rcode and
// each drop reason exactly as the same engine, run in this process on the same packets, decides.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DROP_ENGINE_BASE, DROP_REASON_NAMES, QTYPE_BUCKET, QTYPE_BUCKET_NAMES, RCODE_BUCKET, RCODE_BUCKET_NAMES,
} from '../src/worker/counters.ts';
import { ANSWER_HANDOFF } from '../src/answer/answer.ts';
import { encodeQuery, engineFor } from './helpers/engine.ts';
import { seededRandom } from './helpers/random.ts';
import { healthz, query, scrape, startServing, stopServers, tcpQuery, udpQuery, waitFor } from './serve-harness.ts';

const UDP_PACKETS = 30_000;
const SOCKETS = 64;
const TCP_CONNECTIONS = 100;
/**
 * Answers still expected but not yet received. Keeps the sockets' receive buffers (here and in
 * the server) far from full, so the kernel drops nothing on a busy machine: every datagram sent
 * must be counted by the server for the totals below to be exact.
 */
const WINDOW = 32;
const MAX_MESSAGE = 4096;

afterEach(stopServers);

const ZONE_FILE = 'examples/shop.example.zone';
const engine = engineFor(
  { 'shop.example.': readFileSync(ZONE_FILE, 'utf8') },
  // As in serve: transfers, NOTIFY and TSIG-signed queries go to the primary (handoff).
  { maxUdpPayload: 1232, chaos: { idServer: 'x', hostnameBind: 'x', versionBind: 'x' }, handoff: true },
);
const scratch = new Uint8Array(65536);

/**
 * What the server must count for a packet: its queries_total series, or its drop reason; null for
 * one the workers hand to the primary (its answer depends on ACLs and keys, tested elsewhere).
 */
function expectation(packet: Uint8Array, tcp: boolean): { series: string } | { drop: string } | null {
  const len = engine.answer(packet, packet.length, scratch, tcp);
  if (len === ANSWER_HANDOFF) return null;
  if (len === 0) return { drop: DROP_REASON_NAMES[DROP_ENGINE_BASE + engine.lastDropReason] };
  const transport = tcp ? 'tcp' : 'udp';
  const qtype = QTYPE_BUCKET_NAMES[QTYPE_BUCKET[engine.lastQtype]];
  const rcode = RCODE_BUCKET_NAMES[RCODE_BUCKET[engine.lastRcode]];
  return { series: `peregrine_queries_total{transport="${transport}",qtype="${qtype}",rcode="${rcode}"}` };
}

const NAMES = ['shop.example.', 'www.shop.example.', 'img2.shop.example.', 'nope.shop.example.', 'a.b.shop.example.', 'example.com.', 'SHOP.example.'];
const TYPES = ['SOA', 'A', 'AAAA', 'NS', 'MX', 'TXT', 'ANY', 'CNAME'];

function mutated(rand: () => number): Uint8Array {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const int = (n: number) => Math.floor(rand() * n);
  if (rand() < 0.1) return Uint8Array.from({ length: int(120) }, () => int(256)); // plain garbage
  const edns = rand() < 0.5 ? { edns: pick([512, 1232, 4096]), do: rand() < 0.3 } : {};
  let b = Uint8Array.from(encodeQuery(pick(NAMES), pick(TYPES), edns));
  b[0] = int(256);
  b[1] = int(256);
  const mutations = int(4); // 0 to 3: some packets stay valid
  for (let m = 0; m < mutations; m++) {
    const at = b.length === 0 ? 0 : int(b.length);
    switch (int(7)) {
      case 0: if (b.length > 0) b[at] ^= 1 << int(8); break;
      case 1: b = b.subarray(0, at); break;
      case 2: b = Uint8Array.from([...b.subarray(0, at), ...Array.from({ length: 1 + int(6) }, () => int(256)), ...b.subarray(at)]); break;
      case 3: if (b.length >= 14) { const p = Math.min(at, b.length - 2); b[p] = 0xc0; b[p + 1] = int(b.length + 8); } break;
      case 4: if (b.length >= 12) { const f = 4 + 2 * int(4); b[f] = 0; b[f + 1] = int(3); } break;
      case 5: if (b.length > 0) b[at] = pick([0, 0x3f, 0x40, 0x80, 0xc0, 0xff]); break;
      case 6: b = Uint8Array.from([...b, ...Array.from({ length: 1 + int(30) }, () => int(256))]); break;
    }
  }
  return b;
}

/** A mutated packet the workers answer or drop themselves, with what they must count for it. */
function mutatedQuery(rand: () => number, tcp: boolean): { packet: Uint8Array; e: { series: string } | { drop: string } } {
  for (;;) {
    let packet = mutated(rand);
    // A TCP frame shorter than a header closes the connection: keep those to the garbage connections.
    if (tcp && packet.length < 12) packet = Uint8Array.from([...packet, ...new Uint8Array(12 - packet.length)]);
    const e = expectation(packet, tcp);
    if (e !== null) return { packet, e };
  }
}

function add(map: Map<string, number>, key: string, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** One garbage TCP connection; resolves when it is closed (by either side). */
function garbageConnection(port: number, bytes: Uint8Array, endAfter: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.once('close', () => resolve());
    socket.once('connect', () => {
      socket.write(bytes);
      if (endAfter) socket.end();
    });
  });
}

describe('peregrine serve under a flood', () => {
  it('keeps answering through 30k mutated datagrams and 100 garbage TCP connections, and counts every drop by reason', async () => {
    const { s, dnsPort, httpPort } = await startServing([
      '--zone', ZONE_FILE,
      '--workers', '2',
      '--tcp-max-message', String(MAX_MESSAGE),
    ]);

    const rand = seededRandom(0xf100d);
    const expectedSeries = new Map<string, number>();
    const expectedDrops = new Map<string, number>();
    let expectedAnswers = 0;

    // UDP: 30,000 packets round-robin over 64 sockets, at most WINDOW answers outstanding.
    const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => new Promise<dgram.Socket>((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.bind(0, '127.0.0.1', () => resolve(socket));
    })));
    let received = 0;
    let wake: (() => void) | null = null;
    for (const socket of sockets) {
      socket.on('message', () => {
        received++;
        wake?.();
      });
    }
    const started = Date.now();
    for (let i = 0; i < UDP_PACKETS; i++) {
      const { packet, e } = mutatedQuery(rand, false);
      if ('drop' in e) add(expectedDrops, e.drop);
      else {
        add(expectedSeries, e.series);
        expectedAnswers++;
      }
      sockets[i % SOCKETS].send(packet, dnsPort, '127.0.0.1');
      const since = Date.now();
      while (expectedAnswers - received > WINDOW) {
        if (Date.now() - since > 5000) throw new Error(`answers stopped at ${received} of ${expectedAnswers} after ${i + 1} datagrams: lost (kernel buffers)?`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 20);
        });
      }
    }
    try {
      await waitFor(() => received >= expectedAnswers, `${expectedAnswers} UDP answers`, 10_000);
    } catch (err) {
      const m = await scrape(httpPort);
      throw new Error(`${(err as Error).message}: got ${received}; server counted ${JSON.stringify(Object.fromEntries([...m].filter(([k]) => /dropped|worker_queries/.test(k))))}`);
    }
    const udpSeconds = (Date.now() - started) / 1000;

    // TCP: 100 garbage connections at once. A third open with a length below 12, a third with
    // one above --tcp-max-message, a third send 1-3 mutated messages then close their side.
    let tcpFrames = 0;
    const connections: Promise<void>[] = [];
    for (let c = 0; c < TCP_CONNECTIONS; c++) {
      const kind = c % 3;
      if (kind === 0) {
        connections.push(garbageConnection(dnsPort, Uint8Array.from([0, Math.floor(rand() * 12), 1, 2, 3]), false));
        add(expectedDrops, 'tcp_bad_frame');
      } else if (kind === 1) {
        connections.push(garbageConnection(dnsPort, Uint8Array.from([0xff, 0xff, ...Array.from({ length: 100 }, () => 0x41)]), false));
        add(expectedDrops, 'tcp_too_large');
      } else {
        const frames: number[] = [];
        for (let f = 1 + Math.floor(rand() * 3); f > 0; f--) {
          const { packet: m, e } = mutatedQuery(rand, true);
          if ('drop' in e) add(expectedDrops, e.drop);
          else add(expectedSeries, e.series);
          frames.push(m.length >> 8, m.length & 0xff, ...m);
          tcpFrames++;
        }
        connections.push(garbageConnection(dnsPort, Uint8Array.from(frames), true));
      }
    }
    await Promise.all(connections);
    const totalSeconds = (Date.now() - started) / 1000;

    // Still serving, correctly, over both transports.
    expect(await healthz(httpPort)).toBe(200);
    const udp = await udpQuery(dnsPort, query('shop.example', 'SOA', 1));
    expect([udp.rcode, udp.answers?.map((a) => a.type)], JSON.stringify(udp)).toEqual(['NOERROR', ['SOA']]);
    const tcp = await tcpQuery(dnsPort, query('img2.shop.example', 'A', 2));
    expect(tcp.rcode).toBe('NOERROR');
    expect(tcp.answers?.length).toBeGreaterThan(0);
    add(expectedSeries, 'peregrine_queries_total{transport="udp",qtype="SOA",rcode="NOERROR"}');
    add(expectedSeries, 'peregrine_queries_total{transport="tcp",qtype="A",rcode="NOERROR"}');

    const sent = UDP_PACKETS + tcpFrames + 2;
    await waitFor(async () => {
      const m = await scrape(httpPort);
      return (m.get('peregrine_worker_queries_total{worker="0"}') ?? 0) + (m.get('peregrine_worker_queries_total{worker="1"}') ?? 0) >= sent
        && m.get('peregrine_tcp_connections') === 0;
    }, `every message counted and every connection closed`, 10_000);
    const m = await scrape(httpPort);
    const workerTotal = (m.get('peregrine_worker_queries_total{worker="0"}') ?? 0) + (m.get('peregrine_worker_queries_total{worker="1"}') ?? 0);
    expect(workerTotal).toBe(sent);
    // Both workers took part: 64 source ports spread over both by SO_REUSEPORT.
    expect(m.get('peregrine_worker_queries_total{worker="0"}')).toBeGreaterThan(0);
    expect(m.get('peregrine_worker_queries_total{worker="1"}')).toBeGreaterThan(0);

    const series = new Map([...m].filter(([k]) => k.startsWith('peregrine_queries_total')));
    expect(new Map([...series].sort())).toEqual(new Map([...expectedSeries].sort()));
    const drops = new Map([...m].filter(([k, v]) => k.startsWith('peregrine_dropped_total') && v > 0));
    expect(new Map([...drops].sort())).toEqual(
      new Map([...expectedDrops].map(([reason, n]) => [`peregrine_dropped_total{reason="${reason}"}`, n] as [string, number]).sort()),
    );
    expect(m.get('peregrine_dropped_total{reason="engine_error"}')).toBe(0);
    expect(m.get('peregrine_worker_restarts_total')).toBe(0);
    // What was sent, for the record (PEREGRINE_TEST_REPORT=1 prints it).
    if (process.env.PEREGRINE_TEST_REPORT) {
      console.log(JSON.stringify({ udpSeconds, totalSeconds, udpAnswers: expectedAnswers, tcpFrames, drops: Object.fromEntries(drops), series: Object.fromEntries(series) }, null, 1));
    }

    for (const socket of sockets) socket.close();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 60_000);
});
