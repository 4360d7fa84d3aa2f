// Handed-off queries on TCP: the answer (any number of messages, delivered in batches as the
// client reads) goes out in query order, before the answers to queries pipelined after it.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenTcp, type TcpListener } from '../../src/transport/tcp.ts';
import type { HandoffReply } from '../../src/transport/handoff.ts';
import { buildMessage, flags, readHeader } from '../../src/transfer/message.ts';
import { parseName } from '../../src/zone/name.ts';
import { defaultOptions, engineFor } from '../helpers/engine.ts';

const listeners: TcpListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close(100)));
});

const ZONE = '$TTL 300\n@ SOA ns1 h 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n';
// The zone's apex: a transfer of a name that is no zone of ours is answered by the worker (NOTAUTH), not handed off.
const q = (id: number, type: number) =>
  buildMessage({ id, flags: flags({}), question: { name: parseName('example.test.', null), type, class: 1 } });
const frame = (m: Uint8Array) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);

describe('TCP handoff', () => {
  it('writes every batch of the handed-off answer, then answers the queries pipelined behind it', async () => {
    const engine = engineFor({ 'example.test.': ZONE }, { ...defaultOptions, handoff: true });
    const handed: Uint8Array[] = [];
    let pulls = 0;
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const listener = await listenTcp({ host: '127.0.0.1', port, family: 4 }, engine, { idleTimeoutMs: 5000, maxConnections: 10 }, {
      onHandoff(query: Uint8Array, client: string, tcp: boolean, reply: HandoffReply): boolean {
        handed.push(query);
        expect([client, tcp]).toEqual(['127.0.0.1', true]);
        const id = readHeader(query).id;
        // Three batches of two 30 kB messages, each sent once the transport can take more.
        let batch = 0;
        const next = (): void => {
          pulls++;
          const ms = [0, 1].map((k) => {
            const m = new Uint8Array(30_000);
            m[0] = id >> 8; m[1] = id & 0xff; m[2] = 0x84; m[12] = batch * 2 + k;
            return m;
          });
          reply.write(ms);
          if (++batch === 3) reply.end();
          else reply.whenWritable(() => setTimeout(next, 5));
        };
        setTimeout(next, 20);
        return true;
      },
    });
    listeners.push(listener);

    const socket = net.connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    socket.on('data', (c) => (data = Buffer.concat([data, c])));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(Buffer.concat([frame(q(1, 1)), frame(q(2, 252)), frame(q(3, 1)), frame(q(4, 28))]));
    const frames = (): Buffer[] => {
      const out: Buffer[] = [];
      for (let off = 0; data.length - off >= 2 && data.length - off - 2 >= data.readUInt16BE(off); off += 2 + data.readUInt16BE(off)) {
        out.push(data.subarray(off + 2, off + 2 + data.readUInt16BE(off)));
      }
      return out;
    };
    const deadline = Date.now() + 5000;
    while (frames().length < 9 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const got = frames();
    socket.destroy();
    expect(handed).toHaveLength(1);
    expect(got.map((m) => m.readUInt16BE(0))).toEqual([1, 2, 2, 2, 2, 2, 2, 3, 4]);
    expect(got.slice(1, 7).map((m) => m[12])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pulls).toBe(3);
  });
});
