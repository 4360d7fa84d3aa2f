// RFC 7766 framing: messages come out whole and in order however the stream is cut.

import { describe, expect, it } from 'vitest';
import { TcpFrameDecoder } from '../../src/transport/tcp-framing.ts';

/** A fake DNS message of `len` bytes whose every byte is `tag` (so mix-ups show). */
function message(len: number, tag: number): Uint8Array {
  return new Uint8Array(len).fill(tag);
}

function frame(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + msg.length);
  out[0] = msg.length >> 8;
  out[1] = msg.length & 0xff;
  out.set(msg, 2);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Push `stream` cut at the given sizes (the last chunk takes the rest); collect copies. */
function decode(stream: Uint8Array, cuts: number[]): { messages: Uint8Array[]; ok: boolean; decoder: TcpFrameDecoder } {
  const decoder = new TcpFrameDecoder();
  const messages: Uint8Array[] = [];
  let off = 0;
  let ok = true;
  for (const size of [...cuts, stream.length]) {
    if (off >= stream.length) break;
    const end = Math.min(stream.length, off + size);
    ok = decoder.push(stream.slice(off, end), (m) => messages.push(m.slice()));
    off = end;
    if (!ok) break;
  }
  return { messages, ok, decoder };
}

describe('TcpFrameDecoder', () => {
  const msgs = [message(12, 1), message(300, 2), message(29, 3), message(4096, 4), message(65535, 5)];
  const stream = concat(msgs.map(frame));

  it('hands out one message from one exact chunk', () => {
    const { messages, ok, decoder } = decode(frame(msgs[1]), []);
    expect(ok).toBe(true);
    expect(messages).toEqual([msgs[1]]);
    expect(decoder.partial).toBe(false);
  });

  it('hands out several pipelined messages from one chunk, in order', () => {
    const { messages, ok } = decode(stream, []);
    expect(ok).toBe(true);
    expect(messages).toEqual(msgs);
  });

  it('reassembles a stream split byte by byte', () => {
    const { messages, ok, decoder } = decode(stream, new Array<number>(stream.length).fill(1));
    expect(ok).toBe(true);
    expect(messages).toEqual(msgs);
    expect(decoder.partial).toBe(false);
  });

  it('reassembles messages cut inside the length prefix and inside the body', () => {
    // 1 byte: half a prefix; 2 bytes: rest of prefix + first body byte; then a cut mid-body
    // that also starts the next frame, and so on.
    for (const cuts of [[1, 2, 100], [2, 12, 3], [13, 1, 1, 500], [15, 303, 1], [7, 7, 7, 7, 7]]) {
      const { messages, ok } = decode(stream, cuts);
      expect(ok).toBe(true);
      expect(messages).toEqual(msgs);
    }
  });

  it('survives random chunking', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return 1 + (seed % n);
    };
    for (let round = 0; round < 50; round++) {
      const cuts: number[] = [];
      for (let total = 0; total < stream.length; ) {
        const c = rand(round % 2 === 0 ? 40 : 9000);
        cuts.push(c);
        total += c;
      }
      expect(decode(stream, cuts).messages).toEqual(msgs);
    }
  });

  it('keeps a partial message pending until its last byte arrives', () => {
    const f = frame(msgs[1]);
    const decoder = new TcpFrameDecoder();
    const seen: Uint8Array[] = [];
    expect(decoder.push(f.subarray(0, f.length - 1), (m) => seen.push(m.slice()))).toBe(true);
    expect(seen).toHaveLength(0);
    expect(decoder.partial).toBe(true);
    expect(decoder.push(f.subarray(f.length - 1), (m) => seen.push(m.slice()))).toBe(true);
    expect(seen).toEqual([msgs[1]]);
    expect(decoder.partial).toBe(false);
  });

  it('rejects a zero length prefix', () => {
    const { messages, ok } = decode(concat([frame(msgs[0]), new Uint8Array([0, 0]), frame(msgs[1])]), []);
    expect(ok).toBe(false);
    // What came before the bad prefix was still delivered.
    expect(messages).toEqual([msgs[0]]);
  });

  it('rejects a prefix too short for a DNS header, even when it arrives split', () => {
    expect(decode(frame(message(11, 9)), []).ok).toBe(false);
    expect(decode(concat([frame(msgs[0]), frame(message(3, 9))]), [15]).ok).toBe(false);
    expect(decode(new Uint8Array([0, 5, 1, 2, 3, 4, 5]), [1]).ok).toBe(false);
  });

  it('treats an empty chunk as nothing', () => {
    const decoder = new TcpFrameDecoder();
    const seen: Uint8Array[] = [];
    const f = frame(msgs[0]);
    expect(decoder.push(f.subarray(0, 1), (m) => seen.push(m))).toBe(true);
    expect(decoder.push(new Uint8Array(0), (m) => seen.push(m))).toBe(true);
    expect(decoder.push(f.subarray(1), (m) => seen.push(m.slice()))).toBe(true);
    expect(seen).toEqual([msgs[0]]);
  });
});
