// DNS over UDP: each datagram answered to its sender, bursts without mix-ups, engine trouble contained.
// Every listener test runs against both I/O modes: dgram (udp.ts) and mmsg (mmsg.ts, native addon).
// mmsg fails here, not skips, when the addon is missing (npm ci builds it).

import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { listenMmsg } from '../../src/transport/mmsg.ts';
import { listenUdp, syncLookup, type UdpListener } from '../../src/transport/udp.ts';
import {
  DROP_ENGINE_ERROR,
  DROP_MALFORMED,
  QTYPE_BUCKET,
  RCODE_BUCKET,
  TRANSPORT_TCP,
  TRANSPORT_UDP,
  kDroppedField,
  kResponseBytesField,
  kWorkerQueriesField,
  queryCell,
} from '../../src/worker/counters.ts';
import { echoEngine, expectedReply, fakeQuery, type FakeEngine } from './fake-engine.ts';
import { until } from '../helpers/until.ts';

const listeners: UdpListener[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
  for (const s of sockets.splice(0)) s.close();
});

async function freeUdpPort(type: 'udp4' | 'udp6', host: string): Promise<number> {
  const s = dgram.createSocket(type);
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const MODES = [
  ['dgram', listenUdp],
  ['mmsg', listenMmsg],
] as const;

function client(type: 'udp4' | 'udp6' = 'udp4'): { socket: dgram.Socket; replies: Buffer[] } {
  const socket = dgram.createSocket(type);
  const replies: Buffer[] = [];
  socket.on('message', (m) => replies.push(m));
  sockets.push(socket);
  return { socket, replies };
}

describe.each(MODES)('listenUdp, --io %s', (_mode, listen) => {
  async function start(engine: FakeEngine, host = '127.0.0.1', hooks = {}) {
    const family = host.includes(':') ? 6 : 4;
    const port = await freeUdpPort(family === 6 ? 'udp6' : 'udp4', host);
    const listener = await listen({ host, port, family }, engine, 1232, hooks);
    listeners.push(listener);
    return { listener, port };
  }

  it('answers a datagram to its sender, telling the engine it is not TCP', async () => {
    const engine = echoEngine();
    const { port } = await start(engine);
    const { socket, replies } = client();
    const q = fakeQuery(0xbeef);
    socket.send(q, port, '127.0.0.1');
    await until(() => replies.length === 1, { timeoutMs: 3000 });
    expect(replies[0]).toEqual(expectedReply(q));
    expect(engine.clients).toEqual(['127.0.0.1']);
    expect(engine.tcpFlags).toEqual([false]);
  });

  it('answers over IPv6', async () => {
    const engine = echoEngine();
    const { port } = await start(engine, '::1');
    const { socket, replies } = client('udp6');
    const q = fakeQuery(0x6666);
    socket.send(q, port, '::1');
    await until(() => replies.length === 1, { timeoutMs: 3000 });
    expect(replies[0]).toEqual(expectedReply(q));
  });

  it('answers a burst from many clients, each with its own answer', async () => {
    const engine = echoEngine();
    const { port } = await start(engine);
    const clients = Array.from({ length: 8 }, () => client());
    const rounds = 10;
    const perRound = 25;
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < perRound; j++) {
        const i = round * perRound + j;
        clients.forEach((c, k) => c.socket.send(fakeQuery(k * 1000 + i, 40 + (i % 200)), port, '127.0.0.1'));
      }
      // Waves, so the socket's receive buffer does not overflow; loopback may still drop a
      // few, and every answer that does arrive must be the right one.
      const want = Math.floor((round + 1) * perRound * 0.9);
      await until(() => clients.every((c) => c.replies.length >= want), { timeoutMs: 5000 });
    }
    await new Promise((r) => setTimeout(r, 100));
    clients.forEach((c, k) => {
      for (const reply of c.replies) {
        const id = reply.readUInt16BE(0);
        expect(Math.floor(id / 1000)).toBe(k);
        expect(reply).toEqual(expectedReply(fakeQuery(id, 40 + ((id % 1000) % 200))));
      }
    });
  });

  it('sends nothing when the engine returns 0', async () => {
    const engine = echoEngine();
    const { port } = await start(engine);
    const { socket, replies } = client();
    const dropped = fakeQuery(1);
    dropped[12] = 0xff;
    socket.send(dropped, port, '127.0.0.1');
    const q = fakeQuery(2);
    socket.send(q, port, '127.0.0.1');
    await until(() => replies.length === 1, { timeoutMs: 3000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(replies).toEqual([expectedReply(q)]);
    expect(engine.calls).toBe(2);
  });

  it('survives an engine that throws, counts it, and answers the next query', async () => {
    const engine = echoEngine();
    const answer = engine.answer;
    let throwNext = true;
    engine.answer = (query, len, out, tcp) => {
      if (throwNext) {
        throwNext = false;
        throw new Error('engine bug');
      }
      return answer(query, len, out, tcp);
    };
    const seen: unknown[] = [];
    const { listener, port } = await start(engine, '127.0.0.1', { onEngineError: (e: unknown) => seen.push(e) });
    const { socket, replies } = client();
    socket.send(fakeQuery(1), port, '127.0.0.1');
    await until(() => seen.length === 1, { timeoutMs: 3000 });
    const q = fakeQuery(2);
    socket.send(q, port, '127.0.0.1');
    await until(() => replies.length === 1, { timeoutMs: 3000 });
    expect(replies[0]).toEqual(expectedReply(q));
    expect(listener.counters.cells[kDroppedField + DROP_ENGINE_ERROR]).toBe(1);
    expect(listener.counters.cells[kWorkerQueriesField]).toBe(2);
  });

  it('counts each datagram into its slot: answered by qtype and rcode, bytes, drops', async () => {
    const engine = echoEngine();
    const { listener, port } = await start(engine);
    const { socket, replies } = client();
    // The fake engine's "qtype" is byte 13 (the ID's low byte here), its rcode the query's.
    const a = fakeQuery(0x0101, 20); // qtype 1, NOERROR
    const aaaa = fakeQuery(0x021c, 30); // qtype 28, NOERROR
    const refused = fakeQuery(0x0310, 20); // qtype 16, REFUSED
    refused[3] = 5;
    const dropped = fakeQuery(4);
    dropped[12] = 0xff;
    for (const q of [a, a, aaaa, refused, dropped]) socket.send(q, port, '127.0.0.1');
    await until(() => replies.length === 4 && engine.calls === 5, { timeoutMs: 3000 });
    const cells = listener.counters.cells;
    const at = (qtype: number, rcode: number) => cells[queryCell(TRANSPORT_UDP, QTYPE_BUCKET[qtype], RCODE_BUCKET[rcode])];
    expect(at(1, 0)).toBe(2);
    expect(at(28, 0)).toBe(1);
    expect(at(16, 5)).toBe(1);
    expect(cells.slice(0, queryCell(TRANSPORT_TCP, 0, 0)).reduce((x, y) => x + y, 0)).toBe(4);
    expect(cells.slice(queryCell(TRANSPORT_TCP, 0, 0), kResponseBytesField).every((n) => n === 0)).toBe(true);
    expect(cells[kResponseBytesField + TRANSPORT_UDP]).toBe(2 * 32 + 42 + 32);
    expect(cells[kDroppedField + DROP_MALFORMED]).toBe(1);
    expect(cells[kWorkerQueriesField]).toBe(5);
  });

  it('refuses to start on an address already bound without reusePort', async () => {
    const holder = dgram.createSocket('udp4');
    sockets.push(holder);
    await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
    const port = holder.address().port;
    await expect(listen({ host: '127.0.0.1', port, family: 4 }, echoEngine(), 1232)).rejects.toThrow(/EADDRINUSE/);
  });
});

// udp-buffers.ts relies on send() handing the datagram to libuv before it returns, which
// holds only with our synchronous lookup. Overwriting the buffer right after send() shows
// which bytes left: with syncLookup, the original; with Node's default, the overwrite.
describe('syncLookup', () => {
  async function sentBytes(lookup: typeof syncLookup | undefined): Promise<Buffer> {
    const receiver = client();
    await new Promise<void>((r) => receiver.socket.bind(0, '127.0.0.1', () => r()));
    const sender = dgram.createSocket(
      lookup === undefined ? { type: 'udp4' } : { type: 'udp4', lookup: lookup as unknown as dgram.SocketOptions['lookup'] },
    );
    sockets.push(sender);
    await new Promise<void>((r) => sender.bind(0, '127.0.0.1', () => r()));
    const buf = Buffer.from('original');
    sender.send(buf, 0, buf.length, receiver.socket.address().port, '127.0.0.1');
    buf.write('CHANGED!');
    await until(() => receiver.replies.length === 1, { timeoutMs: 3000 });
    return receiver.replies[0];
  }

  it('makes send() hand the datagram over synchronously', async () => {
    expect((await sentBytes(syncLookup)).toString()).toBe('original');
  });

  it('is needed: the default lookup defers the send past the caller', async () => {
    expect((await sentBytes(undefined)).toString()).toBe('CHANGED!');
  });
});
