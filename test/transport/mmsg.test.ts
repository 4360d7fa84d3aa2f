// The batched UDP listener (--io mmsg): a batch is answered datagram by datagram — malformed
// ones dropped, oversize answers truncated (TC), IPv4 and IPv6 senders mixed, every answer to
// its own sender — and the addon's socket goes away with its worker thread.
// Fails (does not skip) when the addon is missing: npm ci builds it.

import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { HandoffReply } from '../../src/transport/handoff.ts';
import { listenMmsg, loadMmsg, type MmsgListener } from '../../src/transport/mmsg.ts';
import {
  DROP_ENGINE_ERROR,
  DROP_SHORT_HEADER,
  DROP_SEND_ERROR,
  kDroppedField,
  kWorkerQueriesField,
  QTYPE_BUCKET,
  queryCell,
  RCODE_BUCKET,
  TRANSPORT_TCP,
  TRANSPORT_UDP,
} from '../../src/worker/counters.ts';
import { encodeQuery, engineFor } from '../helpers/engine.ts';
import { until } from '../helpers/until.ts';
import { echoEngine, expectedReply, fakeQuery } from './fake-engine.ts';

const ZONE = [
  '$TTL 300',
  '@ SOA ns1 hostmaster 1 3600 600 86400 300',
  '@ NS ns1',
  'ns1 A 192.0.2.1',
  'www A 192.0.2.10',
  ...Array.from({ length: 5 }, (_, i) => `big TXT "${String(i).repeat(150)}"`),
].join('\n');

const listeners: MmsgListener[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
  for (const s of sockets.splice(0)) s.close();
});

function client(type: 'udp4' | 'udp6'): { socket: dgram.Socket; replies: Buffer[] } {
  const socket = dgram.createSocket(type);
  const replies: Buffer[] = [];
  socket.on('message', (m) => replies.push(m));
  sockets.push(socket);
  return { socket, replies };
}

function withId(query: Buffer, id: number): Buffer {
  const q = Buffer.from(query);
  q.writeUInt16BE(id, 0);
  return q;
}

function ids(replies: Buffer[]): number[] {
  return replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b);
}

async function listen(host: string, engine: Parameters<typeof listenMmsg>[1], hooks = {}): Promise<MmsgListener> {
  const listener = await listenMmsg({ host, port: 0, family: host.includes(':') ? 6 : 4 }, engine, 1232, hooks);
  listeners.push(listener);
  return listener;
}

describe('the mmsg addon', () => {
  it('is built (npm ci builds it; without it --io mmsg cannot work)', () => {
    const { addon, reason } = loadMmsg();
    expect(reason).toBeNull();
    expect(addon?.MAX_BATCH).toBe(64);
  });
});

describe('listenMmsg: queries the primary answers (handoff)', () => {
  it('passes them on with their sender and sends the later answer from the same socket, IPv4 and IPv6', async () => {
    const engine = engineFor({ 'example.': ZONE }, { maxUdpPayload: 1232, chaos: { idServer: null, hostnameBind: null, versionBind: null }, handoff: true });
    const handed: Array<{ client: string; tcp: boolean; id: number }> = [];
    const listener = await listen('::', engine, {
      onHandoff(query: Uint8Array, clientText: string, tcp: boolean, reply: HandoffReply): boolean {
        handed.push({ client: clientText, tcp, id: (query[0] << 8) | query[1] });
        // Answered later, outside the batch: an echo with QR and AA set.
        setTimeout(() => {
          const answer = Uint8Array.from(query);
          answer[2] |= 0x84;
          reply.write([answer]);
          reply.end();
        }, 20);
        return true;
      },
    });
    const port = listener.address.port;
    const v4 = client('udp4');
    const v6 = client('udp6');
    const notify = encodeQuery('example.', 'SOA');
    notify[2] = (notify[2] & 0x87) | (4 << 3); // opcode NOTIFY
    v4.socket.send(withId(notify, 21), port, '127.0.0.1');
    v6.socket.send(withId(notify, 22), port, '::1');
    v4.socket.send(withId(encodeQuery('www.example.', 'A'), 23), port, '127.0.0.1');
    await until(() => v4.replies.length === 2 && v6.replies.length === 1, { timeoutMs: 5000 });
    expect(handed.sort((a, b) => a.id - b.id)).toEqual([
      { client: '127.0.0.1', tcp: false, id: 21 },
      { client: '::1', tcp: false, id: 22 },
    ]);
    expect(ids(v4.replies)).toEqual([21, 23]);
    expect(ids(v6.replies)).toEqual([22]);
    const late = v6.replies[0];
    expect(late[2] & 0x84).toBe(0x84);
    expect(listener.counters.cells[kWorkerQueriesField]).toBe(3);
  });
});

describe('listenMmsg: one batch, packet by packet', () => {
  it('answers a mixed batch: malformed dropped, TC for oversize, IPv4 and IPv6 senders, each to its sender', async () => {
    const engine = engineFor({ 'example.': ZONE });
    const clientOf = new Map<number, string>();
    const answer = engine.answer.bind(engine);
    engine.answer = (q, len, out, tcp) => {
      if (len >= 12) clientOf.set((q[0] << 8) | q[1], engine.client.toString());
      return answer(q, len, out, tcp);
    };
    // A dual-stack socket on :: gets IPv4 senders as ::ffff:a.b.c.d; the engine sees them as IPv4.
    const listener = await listen('::', engine);
    const port = listener.address.port;
    const v4a = client('udp4');
    const v4b = client('udp4');
    const v6 = client('udp6');
    const www = encodeQuery('www.example.', 'A');
    const big = encodeQuery('big.example.', 'TXT');
    const bigEdns = encodeQuery('big.example.', 'TXT', { edns: 4096 });
    const noQuestion = withId(www.subarray(0, 12), 4);
    noQuestion.writeUInt16BE(0, 4); // QDCOUNT 0: FORMERR
    const short = Buffer.from([0, 3, 1, 0, 0]); // not even a header: dropped
    // All sent in this tick: the listener's first read finds every one of them.
    v4a.socket.send(withId(www, 1), port, '127.0.0.1');
    v4a.socket.send(withId(big, 2), port, '127.0.0.1');
    v4a.socket.send(short, port, '127.0.0.1');
    v4a.socket.send(noQuestion, port, '127.0.0.1');
    v6.socket.send(withId(www, 5), port, '::1');
    v6.socket.send(withId(bigEdns, 6), port, '::1');
    v6.socket.send(Buffer.from([0, 7]), port, '::1');
    v4b.socket.send(withId(www, 8), port, '127.0.0.1');

    await until(() => v4a.replies.length + v4b.replies.length + v6.replies.length === 6 && listener.counters.cells[kWorkerQueriesField] === 8, { timeoutMs: 5000 });
    expect(listener.stats).toEqual({ batches: 1, datagrams: 8, largestBatch: 8 });
    expect(ids(v4a.replies)).toEqual([1, 2, 4]);
    expect(ids(v6.replies)).toEqual([5, 6]);
    expect(ids(v4b.replies)).toEqual([8]);

    const decoded = new Map([...v4a.replies, ...v4b.replies, ...v6.replies].map((r) => [r.readUInt16BE(0), { raw: r, msg: dnsPacket.decode(r) as dnsPacket.DecodedPacket & { rcode: string } }]));
    expect(decoded.get(1)!.msg.answers?.map((a) => (a as { data?: unknown }).data)).toEqual(['192.0.2.10']);
    // Over 512 bytes without EDNS: truncated, TC set, no answer records.
    expect(decoded.get(2)!.raw.length).toBeLessThanOrEqual(512);
    expect(decoded.get(2)!.msg.flags! & dnsPacket.TRUNCATED_RESPONSE).toBeTruthy();
    expect(decoded.get(2)!.msg.answers ?? []).toEqual([]);
    expect(decoded.get(4)!.msg.rcode).toBe('FORMERR');
    // The same RRset fits the EDNS client's 1232 bytes: whole, no TC.
    expect(decoded.get(6)!.msg.flags! & dnsPacket.TRUNCATED_RESPONSE).toBeFalsy();
    expect(decoded.get(6)!.msg.answers).toHaveLength(5);
    expect(decoded.get(8)!.msg.answers?.map((a) => (a as { data?: unknown }).data)).toEqual(['192.0.2.10']);

    expect(Object.fromEntries(clientOf)).toEqual({ 1: '127.0.0.1', 2: '127.0.0.1', 4: '127.0.0.1', 5: '::1', 6: '::1', 8: '127.0.0.1' });
    const cells = listener.counters.cells;
    // Both too short for a header.
    expect(cells[kDroppedField + DROP_SHORT_HEADER]).toBe(2);
    expect(cells[queryCell(TRANSPORT_UDP, QTYPE_BUCKET[1], RCODE_BUCKET[0])]).toBe(3);
    expect(cells[queryCell(TRANSPORT_UDP, QTYPE_BUCKET[16], RCODE_BUCKET[0])]).toBe(2);
    expect(cells[queryCell(TRANSPORT_UDP, QTYPE_BUCKET[0], RCODE_BUCKET[1])]).toBe(1);
  });

  it('answers more than one batch in one wake-up (64 per recvmmsg)', async () => {
    const engine = echoEngine();
    const listener = await listen('127.0.0.1', engine);
    const clients = Array.from({ length: 3 }, () => client('udp4'));
    const sent: Buffer[][] = clients.map(() => []);
    for (let i = 0; i < 50; i++) {
      clients.forEach((c, k) => {
        const q = fakeQuery(k * 256 + i, 20 + i); // low byte never 0xff (the fake engine drops those)
        sent[k].push(q);
        c.socket.send(q, listener.address.port, '127.0.0.1');
      });
    }
    await until(() => clients.every((c) => c.replies.length === 50), { timeoutMs: 5000 }).catch((err: Error) => {
      const missing = clients.map((c, k) => sent[k].map((q) => q.readUInt16BE(0)).filter((id) => !c.replies.some((r) => r.readUInt16BE(0) === id)));
      throw new Error(`${err.message}: replies ${clients.map((c) => c.replies.length)}, missing ${JSON.stringify(missing)}, engine calls ${engine.calls}, stats ${JSON.stringify(listener.stats)}, cells ${listener.counters.cells[kWorkerQueriesField]}`);
    });
    clients.forEach((c, k) => {
      const byId = new Map(c.replies.map((r) => [r.readUInt16BE(0), r]));
      for (const q of sent[k]) expect(byId.get(q.readUInt16BE(0))).toEqual(expectedReply(q));
    });
    expect(listener.stats.datagrams).toBe(150);
    expect(listener.stats.largestBatch).toBe(64);
    expect(listener.stats.batches).toBeGreaterThanOrEqual(3);
  });

  it('contains an engine exception to its own datagram: the rest of the batch is answered', async () => {
    const engine = echoEngine();
    const answer = engine.answer;
    engine.answer = (query, len, out, tcp) => {
      if (((query[0] << 8) | query[1]) === 2) throw new Error('engine bug');
      return answer(query, len, out, tcp);
    };
    const errors: unknown[] = [];
    const listener = await listen('127.0.0.1', engine, { onEngineError: (e: unknown) => errors.push(e) });
    const c = client('udp4');
    for (const id of [1, 2, 3]) c.socket.send(fakeQuery(id), listener.address.port, '127.0.0.1');
    await until(() => c.replies.length === 2 && listener.counters.cells[kWorkerQueriesField] === 3, { timeoutMs: 5000 });
    expect(ids(c.replies)).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    expect(listener.counters.cells[kDroppedField + DROP_ENGINE_ERROR]).toBe(1);
    expect(listener.stats.largestBatch).toBe(3);
  });

  it('finishes a batch whose sends would block before reading the next one (EAGAIN, test hook)', async () => {
    const engine = echoEngine();
    const listener = await listenMmsg({ host: '127.0.0.1', port: 0, family: 4 }, engine, 1232, {}, undefined, null, { wouldBlock: true });
    listeners.push(listener);
    const c = client('udp4');
    const port = listener.address.port;
    const first = Array.from({ length: 10 }, (_, i) => fakeQuery(100 + i));
    const second = Array.from({ length: 10 }, (_, i) => fakeQuery(200 + i));
    for (const q of first) c.socket.send(q, port, '127.0.0.1');
    // The second wave lands while the first batch still goes out one datagram per wake-up.
    setImmediate(() => {
      for (const q of second) c.socket.send(q, port, '127.0.0.1');
    });
    await until(() => c.replies.length === 20, { timeoutMs: 5000 });
    const byId = new Map(c.replies.map((r) => [r.readUInt16BE(0), r]));
    for (const q of [...first, ...second]) expect(byId.get(q.readUInt16BE(0))).toEqual(expectedReply(q));
    expect(listener.stats.datagrams).toBe(20);
    expect(listener.stats.batches).toBeGreaterThanOrEqual(2);
    expect(listener.counters.cells[kWorkerQueriesField]).toBe(20);
  });

  it('counts a send the kernel refuses as a send_error drop and still sends the rest (test hook)', async () => {
    const engine = echoEngine();
    const errors: Error[] = [];
    const listener = await listenMmsg({ host: '127.0.0.1', port: 0, family: 4 }, engine, 1232, { onSocketError: (e) => errors.push(e) }, undefined, null, { failFirst: true });
    listeners.push(listener);
    const c = client('udp4');
    for (const id of [1, 2, 3, 4, 5]) c.socket.send(fakeQuery(id), listener.address.port, '127.0.0.1');
    await until(() => c.replies.length === 4 && errors.length === 1, { timeoutMs: 5000 });
    expect(listener.stats).toEqual({ batches: 1, datagrams: 5, largestBatch: 5 });
    expect(ids(c.replies)).toEqual([2, 3, 4, 5]);
    expect(errors[0].message).toMatch(/1 answer\(s\) not sent, EPERM/);
    const cells = listener.counters.cells;
    expect(cells[kDroppedField + DROP_SEND_ERROR]).toBe(1);
    expect(cells[kWorkerQueriesField]).toBe(5);
    // Answered (and counted) before the kernel refused one: all five are queries.
    expect(cells.slice(0, queryCell(TRANSPORT_TCP, 0, 0)).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('shares its port with other SO_REUSEPORT sockets (one per worker)', async () => {
    const first = await listen('127.0.0.1', echoEngine());
    const port = first.address.port;
    const twin = await listenMmsg({ host: '127.0.0.1', port, family: 4 }, echoEngine(), 1232);
    listeners.push(twin);
    expect(twin.address.port).toBe(port);
  });

  it('closes its socket when its worker thread ends without closing it', async () => {
    const worker = new Worker(new URL('./fixtures/mmsg-worker.ts', import.meta.url), { workerData: { port: 0 } });
    try {
      const { port } = await new Promise<{ port: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const c = client('udp4');
      c.socket.send(fakeQuery(9), port, '127.0.0.1');
      await until(() => c.replies.length === 1, { timeoutMs: 5000 });
      expect(await worker.terminate()).toBe(1);
      // Our socket had SO_REUSEPORT: a socket without it can bind the port only once it is closed.
      const plain = dgram.createSocket('udp4');
      sockets.push(plain);
      await new Promise<void>((resolve, reject) => {
        plain.once('error', reject);
        plain.bind(port, '127.0.0.1', () => resolve());
      });
    } finally {
      await worker.terminate();
    }
  });
});
