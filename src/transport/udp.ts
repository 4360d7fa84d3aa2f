// DNS over UDP for one worker: a reusePort socket that answers each datagram without allocating.

import type { Tap } from '../dnstap/tap.ts';
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import type { ListenAddress } from '../config/serve-options.ts';
import { DROP_HANDOFF_BUSY, DROP_SEND_QUEUE_FULL, SlotCounters } from '../worker/counters.ts';
import type { Handoff } from './handoff.ts';
import type { ResponseRateLimiter } from './rrl.ts';
import { UdpSendBuffers } from './udp-buffers.ts';
import { STEP_HANDOFF, datagramReply, noHandoff, udpStep, type Answerer } from './udp-step.ts';

export type { Answerer } from './udp-step.ts';

export interface UdpListener {
  readonly address: ListenAddress;
  /** The worker's counters slot this listener counts into. */
  readonly counters: SlotCounters;
  close(): Promise<void>;
}

export interface UdpHooks {
  onEngineError?: (err: unknown) => void;
  onSocketError?: (err: Error) => void;
  /** Takes the queries the engine hands off (ANSWER_HANDOFF); without it they are dropped. */
  onHandoff?: Handoff;
  /** dnstap: sees each query answered and the answer sent (--dnstap). */
  tap?: Tap;
}

/**
 * Answers every datagram on `address`; see udp-buffers.ts for why sending allocates nothing.
 * Each datagram is counted into `counters` (the worker's slot; a private one by default).
 * With `rrl`, every answer goes through response rate limiting before it is sent.
 */
export function listenUdp(
  address: ListenAddress,
  engine: Answerer,
  maxUdpPayload: number,
  hooks: UdpHooks = {},
  counters: SlotCounters = SlotCounters.standalone(),
  rrl: ResponseRateLimiter | null = null,
): Promise<UdpListener> {
  const socket = dgram.createSocket({
    type: address.family === 6 ? 'udp6' : 'udp4',
    reuseAddr: false,
    reusePort: true,
    lookup: syncLookup as unknown as dgram.SocketOptions['lookup'],
  });
  const buffers = new UdpSendBuffers(maxUdpPayload);
  const step = udpStep(engine, counters, hooks.onEngineError, rrl, hooks.tap ?? null);

  socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    if (!buffers.begin(socket.getSendQueueCount())) {
      counters.received();
      counters.dropped(DROP_SEND_QUEUE_FULL);
      return;
    }
    engine.client.setText(rinfo.address);
    engine.client.port = rinfo.port;
    const len = step(msg, msg.length, buffers.work);
    if (len === STEP_HANDOFF) {
      if (hooks.onHandoff === undefined) noHandoff(counters);
      else handOff(socket, msg, rinfo, hooks.onHandoff, counters, engine.lastQtype);
      return;
    }
    if (len === 0) return;
    buffers.place(len);
    // No callback: it would cost a nextTick per packet, and the queue length tells us enough.
    socket.send(buffers.buffer, buffers.offset, len, rinfo.port, rinfo.address);
    buffers.sent(socket.getSendQueueCount());
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

/** A handed-off datagram: its answer (one message) goes back to the sender when the primary has it. */
function handOff(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo, handoff: Handoff, counters: SlotCounters, qtype: number): void {
  const { port, address } = rinfo;
  const send = (m: Uint8Array): boolean => {
    try {
      socket.send(m, port, address);
      return true;
    } catch {
      return false; // the socket closed meanwhile
    }
  };
  if (!handoff(new Uint8Array(msg), address, false, datagramReply(send, counters, qtype))) counters.dropped(DROP_HANDOFF_BUSY);
}

/**
 * dgram's lookup hook, called with (address, family, callback). Node's default defers to
 * process.nextTick even for an IP literal, so the datagram would reach libuv only after
 * send() returned and the queue length read right after would not include it. Peer
 * addresses from rinfo are always IP literals: answer those synchronously.
 */
export function syncLookup(
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
