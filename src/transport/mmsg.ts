// DNS over UDP in batches (--io mmsg): the native addon (native/mmsg.c) reads up to 64 datagrams
// with one recvmmsg, this module answers all of them in one call, the addon sends the answers with
// one sendmmsg. The answers come from the same per-datagram step as the dgram listener.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ClientAddress } from '../answer/client-address.ts';
import type { ListenAddress } from '../config/serve-options.ts';
import { DROP_HANDOFF_BUSY, DROP_MALFORMED, DROP_SEND_ERROR, SlotCounters } from '../worker/counters.ts';
import type { UdpHooks, UdpListener } from './udp.ts';
import type { Handoff } from './handoff.ts';
import type { ResponseRateLimiter } from './rrl.ts';
import { STEP_HANDOFF, datagramReply, noHandoff, udpStep, type Answerer } from './udp-step.ts';

/*
 * Shared buffers (allocated here, read and written by native/mmsg.c; its header comment is the
 * other half of this description). B = BATCH datagrams, S = STRIDE bytes per slot:
 *
 *   in       B × S   datagram i at i*S, its length at lengths[i] (-1: cut short or no usable
 *                    sender; counted as malformed)
 *   out      B × S   answer i at i*S, written by the engine; its length goes to lengths[B + i]
 *                    (0: send nothing). After sendmmsg, a send that failed has -errno there.
 *   lengths  2B int32
 *   addrs    B × 20  sender i at i*20: [0] family 4|6 (IPv4-mapped IPv6 → 4), [2..3] port,
 *                    [4..7] IPv4 or [4..19] IPv6 address bytes → engine.client.setBytes()
 *
 * S is 65537 (the engine's output contract; the addon reads datagrams of up to 65536 bytes)
 * rounded up so that consecutive slots do not fall into the same cache sets (a stride of
 * exactly 64 KiB would put every packet's first bytes into one L1/L2 set).
 * The ArrayBuffers are zero-filled lazily by the OS: untouched slot tails cost no memory.
 */
export const STRIDE = 65600;
export const ADDR_BYTES = 20;
/**
 * Receive queue asked for (SO_RCVBUFFORCE as root, else SO_RCVBUF up to net.core.rmem_max).
 * The default ~208 KiB overflowed under dnsperf (-c 8 -q 500: 4,000 queries in flight) and lost
 * ~0.05 % of queries at the socket; NSD asks for a large buffer too.
 */
export const RCVBUF = 4 << 20;

export interface MmsgAddon {
  readonly MAX_BATCH: number;
  readonly ADDR_BYTES: number;
  readonly MAX_DATAGRAM: number;
  open(options: {
    family: 4 | 6;
    host: string;
    port: number;
    batch: number;
    stride: number;
    rcvbuf: number;
    /** Test hooks of native/mmsg.c (TEST_WOULD_BLOCK 1, TEST_FAIL_FIRST 2); 0 in service. */
    test?: number;
    in: ArrayBuffer;
    out: ArrayBuffer;
    lengths: ArrayBuffer;
    addrs: ArrayBuffer;
    onBatch: (count: number) => void;
    onSendErrors: (count: number) => void;
    onError: (negativeErrno: number) => void;
  }): object;
  close(handle: object, onClosed?: () => void): void;
  localPort(handle: object): number;
  /** One datagram outside any batch, to the sender an `addrs` slot describes; 0 or -errno. */
  sendTo(handle: object, data: Uint8Array, addr: Uint8Array): number;
}

const ADDON_PATH = new URL('../../native/build/Release/peregrine_mmsg.node', import.meta.url);
const STATUS_PATH = new URL('../../native/build/status.json', import.meta.url);

let loaded: { addon: MmsgAddon | null; reason: string | null } | null = null;

/** The addon, or null with the reason it is not there (the build's own reason if it failed). */
export function loadMmsg(): { addon: MmsgAddon | null; reason: string | null } {
  if (loaded !== null) return loaded;
  if (process.platform !== 'linux') return (loaded = { addon: null, reason: `recvmmsg/sendmmsg need Linux (this is ${process.platform})` });
  try {
    const addon = createRequire(import.meta.url)(fileURLToPath(ADDON_PATH)) as MmsgAddon;
    if (addon.ADDR_BYTES !== ADDR_BYTES || addon.MAX_DATAGRAM + 1 > STRIDE) throw new Error('addon and mmsg.ts disagree on the buffer layout: rebuild it (node native/build.mjs)');
    loaded = { addon, reason: null };
  } catch (err) {
    loaded = { addon: null, reason: buildReason() ?? `cannot load native/build/Release/peregrine_mmsg.node: ${(err as Error).message.split('\n')[0]}` };
  }
  return loaded;
}

/** Why native/build.mjs did not build the addon, as it recorded it. */
function buildReason(): string | null {
  try {
    const status = JSON.parse(readFileSync(STATUS_PATH, 'utf8')) as { ok: boolean; reason: string | null };
    return status.ok ? null : `the addon was not built at install: ${status.reason}`;
  } catch {
    return null;
  }
}

/** `-errno` from the addon → `ECONNREFUSED (-111)`. */
function errnoName(negative: number): string {
  const errno = -negative;
  for (const [name, value] of Object.entries(osConstants.errno)) if (value === errno) return `${name} (${negative})`;
  return `errno ${errno}`;
}

/** Batch sizes seen (for tests and benchmarks; the counters are the metrics). */
export interface MmsgStats {
  batches: number;
  datagrams: number;
  largestBatch: number;
}

export interface MmsgListener extends UdpListener {
  readonly stats: MmsgStats;
}

/**
 * Answers every datagram on `address` in batches; same contract as listenUdp (udp.ts). Throws
 * if the addon is not available: the caller decides on --io before listening.
 */
export function listenMmsg(
  address: ListenAddress,
  engine: Answerer,
  maxUdpPayload: number,
  hooks: UdpHooks = {},
  counters: SlotCounters = SlotCounters.standalone(),
  rrl: ResponseRateLimiter | null = null,
  testHooks: { wouldBlock?: boolean; failFirst?: boolean } = {},
): Promise<MmsgListener> {
  void maxUdpPayload; // the engine bounds its answers; no send ring is needed here
  const { addon, reason } = loadMmsg();
  if (addon === null) return Promise.reject(new Error(`--io mmsg: ${reason}`));
  const batch = addon.MAX_BATCH;
  const inBuffer = new ArrayBuffer(batch * STRIDE);
  const outBuffer = new ArrayBuffer(batch * STRIDE);
  const lengths = new Int32Array(2 * batch);
  const addrs = new Uint8Array(batch * ADDR_BYTES);
  const inViews: Uint8Array[] = [];
  const outViews: Uint8Array[] = [];
  for (let i = 0; i < batch; i++) {
    inViews.push(new Uint8Array(inBuffer, i * STRIDE, STRIDE));
    outViews.push(new Uint8Array(outBuffer, i * STRIDE, STRIDE));
  }
  const step = udpStep(engine, counters, hooks.onEngineError, rrl, hooks.tap ?? null);
  // Set once open: handed-off queries are answered through it later, outside their batch.
  let socketHandle: object | null = null;
  const client = engine.client;
  const stats: MmsgStats = { batches: 0, datagrams: 0, largestBatch: 0 };

  // The whole batch, one call from C: per datagram set the client, then the shared step.
  const onBatch = (count: number): void => {
    stats.batches++;
    stats.datagrams += count;
    if (count > stats.largestBatch) stats.largestBatch = count;
    for (let i = 0; i < count; i++) {
      const a = i * ADDR_BYTES;
      client.setBytes(addrs[a] === 6 ? 6 : 4, addrs, a + 4);
      client.port = (addrs[a + 2] << 8) | addrs[a + 3];
      const len = lengths[i];
      if (len < 0) {
        counters.received();
        counters.dropped(DROP_MALFORMED);
        continue;
      }
      const answer = step(inViews[i], len, outViews[i]);
      if (answer === STEP_HANDOFF) {
        lengths[batch + i] = 0;
        if (hooks.onHandoff === undefined || socketHandle === null) noHandoff(counters);
        else handOff(addon, socketHandle, inViews[i].slice(0, len), addrs.slice(a, a + ADDR_BYTES), hooks.onHandoff, counters, engine.lastQtype);
      } else {
        lengths[batch + i] = answer;
      }
    }
  };
  // Rare (a route refused, a firewall): each failed answer is a drop with its reason.
  const onSendErrors = (count: number): void => {
    let first = 0;
    for (let i = 0; i < batch; i++) {
      const v = lengths[batch + i];
      if (v >= 0) continue;
      if (first === 0) first = v;
      lengths[batch + i] = 0;
      counters.dropped(DROP_SEND_ERROR);
    }
    hooks.onSocketError?.(new Error(`sendmmsg on ${address.host}:${address.port}: ${count} answer(s) not sent, ${errnoName(first)}`));
  };
  const onError = (negativeErrno: number): void => {
    hooks.onSocketError?.(new Error(`recvmmsg on ${address.host}:${address.port}: ${errnoName(negativeErrno)}`));
  };

  try {
    const handle = addon.open({
      family: address.family,
      host: address.host,
      port: address.port,
      batch,
      stride: STRIDE,
      rcvbuf: RCVBUF,
      test: (testHooks.wouldBlock ? 1 : 0) | (testHooks.failFirst ? 2 : 0),
      in: inBuffer,
      out: outBuffer,
      lengths: lengths.buffer,
      addrs: addrs.buffer,
      onBatch,
      onSendErrors,
      onError,
    });
    socketHandle = handle;
    const bound = { ...address, port: address.port === 0 ? addon.localPort(handle) : address.port };
    let closed: Promise<void> | null = null;
    return Promise.resolve({
      address: bound,
      counters,
      stats,
      close: () => (closed ??= new Promise<void>((done) => addon.close(handle, () => done()))),
    });
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * A handed-off datagram (NOTIFY, TSIG-signed, IXFR): the primary's answer (one message) goes to
 * the sender later, from this socket, by sendTo. `query` and `addr` are copies: the batch
 * buffers are reused.
 */
function handOff(addon: MmsgAddon, handle: object, query: Uint8Array, addr: Uint8Array, handoff: Handoff, counters: SlotCounters, qtype: number): void {
  const client = new ClientAddress();
  client.setBytes(addr[0] === 6 ? 6 : 4, addr, 4);
  const reply = datagramReply((m) => addon.sendTo(handle, m, addr) === 0, counters, qtype);
  if (!handoff(query, client.toString(), false, reply)) counters.dropped(DROP_HANDOFF_BUSY);
}
