// DNS over TCP: framed answers in order, pipelining, and the connection limits.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TcpOptions } from '../../src/config/serve-options.ts';
import { listenTcp, type TcpListener } from '../../src/transport/tcp.ts';
import {
  DROP_ENGINE_ERROR,
  DROP_MALFORMED,
  DROP_TCP_BAD_FRAME,
  DROP_TCP_CLIENT_LIMIT,
  DROP_TCP_IDLE,
  DROP_TCP_LIFETIME,
  DROP_TCP_LIMIT,
  DROP_TCP_MAX_QUERIES,
  DROP_TCP_TOO_LARGE,
  QTYPE_BUCKET,
  RCODE_BUCKET,
  SlotCounters,
  TRANSPORT_TCP,
  TRANSPORT_UDP,
  kDroppedField,
  kQueriesField,
  kResponseBytesField,
  kTcpConnectionsField,
  kWorkerQueriesField,
  queryCell,
} from '../../src/worker/counters.ts';
import { until } from '../helpers/until.ts';
import { echoEngine, expectedReply, fakeQuery } from './fake-engine.ts';

const listeners: TcpListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close(100)));
});

async function start(options: Partial<TcpOptions> = {}) {
  const engine = echoEngine();
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const counters = SlotCounters.standalone();
  const listener = await listenTcp(
    { host: '127.0.0.1', port, family: 4 },
    engine,
    { ...options, idleTimeoutMs: options.idleTimeoutMs ?? 10_000, maxConnections: options.maxConnections ?? 1024 },
    {},
    counters,
  );
  listeners.push(listener);
  return { engine, listener, port, cells: counters.cells };
}

/** A client that gathers framed replies. */
class Client {
  readonly socket: net.Socket;
  private data = Buffer.alloc(0);
  readonly closed: Promise<void>;
  private waiting: (() => void) | null = null;

  constructor(port: number, localAddress?: string) {
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true, localAddress });
    this.socket.on('data', (chunk) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.waiting?.();
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((r) => this.socket.once('close', () => r()));
  }

  connected(): Promise<void> {
    return new Promise((r) => this.socket.once('connect', () => r()));
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((r) => this.socket.write(bytes, () => r()));
  }

  /** Wait for `n` complete frames and return their bodies. */
  async replies(n: number, timeoutMs = 2000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frames = this.frames();
      if (frames.length >= n) return frames.slice(0, n);
      if (Date.now() > deadline) throw new Error(`got ${frames.length} of ${n} replies`);
      await new Promise<void>((r) => {
        this.waiting = r;
        setTimeout(r, 50);
      });
    }
  }

  frames(): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    while (this.data.length - off >= 2) {
      const len = this.data.readUInt16BE(off);
      if (this.data.length - off - 2 < len) break;
      out.push(this.data.subarray(off + 2, off + 2 + len));
      off += 2 + len;
    }
    return out;
  }
}

function framed(...queries: Buffer[]): Buffer {
  return Buffer.concat(queries.flatMap((q) => [Buffer.from([q.length >> 8, q.length & 0xff]), q]));
}

describe('listenTcp', () => {
  it('answers one query with a length-prefixed reply, telling the engine it is TCP', async () => {
    const { engine, port } = await start();
    const client = new Client(port);
    const q = fakeQuery(0x1234);
    await client.write(framed(q));
    expect(await client.replies(1)).toEqual([expectedReply(q)]);
    expect(engine.tcpFlags).toEqual([true]);
    expect(engine.clients).toEqual(['127.0.0.1']);
    client.socket.destroy();
  });

  it('answers pipelined queries sent in one write, in order', async () => {
    const { port } = await start();
    const client = new Client(port);
    const qs = [fakeQuery(1, 10), fakeQuery(2, 3000), fakeQuery(3, 0), fakeQuery(4, 60_000)];
    await client.write(framed(...qs));
    expect(await client.replies(4)).toEqual(qs.map(expectedReply));
    client.socket.destroy();
  });

  it('answers queries written one byte at a time', async () => {
    const { port } = await start();
    const client = new Client(port);
    const qs = [fakeQuery(7, 5), fakeQuery(8, 30)];
    for (const byte of framed(...qs)) {
      await client.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    expect(await client.replies(2)).toEqual(qs.map(expectedReply));
    client.socket.destroy();
  });

  it('skips a query the engine drops and answers the next', async () => {
    const { port } = await start();
    const client = new Client(port);
    const dropped = fakeQuery(5);
    dropped[12] = 0xff;
    const q = fakeQuery(6);
    await client.write(framed(dropped, q));
    expect(await client.replies(1)).toEqual([expectedReply(q)]);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.frames()).toHaveLength(1);
    client.socket.destroy();
  });

  it('answers what came before a zero-length prefix, then closes', async () => {
    const { port, cells } = await start();
    const client = new Client(port);
    const q = fakeQuery(9);
    await client.write(Buffer.concat([framed(q), Buffer.from([0, 0]), framed(fakeQuery(10))]));
    await client.closed;
    expect(client.frames()).toEqual([expectedReply(q)]);
    expect(cells[kDroppedField + DROP_TCP_BAD_FRAME]).toBe(1);
    expect(cells[kWorkerQueriesField]).toBe(1);
  });

  it('closes on a prefix too short to be DNS', async () => {
    const { engine, port } = await start();
    const client = new Client(port);
    await client.write(Buffer.from([0, 3, 1, 2, 3]));
    await client.closed;
    expect(engine.calls).toBe(0);
  });

  it('closes an idle connection after the idle timeout', async () => {
    const { port } = await start({ idleTimeoutMs: 200 });
    const client = new Client(port);
    await client.connected();
    const opened = Date.now();
    await client.write(framed(fakeQuery(11)));
    await client.replies(1);
    await client.closed;
    const lasted = Date.now() - opened;
    expect(lasted).toBeGreaterThanOrEqual(150);
    expect(lasted).toBeLessThan(2000);
  });

  it('refuses connections beyond the maximum and keeps serving the others', async () => {
    const { listener, port, cells } = await start({ maxConnections: 2 });
    const a = new Client(port);
    const b = new Client(port);
    await Promise.all([a.connected(), b.connected()]);
    // Let the server accept both before the third arrives.
    for (let i = 0; i < 50 && listener.connections < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(listener.connections).toBe(2);
    const c = new Client(port);
    await c.closed;
    expect(c.frames()).toHaveLength(0);
    const q = fakeQuery(12);
    await a.write(framed(q));
    expect(await a.replies(1)).toEqual([expectedReply(q)]);
    expect(cells[kDroppedField + DROP_TCP_LIMIT]).toBe(1);
    expect(cells[kTcpConnectionsField]).toBe(2);
    a.socket.destroy();
    b.socket.destroy();
    await until(() => cells[kTcpConnectionsField] === 0, { timeoutMs: 3000, what: 'the connections gauge back at 0' });
  });

  it('counts each frame into its slot: answered by qtype and rcode, bytes, drops, open connections', async () => {
    const { port, cells } = await start();
    const client = new Client(port);
    await client.connected();
    await until(() => cells[kTcpConnectionsField] === 1, { timeoutMs: 3000 });
    // The fake engine's "qtype" is byte 13 (the ID's low byte here), its rcode the query's.
    const ns = fakeQuery(0x0102, 20); // qtype 2, NOERROR
    const nx = fakeQuery(0x0206, 40); // qtype 6, NXDOMAIN
    nx[3] = 3;
    const dropped = fakeQuery(3);
    dropped[12] = 0xff;
    await client.write(framed(ns, dropped, nx, ns));
    expect(await client.replies(3)).toEqual([ns, nx, ns].map(expectedReply));
    const at = (qtype: number, rcode: number) => cells[queryCell(TRANSPORT_TCP, QTYPE_BUCKET[qtype], RCODE_BUCKET[rcode])];
    expect(at(2, 0)).toBe(2);
    expect(at(6, 3)).toBe(1);
    const all = cells.slice(kQueriesField, kResponseBytesField).reduce((x, y) => x + y, 0);
    expect(all).toBe(3);
    expect(cells[kResponseBytesField + TRANSPORT_TCP]).toBe(32 + 52 + 32);
    expect(cells[kResponseBytesField + TRANSPORT_UDP]).toBe(0);
    expect(cells[kDroppedField + DROP_MALFORMED]).toBe(1);
    expect(cells[kWorkerQueriesField]).toBe(4);
    client.socket.destroy();
    await until(() => cells[kTcpConnectionsField] === 0, { timeoutMs: 3000, what: 'the connections gauge back at 0' });
  });

  it('close() ends open connections and stops accepting', async () => {
    const { listener, port } = await start();
    const client = new Client(port);
    await client.connected();
    const q = fakeQuery(13);
    await client.write(framed(q));
    await client.replies(1);
    listeners.splice(listeners.indexOf(listener), 1);
    await listener.close(500);
    await client.closed;
    const late = new Client(port);
    await late.closed;
    expect(late.frames()).toHaveLength(0);
  });
});

describe('listenTcp with a failing engine', () => {
  it('closes only the connection whose query made the engine throw', async () => {
    const engine = echoEngine();
    const answer = engine.answer;
    engine.answer = (query, len, out, tcp) => {
      if (query[0] === 0xde) throw new Error('engine bug');
      return answer(query, len, out, tcp);
    };
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const seen: unknown[] = [];
    const counters = SlotCounters.standalone();
    const listener = await listenTcp({ host: '127.0.0.1', port, family: 4 }, engine, { idleTimeoutMs: 5000, maxConnections: 10 }, {
      onEngineError: (e) => seen.push(e),
    }, counters);
    listeners.push(listener);
    const victim = new Client(port);
    const other = new Client(port);
    await Promise.all([victim.connected(), other.connected()]);
    await victim.write(framed(fakeQuery(0xdead)));
    await victim.closed;
    expect(seen).toHaveLength(1);
    expect(counters.cells[kDroppedField + DROP_ENGINE_ERROR]).toBe(1);
    const q = fakeQuery(0x0102);
    await other.write(framed(q));
    expect(await other.replies(1)).toEqual([expectedReply(q)]);
    other.socket.destroy();
  });
});

describe('listenTcp limits', () => {
  it('cuts off a slowloris client at the connection lifetime while another client is answered', async () => {
    // Idle timeout 400 ms, lifetime 800 ms: a byte every 100 ms never looks idle.
    const { engine, port, cells } = await start({ idleTimeoutMs: 400, maxLifetimeMs: 800 });
    const slow = new Client(port);
    await slow.connected();
    const query = framed(fakeQuery(0x5151, 60)); // 74 bytes: 7 s at a byte per 100 ms
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < query.length && !slow.socket.destroyed) slow.socket.write(query.subarray(sent, ++sent));
    }, 100);
    try {
      const other = new Client(port);
      await other.connected();
      const q = fakeQuery(0x0102);
      await other.write(framed(q));
      expect(await other.replies(1)).toEqual([expectedReply(q)]);
      other.socket.destroy(); // before it could be idle-closed: the counts below are the slow client's
      await slow.closed;
      expect(sent).toBeLessThan(query.length);
      expect(slow.frames()).toHaveLength(0);
      expect(engine.calls).toBe(1); // the other client's query only
      expect(cells[kDroppedField + DROP_TCP_LIFETIME]).toBe(1);
      expect(cells[kDroppedField + DROP_TCP_IDLE]).toBe(0);
      // And the server goes on answering.
      const third = new Client(port);
      const q2 = fakeQuery(0x0103);
      await third.write(framed(q2));
      expect(await third.replies(1)).toEqual([expectedReply(q2)]);
      third.socket.destroy();
    } finally {
      clearInterval(trickle);
    }
  });

  it('counts an idle connection closed by the idle timeout', async () => {
    const { port, cells } = await start({ idleTimeoutMs: 150 });
    const client = new Client(port);
    await client.connected();
    await client.closed;
    expect(cells[kDroppedField + DROP_TCP_IDLE]).toBe(1);
  });

  it('limits connections per client address, not for other clients', async () => {
    const { listener, port, cells } = await start({ maxPerClient: 2 });
    const a = new Client(port);
    const b = new Client(port);
    await Promise.all([a.connected(), b.connected()]);
    await until(() => listener.connections === 2, { timeoutMs: 3000, what: 'two connections accepted' });
    const c = new Client(port);
    await c.closed;
    expect(cells[kDroppedField + DROP_TCP_CLIENT_LIMIT]).toBe(1);
    // Another address on loopback is another client.
    const other = new Client(port, '127.0.0.2');
    const q = fakeQuery(0x0104);
    await other.write(framed(q));
    expect(await other.replies(1)).toEqual([expectedReply(q)]);
    // The first client's open connections still work; once one closes it may open another.
    await a.write(framed(q));
    expect(await a.replies(1)).toEqual([expectedReply(q)]);
    b.socket.destroy();
    await until(() => listener.connections === 2, { timeoutMs: 3000, what: 'b closed' });
    const d = new Client(port);
    await d.write(framed(q));
    expect(await d.replies(1)).toEqual([expectedReply(q)]);
    expect(cells[kDroppedField + DROP_TCP_CLIENT_LIMIT]).toBe(1);
    for (const x of [a, d, other]) x.socket.destroy();
  });

  it('closes a connection after max queries, once those are answered', async () => {
    const { engine, port, cells } = await start({ maxQueries: 3 });
    const client = new Client(port);
    const qs = [1, 2, 3, 4, 5].map((id) => fakeQuery(id));
    await client.write(framed(...qs));
    await client.closed;
    expect(client.frames()).toEqual(qs.slice(0, 3).map(expectedReply));
    expect(engine.calls).toBe(3);
    expect(cells[kDroppedField + DROP_TCP_MAX_QUERIES]).toBe(1);
  });

  it('closes a connection whose length prefix is above the maximum message size, without reading it', async () => {
    const { engine, port, cells } = await start({ maxMessage: 100 });
    const ok = new Client(port);
    const big = new Client(port);
    const q = fakeQuery(0x0105, 88); // exactly 100 bytes: accepted
    await ok.write(framed(q));
    expect(await ok.replies(1)).toEqual([expectedReply(q)]);
    await big.write(Buffer.from([0, 101]));
    await big.closed;
    expect(cells[kDroppedField + DROP_TCP_TOO_LARGE]).toBe(1);
    expect(cells[kDroppedField + DROP_TCP_BAD_FRAME]).toBe(0);
    expect(engine.calls).toBe(1);
    ok.socket.destroy();
  });
});
