// The primary's side of the per-query counters: sum every worker's slot at scrape time.

import {
  DROP_REASONS,
  QUERY_CELLS,
  RRL_ACTIONS,
  SLOT_CELLS,
  TRANSPORTS,
  counterSlots,
  kDroppedField,
  kQueriesField,
  kResponseBytesField,
  kRestartsField,
  kRrlField,
  kDnstapField,
  DNSTAP_DROPPED,
  DNSTAP_SENT,
  kTcpConnectionsField,
  kWorkerQueriesField,
} from '../worker/counters.ts';

/** Every counter of the buffer, summed over the worker slots (per slot for worker queries). */
export interface CounterTotals {
  /** Answered queries, indexed by queryCell(transport, qtype bucket, rcode bucket). */
  queries: Float64Array;
  /** Per transport (TRANSPORT_*). */
  responseBytes: Float64Array;
  /** Per reason (DROP_*). */
  dropped: Float64Array;
  /** Messages received, per worker slot. */
  workerQueries: Float64Array;
  tcpConnections: number;
  restarts: number;
  /** Response rate limiting decisions, per action (RRL_ACTION_NAMES). */
  rrl: Float64Array;
  /** dnstap frames sent and dropped. */
  dnstapSent: number;
  dnstapDropped: number;
}

/**
 * Read the workers' slots while they keep counting (see the layout's note on why no Atomics):
 * each value is at most a few increments stale (and, on x64/arm64, never torn).
 */
export function sumCounters(buffer: SharedArrayBuffer): CounterTotals {
  const slots = counterSlots(buffer);
  const cells = new Float64Array(buffer, 0, slots * SLOT_CELLS);
  const totals: CounterTotals = {
    queries: new Float64Array(QUERY_CELLS),
    responseBytes: new Float64Array(TRANSPORTS),
    dropped: new Float64Array(DROP_REASONS),
    workerQueries: new Float64Array(slots),
    tcpConnections: 0,
    restarts: 0,
    rrl: new Float64Array(RRL_ACTIONS),
    dnstapSent: 0,
    dnstapDropped: 0,
  };
  for (let slot = 0; slot < slots; slot++) {
    const base = slot * SLOT_CELLS;
    addCells(totals.queries, cells, base + kQueriesField);
    addCells(totals.responseBytes, cells, base + kResponseBytesField);
    addCells(totals.dropped, cells, base + kDroppedField);
    totals.workerQueries[slot] = cells[base + kWorkerQueriesField];
    totals.tcpConnections += cells[base + kTcpConnectionsField];
    totals.restarts += cells[base + kRestartsField];
    addCells(totals.rrl, cells, base + kRrlField);
    totals.dnstapSent += cells[base + kDnstapField + DNSTAP_SENT];
    totals.dnstapDropped += cells[base + kDnstapField + DNSTAP_DROPPED];
  }
  return totals;
}

function addCells(into: Float64Array, cells: Float64Array, from: number): void {
  for (let i = 0; i < into.length; i++) into[i] += cells[from + i];
}

/** The primary's one write: a restart of the worker in `slot` (it owns this cell, workers never write it). */
export function countRestart(buffer: SharedArrayBuffer, slot: number): void {
  new Float64Array(buffer, 0, counterSlots(buffer) * SLOT_CELLS)[slot * SLOT_CELLS + kRestartsField]++;
}
