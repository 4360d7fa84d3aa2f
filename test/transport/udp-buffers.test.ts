// The UDP send-buffer discipline, against a model of libuv's send queue: no pending datagram is ever overwritten.

import { describe, expect, it } from 'vitest';
import { RING_SLOTS, UdpSendBuffers } from '../../src/transport/udp-buffers.ts';

interface Pending {
  buffer: Buffer;
  offset: number;
  len: number;
  /** What send() was asked to send, copied at send time. */
  expected: Buffer;
}

/**
 * libuv's rules: try_send succeeds synchronously only when nothing is queued (and the socket
 * is writable — `writable` models that); otherwise the datagram queues, pointing at the
 * caller's memory, and queued datagrams go out oldest first.
 */
class FakeSocket {
  readonly queue: Pending[] = [];
  sent = 0;
  writable = true;

  getSendQueueCount(): number {
    return this.queue.length;
  }

  send(buffer: Buffer, offset: number, len: number): void {
    const expected = Buffer.from(buffer.subarray(offset, offset + len));
    if (this.queue.length === 0 && this.writable) {
      this.sent++;
      return;
    }
    this.queue.push({ buffer, offset, len, expected });
  }

  /** Complete the oldest queued send, checking its bytes were left alone meanwhile. */
  completeOne(): void {
    const p = this.queue.shift();
    if (p === undefined) return;
    // Plain compare: expect() per datagram would dominate the run time.
    if (!p.buffer.subarray(p.offset, p.offset + p.len).equals(p.expected)) {
      throw new Error(`queued datagram #${this.sent} was overwritten before it went out`);
    }
    this.sent++;
  }
}

/** Deterministic pseudo-random numbers in [0, n). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** One packet the way udp.ts handles it; the answer is `len` bytes of a per-packet pattern. */
function handle(buffers: UdpSendBuffers, socket: FakeSocket, packet: number, len: number): boolean {
  if (!buffers.begin(socket.getSendQueueCount())) return false;
  // The engine writes the whole answer into `work`, scribbling over what was there.
  for (let i = 0; i < len; i++) buffers.work[i] = (packet * 31 + i) & 0xff;
  buffers.place(len);
  socket.send(buffers.buffer, buffers.offset, len);
  buffers.sent(socket.getSendQueueCount());
  return true;
}

describe('UdpSendBuffers', () => {
  it('sends straight from the work buffer while nothing is queued', () => {
    const buffers = new UdpSendBuffers(1232);
    const socket = new FakeSocket();
    const work = buffers.work;
    for (let p = 0; p < 100; p++) {
      expect(handle(buffers, socket, p, 100)).toBe(true);
      expect(buffers.buffer).toBe(work);
    }
    expect(socket.sent).toBe(100);
  });

  it('never overwrites a queued datagram, whatever the queueing pattern', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = rng(seed);
      const buffers = new UdpSendBuffers(1232);
      const socket = new FakeSocket();
      let answered = 0;
      let dropped = 0;
      for (let p = 0; p < 20_000; p++) {
        // Stretches where the socket is not writable build a queue; completions drain it.
        if (rand(50) === 0) socket.writable = !socket.writable;
        const completions = socket.writable ? rand(4) : rand(20) === 0 ? 1 : 0;
        for (let c = 0; c < completions; c++) socket.completeOne();
        const len = 12 + rand(1232 - 12 + 1);
        if (handle(buffers, socket, p, len)) answered++;
        else dropped++;
      }
      while (socket.queue.length > 0) socket.completeOne();
      expect(socket.sent).toBe(answered);
      expect(answered + dropped).toBe(20_000);
    }
  });

  it('drops answers once RING_SLOTS datagrams are queued, and recovers when they drain', () => {
    const buffers = new UdpSendBuffers(512);
    const socket = new FakeSocket();
    socket.writable = false;
    let p = 0;
    while (handle(buffers, socket, p, 200)) p++;
    expect(socket.queue.length).toBe(RING_SLOTS);
    expect(handle(buffers, socket, p++, 200)).toBe(false);
    socket.writable = true;
    socket.completeOne();
    expect(handle(buffers, socket, p++, 200)).toBe(true);
    while (socket.queue.length > 0) socket.completeOne();
    expect(handle(buffers, socket, p++, 200)).toBe(true);
    expect(socket.queue.length).toBe(0);
  });

  it('copes with an answer larger than a ring slot while the queue is busy', () => {
    const buffers = new UdpSendBuffers(512);
    const socket = new FakeSocket();
    socket.writable = false;
    handle(buffers, socket, 0, 100);
    handle(buffers, socket, 1, 4000);
    handle(buffers, socket, 2, 300);
    socket.writable = true;
    while (socket.queue.length > 0) socket.completeOne();
    expect(socket.sent).toBe(3);
  });
});
