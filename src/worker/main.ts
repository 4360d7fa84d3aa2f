// A worker thread: one answer engine, UDP and TCP on every listen address, zone swaps from the primary.

import { parentPort, workerData } from 'node:worker_threads';
import { AnswerEngine } from '../answer/answer.ts';
import { formatAddress } from '../config/serve-options.ts';
import { listenTcp, type TcpListener } from '../transport/tcp.ts';
import { listenTls, type TlsListener } from '../transport/tls.ts';
import { ResponseRateLimiter } from '../transport/rrl.ts';
import { listenMmsg } from '../transport/mmsg.ts';
import { listenUdp, type UdpListener } from '../transport/udp.ts';
import type { HandoffReply } from '../transport/handoff.ts';
import { DNSTAP_DROPPED, DNSTAP_SENT, SlotCounters, kDnstapField } from './counters.ts';
import { DnstapLog } from '../dnstap/tap.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

if (parentPort === null) throw new Error('src/worker/main.ts runs as a worker thread only');
const port = parentPort;
const init = workerData as WorkerInit;

const engine = new AnswerEngine(init.engine);
// Zones first, sockets second: a worker never answers REFUSED for want of its first image.
engine.setZones(init.zones.images);
// Our slot keeps the counts of any worker that ran here before us (counters stay monotonic).
const counters = new SlotCounters(init.counters, init.index, init.zoneCounters);
counters.started();
// One limiter for every UDP socket of this worker, deciding over the table all workers share.
const rrl = init.rrl === undefined || init.rrl.settings.rate <= 0
  ? null
  : new ResponseRateLimiter(init.rrl.table, init.rrl.settings, engine, counters);

// dnstap: one Frame Streams connection per worker; its counts copied to our slot once a second.
const dnstap = init.dnstap === undefined ? null : new DnstapLog(init.dnstap);
if (dnstap !== null) {
  // Added to what a worker that ran in this slot before us counted (the counters stay monotonic).
  const sentBefore = counters.cells[kDnstapField + DNSTAP_SENT];
  const droppedBefore = counters.cells[kDnstapField + DNSTAP_DROPPED];
  setInterval(() => {
    counters.cells[kDnstapField + DNSTAP_SENT] = sentBefore + dnstap.writer.stats.sent;
    counters.cells[kDnstapField + DNSTAP_DROPPED] = droppedBefore + dnstap.writer.stats.dropped;
  }, 1000).unref();
}

const udp: UdpListener[] = [];
const listenUdpIo = init.io === 'mmsg' ? listenMmsg : listenUdp;
const tcp: TcpListener[] = [];
const tlsListeners: TlsListener[] = [];
let stopping = false;

function send(message: FromWorker): void {
  port.postMessage(message);
}

// An engine exception is a bug; report it, but at most once a second so a query flood
// that triggers it cannot turn into a log flood.
let lastReport = 0;
function reportEngineError(err: unknown): void {
  const now = Date.now();
  if (now - lastReport < 1000) return;
  lastReport = now;
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  send({ type: 'error', code: 'PGN_ERR_ENGINE', message, fatal: false });
}

function reportSocketError(err: Error): void {
  send({ type: 'error', code: 'PGN_ERR_SOCKET', message: err.message, fatal: false });
}

// Handed-off queries waiting for the primary's answer, by request id.
const handoffs = new Map<number, HandoffReply>();
let nextHandoff = 1;
/**
 * UDP handoffs waiting at most: NOTIFY, TSIG-signed and IXFR datagrams cost the primary a message
 * and HMAC work each, and anyone can send them; beyond this many they are dropped (counted as
 * handoff_busy). TCP ones are bounded by the connection limits.
 */
const MAX_UDP_HANDOFFS = 64;
const udpHandoffs = new Set<number>();

function handOff(query: Uint8Array, client: string, tcp: boolean, reply: HandoffReply): boolean {
  if (!tcp && udpHandoffs.size >= MAX_UDP_HANDOFFS) return false;
  const id = nextHandoff++;
  handoffs.set(id, reply);
  if (!tcp) udpHandoffs.add(id);
  send({ type: 'handoff', id, query, client, tcp });
  return true;
}

function forget(id: number): void {
  handoffs.delete(id);
  udpHandoffs.delete(id);
}

function handoffReply(id: number, messages: Uint8Array[], done: boolean): void {
  const reply = handoffs.get(id);
  if (reply === undefined) return;
  if (reply.closed) {
    forget(id);
    if (!done) send({ type: 'handoff-cancel', id });
    return;
  }
  const more = reply.write(messages);
  if (done) {
    forget(id);
    reply.end();
    return;
  }
  const next = (): void => {
    if (reply.closed) {
      forget(id);
      send({ type: 'handoff-cancel', id });
    } else {
      send({ type: 'handoff-more', id });
    }
  };
  if (more) next();
  else reply.whenWritable(next);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'handoff-reply':
      handoffReply(message.id, message.messages, message.done);
      break;
    case 'zones':
      // Messages run between I/O callbacks, so no packet ever sees half of each generation.
      engine.setZones(message.images);
      send({ type: 'ack', generation: message.generation });
      break;
    case 'drain':
      // Only the health probe fails (keepalived then stops sending new flows); the worker
      // keeps answering everything else until told to stop.
      engine.setDraining(true);
      break;
    case 'stop':
      void stop();
      break;
    case 'tls-credentials':
      for (const l of tlsListeners) l.setCredentials(message);
      break;
  }
});

async function start(): Promise<void> {
  for (const address of init.listen) {
    try {
      const u = await listenUdpIo(address, engine, init.engine.maxUdpPayload, {
        onEngineError: reportEngineError,
        onSocketError: reportSocketError,
        onHandoff: handOff,
        tap: dnstap?.tapFor(address),
      }, counters, rrl);
      // A `stop` that arrived while we were binding has already closed the earlier listeners.
      if (stopping) return void (await u.close());
      udp.push(u);
      const t = await listenTcp(address, engine, init.tcp, {
        onEngineError: reportEngineError,
        onServerError: reportSocketError,
        onHandoff: handOff,
        tap: dnstap?.tapFor(address),
      }, counters);
      if (stopping) return void (await t.close());
      tcp.push(t);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      send({ type: 'error', code: 'PGN_ERR_LISTEN', message: `cannot listen on ${formatAddress(address)}: ${reason}`, fatal: true });
      await closeAll();
      process.exit(1);
    }
  }
  for (const address of init.tls?.listen ?? []) {
    try {
      const t = await listenTls(address, engine, init.tcp, init.tls!, {
        onEngineError: reportEngineError,
        onServerError: reportSocketError,
        onHandoff: handOff,
      }, counters);
      if (stopping) return void (await t.close());
      tcp.push(t);
      tlsListeners.push(t);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      send({ type: 'error', code: 'PGN_ERR_LISTEN', message: `cannot listen for TLS on ${formatAddress(address)}: ${reason}`, fatal: true });
      await closeAll();
      process.exit(1);
    }
  }
  send({ type: 'listening', generation: init.zones.generation });
}

async function closeAll(): Promise<void> {
  await Promise.all([...udp.map((l) => l.close()), ...tcp.map((l) => l.close())]);
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await closeAll();
  dnstap?.writer.close();
  send({ type: 'stopped' });
  // Nothing is left on this thread's loop once the port closes, so the thread ends with code 0.
  port.close();
}

void start();
