// DNS over TCP for one worker: a reusePort listener, RFC 7766 framing, answers written in query order.

import type { Tap } from '../dnstap/tap.ts';
import net from 'node:net';
import { ANSWER_HANDOFF, type AnswerEngine } from '../answer/answer.ts';
import type { ListenAddress, TcpOptions } from '../config/serve-options.ts';
import {
  DROP_ENGINE_ERROR,
  DROP_TCP_BAD_FRAME,
  DROP_TCP_CLIENT_LIMIT,
  DROP_TCP_IDLE,
  DROP_TCP_LIFETIME,
  DROP_TCP_LIMIT,
  DROP_TCP_MAX_QUERIES,
  DROP_TCP_TOO_LARGE,
  SlotCounters,
  TRANSPORT_TCP,
} from '../worker/counters.ts';
import { TcpFrameDecoder } from './tcp-framing.ts';
import type { Handoff, HandoffReply } from './handoff.ts';

/** What a transport needs from the engine: the answer, then its rcode and qtype for the counters. */
export type Answerer = Pick<AnswerEngine, 'answer' | 'lastRcode' | 'lastQtype' | 'lastDropReason' | 'client' | 'lastZoneSlot'>;

/** The engine's contract: `out` holds at least 65535 + 2 bytes. */
const ENGINE_OUT = 65537;

export interface TcpListener {
  readonly address: ListenAddress;
  readonly connections: number;
  /** Stop accepting, flush what was already answered, then close every connection. */
  close(graceMs?: number): Promise<void>;
}

export interface TcpHooks {
  onEngineError?: (err: unknown) => void;
  onServerError?: (err: Error) => void;
  /** Takes the queries the engine hands off (ANSWER_HANDOFF); without it they are dropped. */
  onHandoff?: Handoff;
  /** dnstap: sees each query answered and the answer sent (--dnstap). */
  tap?: Tap;
}

/** Limits of TcpOptions left out take these (the documented defaults of `serve`). */
export const TCP_DEFAULTS = {
  maxPerClient: 64,
  maxLifetimeMs: 120_000,
  maxQueries: 0,
  maxMessage: 0xffff,
};

/**
 * Each message, connection and drop is counted into `counters` (the worker's slot; a private
 * one by default). Limits (TcpOptions): connections per worker (Node's maxConnections) and per
 * client address (per worker: SO_REUSEPORT spreads a client's connections over the workers),
 * idle time, total lifetime (a client trickling a byte at a time defeats an idle timeout, not
 * this), answers per connection and message size. A client at a limit loses that connection
 * only; every other connection carries on.
 */
export function listenTcp(
  address: ListenAddress,
  engine: Answerer,
  options: TcpOptions,
  hooks: TcpHooks = {},
  counters: SlotCounters = SlotCounters.standalone(),
  /** The listening server for a connection handler: plain TCP, or TLS (src/transport/tls.ts). */
  createServer: (onConnection: (socket: net.Socket) => void) => net.Server = (onConnection) => net.createServer({ noDelay: true }, onConnection),
): Promise<TcpListener> {
  // Responses are built at offset 2 so the length prefix goes in front without a second copy.
  // One scratch per listener is enough: answers are produced synchronously, one at a time.
  const scratch = Buffer.allocUnsafe(2 + ENGINE_OUT);
  const out = scratch.subarray(2);
  const open = new Set<Connection>();
  const limits: ConnectionLimits = {
    idleTimeoutMs: options.idleTimeoutMs,
    maxLifetimeMs: options.maxLifetimeMs ?? TCP_DEFAULTS.maxLifetimeMs,
    maxQueries: options.maxQueries ?? TCP_DEFAULTS.maxQueries,
    maxMessage: options.maxMessage ?? TCP_DEFAULTS.maxMessage,
  };
  const maxPerClient = options.maxPerClient ?? TCP_DEFAULTS.maxPerClient;
  /** Open connections per client address (this listener's only). */
  const perClient = new Map<string, number>();

  const server = createServer((socket) => {
    const remote = socket.remoteAddress ?? '';
    const already = perClient.get(remote) ?? 0;
    if (maxPerClient > 0 && already >= maxPerClient) {
      counters.dropped(DROP_TCP_CLIENT_LIMIT);
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    perClient.set(remote, already + 1);
    const conn = new Connection(socket, remote, engine, scratch, out, limits, hooks, counters);
    open.add(conn);
    counters.tcpOpened();
    socket.once('close', () => {
      open.delete(conn);
      conn.closed();
      const left = (perClient.get(remote) ?? 1) - 1;
      if (left > 0) perClient.set(remote, left);
      else perClient.delete(remote);
      counters.tcpClosed();
    });
  });
  // Node closes connections beyond this as soon as they are accepted, and says so with 'drop'.
  server.maxConnections = options.maxConnections;
  server.on('drop', () => counters.dropped(DROP_TCP_LIMIT));

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address.host, port: address.port, reusePort: true, exclusive: true }, () => {
      server.off('error', reject);
      // A listener error after start (rare: EMFILE on accept) must not kill the worker.
      server.on('error', (err) => hooks.onServerError?.(err));
      resolve({
        address,
        get connections() {
          return open.size;
        },
        close: (graceMs = 1000) => closeServer(server, open, graceMs),
      });
    });
  });
}

interface ConnectionLimits {
  idleTimeoutMs: number;
  /** 0: no limit. */
  maxLifetimeMs: number;
  /** 0: no limit. */
  maxQueries: number;
  maxMessage: number;
}

/** One client connection: decode queries, answer each in order, write length-prefixed replies. */
class Connection {
  private readonly socket: net.Socket;
  private readonly engine: Answerer;
  private readonly scratch: Buffer;
  private readonly out: Buffer;
  private readonly hooks: TcpHooks;
  private readonly counters: SlotCounters;
  private readonly decoder: TcpFrameDecoder;
  /** The client's address as Node reports it (kept: socket.remoteAddress is gone once it closes). */
  private readonly remote: string;
  /** Set once we stop reading (bad prefix or shutdown); later queries are ignored. */
  private closing = false;
  private readonly maxQueries: number;
  private answered = 0;
  private readonly lifetime: NodeJS.Timeout | null;
  /** A handed-off query is being answered: later queries wait here, in order. */
  private handingOff = false;
  private waiting: Uint8Array[] = [];
  private readonly onMessage = (query: Uint8Array): void => {
    if (this.handingOff) this.waiting.push(new Uint8Array(query)); // a copy: the decoder reuses its buffer
    else this.answer(query);
  };

  constructor(
    socket: net.Socket,
    remote: string,
    engine: Answerer,
    scratch: Buffer,
    out: Buffer,
    limits: ConnectionLimits,
    hooks: TcpHooks,
    counters: SlotCounters,
  ) {
    this.socket = socket;
    this.hooks = hooks;
    this.counters = counters;
    this.engine = engine;
    this.scratch = scratch;
    this.out = out;
    this.remote = remote;
    this.maxQueries = limits.maxQueries;
    this.decoder = new TcpFrameDecoder(limits.maxMessage);
    socket.setTimeout(limits.idleTimeoutMs, () => {
      counters.dropped(DROP_TCP_IDLE);
      socket.destroy();
    });
    // Whatever the client does, the connection ends by then (slowloris: one byte a second
    // keeps an idle timer from ever firing).
    this.lifetime = limits.maxLifetimeMs > 0
      ? setTimeout(() => {
          counters.dropped(DROP_TCP_LIFETIME);
          socket.destroy();
        }, limits.maxLifetimeMs)
      : null;
    socket.on('error', () => {
      // Resets from clients are routine; Node destroys the socket right after.
    });
    socket.on('drain', () => {
      if (!this.closing && !this.handingOff) socket.resume();
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  /** Stop reading, flush what was already answered, then close. */
  shutdown(): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.pause();
    this.socket.end(() => this.socket.destroy());
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The socket closed (for any reason): stop its timer. */
  closed(): void {
    if (this.lifetime !== null) clearTimeout(this.lifetime);
  }

  private receive(chunk: Buffer): void {
    if (this.closing) return;
    // Pipelined answers from one chunk leave in one writev instead of one write each.
    this.socket.cork();
    const ok = this.decoder.push(chunk, this.onMessage);
    this.socket.uncork();
    // After a bad prefix the stream cannot be realigned: send what was answered, then close.
    if (!ok) {
      this.counters.dropped(this.decoder.tooLarge ? DROP_TCP_TOO_LARGE : DROP_TCP_BAD_FRAME);
      this.shutdown();
    }
  }

  private answer(query: Uint8Array): void {
    if (this.closing) return;
    const counters = this.counters;
    counters.received();
    let len: number;
    // Several connections take turns on one engine: say whose query this is each time.
    this.engine.client.setText(this.remote);
    this.engine.client.port = this.socket.remotePort ?? 0;
    try {
      len = this.engine.answer(query, query.length, this.out, true);
    } catch (err) {
      // An engine bug must not take the worker down; this client loses its connection.
      counters.dropped(DROP_ENGINE_ERROR);
      this.hooks.onEngineError?.(err);
      this.shutdown();
      return;
    }
    if (len === ANSWER_HANDOFF && this.hooks.onHandoff !== undefined) {
      this.handOff(query);
      return;
    }
    if (len <= 0) {
      counters.droppedByEngine(this.engine.lastDropReason);
      return;
    }
    counters.answered(TRANSPORT_TCP, this.engine.lastQtype, this.engine.lastRcode, len, this.engine.lastZoneSlot);
    this.hooks.tap?.(this.engine.client, query, query.length, this.out, len, true);
    const scratch = this.scratch;
    scratch[0] = len >> 8;
    scratch[1] = len & 0xff;
    // socket.write keeps a reference until the kernel takes the bytes, and `scratch` is reused
    // for the next answer, so each response gets its own copy. TCP is the rare path; UDP is not.
    const frame = Buffer.allocUnsafe(2 + len);
    scratch.copy(frame, 0, 0, 2 + len);
    // A client that pipelines without reading gets no more answers until it catches up.
    if (!this.socket.write(frame)) this.socket.pause();
    if (this.maxQueries > 0 && ++this.answered >= this.maxQueries) {
      // Enough from this client on this connection: the answers go out, then it is closed.
      counters.dropped(DROP_TCP_MAX_QUERIES);
      this.shutdown();
    }
  }

  /** Stop reading until the primary's answer (one or many messages) is written, then go on. */
  private handOff(query: Uint8Array): void {
    this.handingOff = true;
    this.socket.pause();
    const socket = this.socket;
    const qtype = this.engine.lastQtype;
    const reply: HandoffReply = {
      write: (messages) => {
        if (socket.destroyed) return false;
        let ok = true;
        for (const m of messages) {
          const frame = Buffer.allocUnsafe(2 + m.length);
          frame[0] = m.length >> 8;
          frame[1] = m.length & 0xff;
          frame.set(m, 2);
          this.counters.answered(TRANSPORT_TCP, qtype, m.length >= 4 ? m[3] & 0x0f : 0, m.length);
          ok = socket.write(frame);
        }
        return ok;
      },
      whenWritable: (cb) => {
        if (socket.destroyed || !socket.writableNeedDrain) return void queueMicrotask(cb);
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          cb();
        };
        socket.on('drain', done);
        socket.on('close', done);
      },
      end: () => {
        this.handingOff = false;
        if (socket.destroyed) return;
        const waiting = this.waiting;
        this.waiting = [];
        for (let i = 0; i < waiting.length; i++) {
          this.answer(waiting[i]);
          if (this.handingOff) {
            // Another handed-off query: the rest waits for it.
            this.waiting = waiting.slice(i + 1).concat(this.waiting);
            return;
          }
        }
        if (!this.closing && !socket.writableNeedDrain) socket.resume();
      },
      get closed() {
        return socket.destroyed;
      },
    };
    // A copy (not Buffer#slice, a view): the decoder reuses its buffer.
    this.hooks.onHandoff!(new Uint8Array(query), this.remote, true, reply);
  }
}

async function closeServer(server: net.Server, open: Set<Connection>, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const conn of open) conn.shutdown();
  // server.close() waits for every connection; a client that never reads must not hold us up.
  const timer = setTimeout(() => {
    for (const conn of open) conn.destroy();
  }, graceMs);
  await closed;
  clearTimeout(timer);
}
