// dnstap in-process: the protobuf the encoder writes decodes (by a plain reader written here)
// to the fields given; a collector that never accepts or is absent costs frames, counted as
// dropped, never an exception; a collector that accepts receives every frame, in order.
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUTH_QUERY, AUTH_RESPONSE, DnstapEncoder, DnstapFields, PROTOCOL_TCP } from '../../src/dnstap/encode.ts';
import { FrameStreamWriter } from '../../src/dnstap/frame-streams.ts';
import { DnstapLog } from '../../src/dnstap/tap.ts';
import { ClientAddress } from '../../src/answer/client-address.ts';
import { until } from '../helpers/until.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-dnstap-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Fields = Map<number, (number | Uint8Array)[]>;

/** A protobuf reader for the wire types the encoder uses (varint, fixed32, length-delimited). */
function decode(b: Uint8Array): Fields {
  const out: Fields = new Map();
  let p = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = b[p++];
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return v;
    }
  };
  while (p < b.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 5) { value = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0; p += 4; }
    else if (wire === 2) { const n = varint(); value = b.subarray(p, p + n); p += n; }
    else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  expect(p).toBe(b.length);
  return out;
}

function fields(): DnstapFields {
  const f = new DnstapFields();
  f.client = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
  f.clientLength = 16;
  f.clientPort = 40123;
  f.protocol = PROTOCOL_TCP;
  f.timeSec = 1_796_478_465;
  f.timeNsec = 123_456_789;
  f.message = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  f.messageLength = 300;
  return f;
}

describe('dnstap encoder', () => {
  const encoder = new DnstapEncoder('ns1', 'Peregrine test', { family: 6, address: new Uint8Array(16).fill(1), port: 53 });

  for (const type of [AUTH_QUERY, AUTH_RESPONSE]) {
    it(`writes a frame that decodes to the fields given (${type === AUTH_QUERY ? 'AUTH_QUERY' : 'AUTH_RESPONSE'})`, () => {
      const f = fields();
      f.type = type;
      const out = new Uint8Array(4096);
      const end = encoder.write(out, 10, f);
      expect(end - 10).toBe(encoder.frameSize(f));
      const length = ((out[10] << 24) | (out[11] << 16) | (out[12] << 8) | out[13]) >>> 0;
      expect(length).toBe(end - 14);
      const d = decode(out.subarray(14, end));
      expect(Buffer.from(d.get(1)![0] as Uint8Array).toString()).toBe('ns1');
      expect(Buffer.from(d.get(2)![0] as Uint8Array).toString()).toBe('Peregrine test');
      expect(d.get(15)).toEqual([1]);
      const m = decode(d.get(14)![0] as Uint8Array);
      expect(m.get(1)).toEqual([type]);
      expect(m.get(2)).toEqual([2]); // INET6
      expect(m.get(3)).toEqual([2]); // TCP
      expect(Array.from(m.get(4)![0] as Uint8Array)).toEqual(Array.from(f.client));
      expect(Array.from(m.get(5)![0] as Uint8Array)).toEqual(new Array(16).fill(1));
      expect(m.get(6)).toEqual([40123]);
      expect(m.get(7)).toEqual([53]);
      expect(m.get(8)).toEqual([1_796_478_465]);
      expect(m.get(9)).toEqual([123_456_789]);
      const message = type === AUTH_QUERY ? 10 : 14;
      expect(Array.from(m.get(message)![0] as Uint8Array)).toEqual(Array.from(f.message));
      if (type === AUTH_RESPONSE) {
        expect(m.get(12)).toEqual([1_796_478_465]);
        expect(m.get(13)).toEqual([123_456_789]);
        expect(m.has(10)).toBe(false);
      } else {
        expect(m.has(14)).toBe(false);
      }
    });
  }
});

describe('Frame Streams writer', () => {
  it('with no collector: frames are dropped and counted once the buffer is full, nothing throws', () => {
    const writer = new FrameStreamWriter(path.join(dir, 'nobody.sock'), 4096);
    const log = new DnstapLog({ path: '', sample: 1, identity: 'a', version: 'b' }, writer);
    const tap = log.tapFor({ host: '127.0.0.1', port: 53, family: 4 });
    const client = new ClientAddress();
    client.setText('192.0.2.1');
    const q = new Uint8Array(100);
    for (let i = 0; i < 100; i++) tap(client, q, q.length, q, q.length, false);
    expect(writer.tail).toBeLessThanOrEqual(4096);
    expect(writer.stats.dropped).toBeGreaterThan(150);
    expect(writer.stats.sent).toBe(0);
    writer.close();
  });

  it('samples 1 in N', () => {
    const writer = new FrameStreamWriter(path.join(dir, 'nobody2.sock'), 1 << 20);
    const tap = new DnstapLog({ path: '', sample: 10, identity: 'a', version: 'b' }, writer).tapFor({ host: '::1', port: 53, family: 6 });
    const client = new ClientAddress();
    client.setText('2001:db8::1');
    const q = new Uint8Array(40);
    for (let i = 0; i < 100; i++) tap(client, q, q.length, q, q.length, false);
    let frames = 0;
    for (let p = 0; p < writer.tail; p += 4 + ((writer.buffer[p] << 24) | (writer.buffer[p + 1] << 16) | (writer.buffer[p + 2] << 8) | writer.buffer[p + 3])) frames++;
    expect(frames).toBe(20); // 10 queries logged, each a query and a response
    writer.close();
  });

  it('handshakes READY/ACCEPT/START with a collector and delivers every frame in order', async () => {
    const sock = path.join(dir, 'collector.sock');
    const control: number[] = [];
    const data: Buffer[] = [];
    const server = net.createServer((s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 4) {
          const len = buf.readUInt32BE(0);
          if (len === 0) {
            if (buf.length < 8 || buf.length < 8 + buf.readUInt32BE(4)) return;
            const type = buf.readUInt32BE(8);
            control.push(type);
            const body = buf.subarray(12, 8 + buf.readUInt32BE(4));
            if (type === 4) {
              expect(body.subarray(8).toString()).toBe('protobuf:dnstap.Dnstap');
              const ct = Buffer.from('protobuf:dnstap.Dnstap');
              const accept = Buffer.alloc(20 + ct.length);
              accept.writeUInt32BE(12 + ct.length, 4); accept.writeUInt32BE(1, 8); accept.writeUInt32BE(1, 12);
              accept.writeUInt32BE(ct.length, 16); ct.copy(accept, 20);
              s.write(accept);
            }
            buf = buf.subarray(8 + buf.readUInt32BE(4));
          } else {
            if (buf.length < 4 + len) return;
            data.push(Buffer.from(buf.subarray(4, 4 + len)));
            buf = buf.subarray(4 + len);
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    const writer = new FrameStreamWriter(sock);
    const encoder = new DnstapEncoder('id', 'v', { family: 4, address: Uint8Array.from([127, 0, 0, 1]), port: 53 });
    const f = fields();
    try {
      for (let i = 0; i < 500; i++) {
        f.clientPort = i;
        if (writer.reserve(encoder.frameSize(f))) writer.commit(encoder.write(writer.buffer, writer.tail, f));
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      await until(() => data.length === 500, { what: '500 frames at the collector', timeoutMs: 30_000 });
      expect(control.slice(0, 2)).toEqual([4, 2]); // READY, then START after our ACCEPT
      data.forEach((d, i) => expect(decode(decode(d).get(14)![0] as Uint8Array).get(6)).toEqual([i]));
      await until(() => writer.stats.sent === 500, { what: 'sent count' });
      expect(writer.stats.dropped).toBe(0);
    } finally {
      writer.close();
      await until(() => control.includes(3), { what: 'STOP' });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
