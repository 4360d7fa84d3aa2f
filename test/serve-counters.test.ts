// `peregrine serve --workers 2` under a known set of queries: /metrics counts exactly what was sent.

import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { IO_MODES, ioLogged, scrape, startServing, stopServers, waitFor, type Response } from './serve-harness.ts';

afterEach(stopServers);

/** Questions asked, with the rcode examples/shop.example.zone gives each. */
const QUESTIONS: { name: string; type: dnsPacket.RecordType; rcode: string }[] = [
  { name: 'img1.shop.example', type: 'A', rcode: 'NOERROR' },
  { name: 'img2.shop.example', type: 'A', rcode: 'NOERROR' },
  { name: 'shop.example', type: 'SOA', rcode: 'NOERROR' },
  { name: 'shop.example', type: 'NS', rcode: 'NOERROR' },
  { name: 'img1.shop.example', type: 'AAAA', rcode: 'NOERROR' }, // NODATA
  { name: 'nothere.shop.example', type: 'A', rcode: 'NXDOMAIN' },
  { name: 'shop.example', type: 'MX', rcode: 'NOERROR' },
  { name: 'www.elsewhere.test', type: 'A', rcode: 'REFUSED' },
  { name: 'shop.example', type: 'HINFO', rcode: 'NOERROR' }, // type 13: the `other` bucket
  { name: 'dns1.shop.example', type: 'TXT', rcode: 'NOERROR' },
];
const QTYPE_LABEL: Partial<Record<string, string>> = { HINFO: 'other' };

const CLIENTS = 40;
const PER_CLIENT = 10;

/** Expected `peregrine_queries_total` series, keyed `transport,qtype,rcode`. */
class Tally {
  readonly series = new Map<string, number>();
  answered = 0;
  bytes = 0;

  add(transport: 'udp' | 'tcp', type: string, rcode: string, bytes: number): void {
    const key = `${transport},${QTYPE_LABEL[type] ?? type},${rcode}`;
    this.series.set(key, (this.series.get(key) ?? 0) + 1);
    this.answered++;
    this.bytes += bytes;
  }
}

/** One UDP client socket (its own source port) asking its questions one at a time. */
async function udpClient(port: number, firstId: number, count: number, tally: Tally, malformed: Buffer[] = []): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  try {
    // Same socket, same 4-tuple, same worker: these reach it before the query that follows.
    for (const m of malformed) socket.send(m, port, '127.0.0.1');
    for (let i = 0; i < count; i++) {
      const id = (firstId + i) & 0xffff;
      const q = QUESTIONS[(firstId + i) % QUESTIONS.length];
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no UDP answer to ${q.name} ${q.type}`)), 3000);
        socket.once('message', (msg) => {
          clearTimeout(timer);
          resolve(msg);
        });
        socket.send(dnsPacket.encode({ type: 'query', id, questions: [{ name: q.name, type: q.type, class: 'IN' }] }), port, '127.0.0.1');
      });
      const res = dnsPacket.decode(reply) as Response;
      expect([res.id, res.rcode]).toEqual([id, q.rcode]);
      tally.add('udp', q.type, q.rcode, reply.length);
    }
  } finally {
    socket.close();
  }
}

/** One TCP connection: `before` raw frames, then the questions pipelined, answers read in order. */
async function tcpClient(port: number, firstId: number, count: number, tally: Tally, before: Buffer[] = []): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  try {
    const asked = Array.from({ length: count }, (_, i) => ({ id: firstId + i, q: QUESTIONS[(firstId + i) % QUESTIONS.length] }));
    const frames = [
      ...before,
      ...asked.map(({ id, q }) => dnsPacket.streamEncode({ type: 'query', id, questions: [{ name: q.name, type: q.type, class: 'IN' }] })),
    ];
    const replies = await new Promise<Buffer[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no TCP answers')), 3000);
      let data = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        data = Buffer.concat([data, chunk]);
        const got: Buffer[] = [];
        for (let off = 0; data.length - off >= 2 && data.length - off - 2 >= data.readUInt16BE(off); off += 2 + data.readUInt16BE(off)) {
          got.push(data.subarray(off + 2, off + 2 + data.readUInt16BE(off)));
        }
        if (got.length === count) {
          clearTimeout(timer);
          resolve(got);
        }
      });
      socket.write(Buffer.concat(frames));
    });
    replies.forEach((reply, i) => {
      const res = dnsPacket.decode(reply) as Response;
      expect([res.id, res.rcode]).toEqual([asked[i].id, asked[i].q.rcode]);
      tally.add('tcp', asked[i].q.type, asked[i].q.rcode, reply.length);
    });
  } finally {
    socket.destroy();
  }
}

function queriesSeries(samples: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of samples) {
    const m = /^peregrine_queries_total\{transport="(\w+)",qtype="(\w+)",rcode="(\w+)"\}$/.exec(key);
    if (m !== null) out.set(`${m[1]},${m[2]},${m[3]}`, value);
  }
  return out;
}

describe.each(IO_MODES)('peregrine serve --io %s: per-query counters', (io) => {
  it('counts every query, byte and drop exactly, across two workers that both took flows', async () => {
    const { s, dnsPort, httpPort } = await startServing([
      '--zone', 'examples/shop.example.zone',
      '--workers', '2',
      '--io', io,
    ]);
    expect(ioLogged(s, io)).toBe(true);

    const udp = new Tally();
    const tcp = new Tally();
    // Malformed, hence dropped: too short for a header, and a response (QR=1).
    const short = Buffer.from([1, 2, 3, 4, 5]);
    const response = Buffer.from(dnsPacket.encode({ type: 'response', id: 7, questions: [{ name: 'shop.example', type: 'A' }] }));
    const tcpResponseFrame = Buffer.concat([Buffer.from([0, response.length]), response]);

    // 40 source ports, 10 answered queries each. SO_REUSEPORT spreads flows by 4-tuple, so
    // both workers get some unless all 40 hash alike (2^-39); then more ports are tried.
    let id = 0;
    let rounds = 0;
    let perWorker: number[] = [];
    for (let round = 0; round < 5; round++) {
      rounds++;
      await Promise.all(
        Array.from({ length: CLIENTS }, (_, c) =>
          udpClient(dnsPort, (id += PER_CLIENT) - PER_CLIENT, PER_CLIENT, udp, round === 0 && c < 3 ? [short, response] : []),
        ),
      );
      const samples = await scrape(httpPort);
      perWorker = [0, 1].map((w) => samples.get(`peregrine_worker_queries_total{worker="${w}"}`) ?? 0);
      if (perWorker.every((n) => n > 0)) break;
    }
    expect(perWorker.every((n) => n > 0), `worker queries ${perWorker}`).toBe(true);
    expect(udp.answered).toBe(rounds * CLIENTS * PER_CLIENT);

    // TCP: 4 connections of 6 pipelined queries; one opens with a response frame (dropped).
    for (let c = 0; c < 4; c++) await tcpClient(dnsPort, 50_000 + c * 6, 6, tcp, c === 0 ? [tcpResponseFrame] : []);
    // And an AXFR from a client --allow-transfer does not list: REFUSED (answered by the primary, counted by the worker).
    {
      const socket = net.connect({ host: '127.0.0.1', port: dnsPort });
      const reply = await new Promise<Buffer>((resolve, reject) => {
        socket.on('error', reject);
        let data = Buffer.alloc(0);
        socket.on('data', (chunk) => {
          data = Buffer.concat([data, chunk]);
          if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) resolve(data.subarray(2, 2 + data.readUInt16BE(0)));
        });
        socket.write(dnsPacket.streamEncode({ type: 'query', id: 60_000, questions: [{ name: 'shop.example', type: 'AXFR' }] }));
      });
      socket.destroy();
      expect((dnsPacket.decode(reply) as Response).rcode).toBe('REFUSED');
      tcp.add('tcp', 'AXFR', 'REFUSED', reply.length);
    }

    // Every connection is closed: the gauge is back to 0 once the workers have seen it.
    await waitFor(async () => (await scrape(httpPort)).get('peregrine_tcp_connections') === 0, 'peregrine_tcp_connections 0', 5000);
    const samples = await scrape(httpPort);

    const expected = new Map([...udp.series, ...tcp.series]);
    expect(new Map([...queriesSeries(samples)].sort())).toEqual(new Map([...expected].sort()));
    expect(tcp.answered).toBe(25);
    const malformed = 3 * 2 + 1;
    // By reason: 3 too short for a header; 3 responses over UDP and 1 over TCP.
    expect(samples.get('peregrine_dropped_total{reason="short_header"}')).toBe(3);
    expect(samples.get('peregrine_dropped_total{reason="response"}')).toBe(4);
    for (const reason of ['malformed', 'send_queue_full', 'engine_error', 'tcp_limit', 'tcp_bad_frame', 'qdcount', 'bad_question', 'rrl', 'send_error', 'handoff_busy']) {
      expect([reason, samples.get(`peregrine_dropped_total{reason="${reason}"}`)]).toEqual([reason, 0]);
    }
    expect(samples.get('peregrine_response_bytes_total{transport="udp"}')).toBe(udp.bytes);
    expect(samples.get('peregrine_response_bytes_total{transport="tcp"}')).toBe(tcp.bytes);
    const workerTotal = [0, 1].map((w) => samples.get(`peregrine_worker_queries_total{worker="${w}"}`) ?? 0);
    expect(workerTotal[0] + workerTotal[1]).toBe(udp.answered + tcp.answered + malformed);
    expect(samples.get('peregrine_worker_restarts_total')).toBe(0);
    expect(samples.get(`peregrine_io_mode{mode="${io}"}`)).toBe(1);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
