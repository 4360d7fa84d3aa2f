// The worker threads: start N, know which generation each one serves, restart any that dies.

import type { DnstapSettings } from '../dnstap/tap.ts';
import { Worker } from 'node:worker_threads';
import type { AnswerOptions } from '../answer/answer.ts';
import type { IoMode, ListenAddress, RrlSettings, TcpOptions } from '../config/serve-options.ts';
import { allocateCounters, counterSlots } from '../worker/counters.ts';
import type { FromWorker, ToWorker, WorkerInit, ZoneSet } from '../worker/protocol.ts';
import { countRestart } from './counters.ts';
import type { Logger } from './log.ts';

const WORKER_SCRIPT = new URL('../worker/main.ts', import.meta.url);
/** A worker that does not answer `stop` within this is terminated. */
const STOP_TIMEOUT_MS = 5000;
const RESTART_DELAY_MIN_MS = 100;
const RESTART_DELAY_MAX_MS = 10_000;
/** A worker that ran this long is considered healthy again: its next crash restarts quickly. */
const STABLE_AFTER_MS = 30_000;

export interface PoolOptions {
  count: number;
  listen: ListenAddress[];
  engine: AnswerOptions;
  tcp: TcpOptions;
  log: Logger;
  /** The generation a (re)started worker must serve from its first packet. */
  currentZones: () => ZoneSet;
  /**
   * The per-query counters, one slot per worker (at least `count`); a restarted worker
   * reuses its slot. Default: a buffer of the pool's own (for tests).
   */
  counters?: SharedArrayBuffer;
  /** The worker thread's module; tests substitute one that misbehaves on cue. */
  script?: URL;
  /** Response rate limiting, its table shared by every worker; absent: off. */
  rrl?: { table: SharedArrayBuffer; settings: RrlSettings };
  /** --dnstap: each worker logs to the collector itself; absent: off. */
  dnstap?: DnstapSettings;
  /**
   * Handed-off queries and their flow control (`handoff`, `handoff-more`, `handoff-cancel`),
   * with the way back to the worker that sent them (src/transfer answers them).
   */
  onHandoff?: (message: HandoffMessage, thread: number, reply: (message: ToWorker) => void) => void;
  /** UDP I/O of every worker (default dgram). */
  io?: IoMode;
  /** Per-zone query counters, one row per worker slot (src/primary/zone-metrics.ts); absent: not counted. */
  zoneCounters?: { buffer: SharedArrayBuffer; rowCells: number };
  /** DNS over TLS: addresses and PEM credentials (replaced by setTlsCredentials). */
  tls?: { listen: ListenAddress[]; cert: string; key: string };
}

export type HandoffMessage = Extract<FromWorker, { type: 'handoff' | 'handoff-more' | 'handoff-cancel' }>;

interface Slot {
  index: number;
  worker: Worker | null;
  /** Highest generation this slot's current worker is known to serve. */
  generation: number;
  listening: boolean;
  startedAt: number;
  restartDelay: number;
  restartTimer: NodeJS.Timeout | null;
}

interface AckWaiter {
  generation: number;
  resolve: () => void;
}

export class WorkerPool {
  private readonly options: PoolOptions;
  /** Shared with every worker and read by /metrics; the pool writes only each slot's restart count. */
  readonly counters: SharedArrayBuffer;
  private readonly slots: Slot[] = [];
  private waiters: AckWaiter[] = [];
  /** Set once every worker listened: from then on, an exit means restart. */
  private running = false;
  private stopping = false;

  constructor(options: PoolOptions) {
    this.options = options;
    this.counters = options.counters ?? allocateCounters(options.count);
    if (counterSlots(this.counters) < options.count) {
      throw new RangeError(`the counters buffer has ${counterSlots(this.counters)} slot(s) for ${options.count} worker(s)`);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * Start every worker and wait until all listen. A worker that cannot bind at start is
   * fatal (wrong address, port taken): the promise rejects with its message.
   */
  start(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let i = 0; i < this.options.count; i++) {
      const slot: Slot = {
        index: i,
        worker: null,
        generation: 0,
        listening: false,
        startedAt: 0,
        restartDelay: RESTART_DELAY_MIN_MS,
        restartTimer: null,
      };
      this.slots.push(slot);
      ready.push(this.spawn(slot));
    }
    return Promise.all(ready).then(() => {
      this.running = true;
    });
  }

  /** Post to every running worker. Workers still starting get it too (it waits in their port). */
  /** New TLS credentials for every worker, and for workers started later. */
  setTlsCredentials(cert: string, key: string): void {
    if (this.options.tls === undefined) return;
    this.options.tls = { ...this.options.tls, cert, key };
    this.broadcast({ type: 'tls-credentials', cert, key });
  }

  broadcast(message: ToWorker): void {
    for (const slot of this.slots) slot.worker?.postMessage(message);
  }

  /**
   * Resolves once every worker serves `generation` or newer. A worker restarted meanwhile
   * counts once it listens, since it starts from the current generation.
   */
  allAcked(generation: number): Promise<void> {
    if (this.stopping || this.slots.every((s) => s.generation >= generation)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ generation, resolve }));
  }

  /**
   * End worker `index` at once, as a crash would: its exit is unexpected, so it is logged,
   * counted and restarted. Only the test hooks call this (src/primary/test-hooks.ts).
   */
  async terminateWorker(index: number): Promise<void> {
    await this.slots[index]?.worker?.terminate();
  }

  /** Ask every worker to close its sockets and exit; terminate those that do not in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.releaseWaiters();
    const exits: Promise<unknown>[] = [];
    for (const slot of this.slots) {
      if (slot.restartTimer !== null) clearTimeout(slot.restartTimer);
      const worker = slot.worker;
      if (worker === null) continue;
      exits.push(
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
          worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          worker.postMessage({ type: 'stop' } satisfies ToWorker);
        }),
      );
    }
    await Promise.all(exits);
  }

  private spawn(slot: Slot): Promise<void> {
    const zones = this.options.currentZones();
    const init: WorkerInit = {
      index: slot.index,
      listen: this.options.listen,
      engine: this.options.engine,
      tcp: this.options.tcp,
      zones,
      counters: this.counters,
      rrl: this.options.rrl,
      io: this.options.io,
      zoneCounters: this.options.zoneCounters,
      dnstap: this.options.dnstap,
      tls: this.options.tls,
    };
    const worker = new Worker(this.options.script ?? WORKER_SCRIPT, { workerData: init, name: `peregrine-worker-${slot.index}` });
    slot.worker = worker;
    slot.listening = false;
    slot.startedAt = Date.now();

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let fatal: string | null = null;

      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'listening':
            slot.listening = true;
            this.acked(slot, message.generation);
            settled = true;
            resolve();
            break;
          case 'ack':
            this.acked(slot, message.generation);
            break;
          case 'error':
            if (message.fatal) fatal = message.message;
            this.options.log[message.fatal ? 'error' : 'warn'](
              { event: 'worker_error', worker: slot.index, code: message.code },
              message.message,
            );
            break;
          case 'stopped':
            break;
          case 'handoff':
          case 'handoff-more':
          case 'handoff-cancel':
            // threadId, not the slot: a restarted worker numbers its requests from 1 again.
            this.options.onHandoff?.(message, worker.threadId, (m) => worker.postMessage(m));
            break;
        }
      });
      worker.on('error', (err) => {
        fatal = err.message;
        this.options.log.error(
          { event: 'worker_error', worker: slot.index, code: 'PGN_ERR_WORKER', stack: err.stack },
          `worker ${slot.index} failed: ${err.message}`,
        );
      });
      worker.on('exit', (code) => {
        if (slot.worker === worker) slot.worker = null;
        slot.listening = false;
        const neverListened = !settled;
        if (neverListened) {
          settled = true;
          reject(new Error(fatal ?? `worker ${slot.index} exited with code ${code} before listening`));
        }
        if (this.stopping) return;
        // A worker that cannot even start during start-up means the configuration cannot
        // work: start() fails instead. Any other exit is a crash to recover from.
        if (neverListened && !this.running) return;
        this.scheduleRestart(slot, code);
      });
    });
  }

  private scheduleRestart(slot: Slot, code: number): void {
    const ranFor = Date.now() - slot.startedAt;
    if (ranFor >= STABLE_AFTER_MS) slot.restartDelay = RESTART_DELAY_MIN_MS;
    const delay = slot.restartDelay;
    slot.restartDelay = Math.min(slot.restartDelay * 2, RESTART_DELAY_MAX_MS);
    slot.listening = false;
    this.options.log.warn(
      { event: 'worker_exit', worker: slot.index, exitCode: code, restartInMs: delay, code: 'PGN_ERR_WORKER_EXIT' },
      `worker ${slot.index} exited unexpectedly (code ${code}); restarting`,
    );
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      countRestart(this.counters, slot.index);
      this.spawn(slot).then(
        () => this.options.log.info({ event: 'worker_restarted', worker: slot.index }, `worker ${slot.index} restarted`),
        () => {
          // Its exit handler has already scheduled the next attempt.
        },
      );
    }, delay);
  }

  private acked(slot: Slot, generation: number): void {
    if (generation > slot.generation) slot.generation = generation;
    if (this.waiters.length === 0) return;
    const pending: AckWaiter[] = [];
    for (const w of this.waiters) {
      if (this.slots.every((s) => s.generation >= w.generation)) w.resolve();
      else pending.push(w);
    }
    this.waiters = pending;
  }

  private releaseWaiters(): void {
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}
