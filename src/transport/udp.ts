// DNS over UDP for one worker: a reusePort socket that answers each datagram without allocating.

import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import type { AnswerEngine } from '../answer/answer.ts';
import type { ListenAddress } from '../config/serve-options.ts';

export type Answerer = Pick<AnswerEngine, 'answer'>;

/** The engine's contract: `out` holds at least 65535 + 2 bytes. */
const ENGINE_OUT = 65537;
/** Queued sends we can absorb before dropping answers (the kernel buffer is full by then). */
export const RING_SLOTS = 64;

export interface UdpCounters {
  /** Answers dropped because the send queue was full. */
  sendQueueFull: number;
  /** Queries the engine threw on (a bug: the engine is meant never to throw). */
  engineErrors: number;
}

export interface UdpListener {
  readonly address: ListenAddress;
  readonly counters: UdpCounters;
  close(): Promise<void>;
}

export interface UdpHooks {
  onEngineError?: (err: unknown) => void;
  onSocketError?: (err: Error) => void;
}

/*
 * Why the buffers are juggled like this.
 *
 * socket.send() does not copy: Node hands libuv a pointer into our Buffer. libuv first tries
 * uv_udp_try_send(), which completes synchronously when the socket is writable and nothing is
 * queued — the common case. Otherwise the datagram joins the socket's send queue still pointing
 * at our memory, and the queue drains in FIFO order on a later loop turn. Rewriting that memory
 * before then would send the next client's answer to this one.
 *
 * Two more facts make this checkable without a send callback (a callback costs a nextTick
 * object per packet):
 *  - Node's default lookup defers the send to process.nextTick even for an IP literal; our
 *    `lookup` answers IP literals synchronously, so by the time send() returns the datagram is
 *    either on the wire or in libuv's queue, and getSendQueueCount() says which.
 *  - libuv refuses try_send while the queue is non-empty, so once one send is queued every
 *    later one is queued behind it, and they complete oldest first.
 *
 * So: with an empty queue we answer into `work` and send it directly (zero copy). If that send
 * was queued, `work` is pinned until the queue empties; we swap in `spare` (free, since the
 * queue was empty before this send). While the queue is non-empty we answer into `work` and
 * copy the answer into the next slot of a small ring. The pending sends then occupy at most
 * the last `queued` ring slots, so the next slot is free as long as queued < RING_SLOTS; at
 * that point the kernel buffer is full anyway and the answer is dropped (the client retries).
 */
export function listenUdp(address: ListenAddress, engine: Answerer, maxUdpPayload: number, hooks: UdpHooks = {}): Promise<UdpListener> {
  const socket = dgram.createSocket({
    type: address.family === 6 ? 'udp6' : 'udp4',
    reuseAddr: false,
    reusePort: true,
    lookup: syncLookup as unknown as dgram.SocketOptions['lookup'],
  });
  const counters: UdpCounters = { sendQueueFull: 0, engineErrors: 0 };

  let work = Buffer.allocUnsafe(ENGINE_OUT);
  let spare = Buffer.allocUnsafe(ENGINE_OUT);
  // A UDP answer never exceeds the configured maximum payload (512 without EDNS).
  const slotSize = Math.max(maxUdpPayload, 512);
  const ring = Buffer.allocUnsafe(RING_SLOTS * slotSize);
  let slot = 0;

  socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    const queued = socket.getSendQueueCount();
    if (queued >= RING_SLOTS) {
      counters.sendQueueFull++;
      return;
    }
    let len: number;
    try {
      len = engine.answer(msg, msg.length, work, false);
    } catch (err) {
      counters.engineErrors++;
      hooks.onEngineError?.(err);
      return;
    }
    if (len <= 0) return;

    if (queued === 0) {
      socket.send(work, 0, len, rinfo.port, rinfo.address);
      if (socket.getSendQueueCount() > 0) {
        const pinned = work;
        work = spare;
        spare = pinned;
      }
      return;
    }

    let buf: Buffer;
    let offset: number;
    if (len <= slotSize) {
      offset = slot * slotSize;
      work.copy(ring, offset, 0, len);
      buf = ring;
    } else {
      // Larger than any UDP answer should be; correct but allocating, never expected.
      buf = Buffer.from(work.subarray(0, len));
      offset = 0;
    }
    socket.send(buf, offset, len, rinfo.port, rinfo.address);
    if (buf === ring && socket.getSendQueueCount() > queued) slot = (slot + 1) % RING_SLOTS;
  });

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('listening', () => {
      socket.off('error', reject);
      // After start, errors are per-datagram trouble (ICMP unreachable and the like), not fatal.
      socket.on('error', (err) => hooks.onSocketError?.(err));
      resolve({
        address,
        counters,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
    socket.bind({ address: address.host, port: address.port, exclusive: true });
  });
}

/**
 * dgram's lookup hook, called with (address, family, callback). Peer addresses from rinfo are
 * always IP literals: answer those synchronously (see above); anything else goes to DNS.
 */
function syncLookup(
  address: string,
  family: number,
  callback: (err: Error | null, address: string, family: number) => void,
): void {
  if (isIP(address) !== 0) {
    callback(null, address, family);
    return;
  }
  dns.lookup(address, family, callback);
}
