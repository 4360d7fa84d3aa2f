// Messages between the primary and its worker threads (the whole protocol, both directions).

import type { AnswerOptions } from '../answer/answer.ts';
import type { DnstapSettings } from '../dnstap/tap.ts';
import type { IoMode, ListenAddress, RrlSettings, TcpOptions } from '../config/serve-options.ts';

/** One generation of served zones: every image the workers answer from, published together. */
export interface ZoneSet {
  generation: number;
  images: SharedArrayBuffer[];
}

/** workerData: what a worker needs to start, including the zones current when it was created. */
export interface WorkerInit {
  index: number;
  listen: ListenAddress[];
  engine: AnswerOptions;
  tcp: TcpOptions;
  zones: ZoneSet;
  /** The pool's counters buffer; this worker writes slot `index` only (layout: counters.ts). */
  counters: SharedArrayBuffer;
  /** Response rate limiting: the table every worker shares (layout: src/transport/rrl.ts); absent: off. */
  rrl?: { table: SharedArrayBuffer; settings: RrlSettings };
  /** Per-zone query counters (layout: counters.ts); this worker writes row `index` only. Absent: not counted. */
  zoneCounters?: { buffer: SharedArrayBuffer; rowCells: number };
  /** UDP I/O, already resolved by the primary (it checked that the mmsg addon loads). */
  io?: IoMode;
  /** --dnstap: where and how often to log queries and answers; absent: off. */
  dnstap?: DnstapSettings;
  /** DNS over TLS (--tls-listen) with these PEM credentials; absent: none. */
  tls?: { listen: ListenAddress[]; cert: string; key: string };
}

/** primary → worker. */
export type ToWorker =
  /** Swap to this generation between two packets, then ack. */
  | { type: 'zones'; generation: number; images: SharedArrayBuffer[] }
  /** The health check now fails; keep answering until `stop`. */
  | { type: 'drain' }
  /** Close every socket (TCP answers already written are flushed), reply `stopped`, exit. */
  | { type: 'stop' }
  /**
   * Messages answering handed-off request `id`; `done` ends it. Otherwise the worker asks for
   * the next batch (`handoff-more`) once the client has read this one (flow control for AXFR).
   */
  | { type: 'handoff-reply'; id: number; messages: Uint8Array[]; done: boolean }
  /** New TLS credentials (SIGHUP): for new connections from now on. */
  | { type: 'tls-credentials'; cert: string; key: string };

/** worker → primary. */
export type FromWorker =
  /** Every listen address is bound over UDP and TCP and the initial zones are in use. */
  | { type: 'listening'; generation: number }
  | { type: 'ack'; generation: number }
  /** Logged by the primary (workers never write logs themselves). `fatal` precedes an exit. */
  | { type: 'error'; code: string; message: string; fatal: boolean }
  | { type: 'stopped' }
  /** A query the engine hands off (transfers, NOTIFY, TSIG): the primary answers with `handoff-reply`. */
  | { type: 'handoff'; id: number; query: Uint8Array; client: string; tcp: boolean }
  /** The client read the last batch of `id`: send the next. */
  | { type: 'handoff-more'; id: number }
  /** The client of `id` went away: stop producing its answer. */
  | { type: 'handoff-cancel'; id: number };
