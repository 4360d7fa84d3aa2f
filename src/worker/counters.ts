// The per-query counters: the shared buffer's layout, and the writer a worker counts its slot with.

/*
 * One SharedArrayBuffer, allocated by the primary for every worker slot of the pool and handed
 * to each worker in workerData. Slot i belongs to worker i; a restarted worker gets the same
 * slot back and keeps adding to it, so every counter stays monotonic across restarts. The
 * primary sums the slots when /metrics is scraped (src/primary/counters.ts). Nothing is posted
 * per query.
 *
 *  ┌──────────────┬──────────────┬─────┬────────────────────┐
 *  │ slot 0       │ slot 1       │ ... │ slot slots-1       │   SLOT_CELLS Float64 cells each
 *  └──────────────┴──────────────┴─────┴────────────────────┘   (a multiple of 8: 64-byte lines)
 *
 * Slot (cell index within the slot):
 *   kQueriesField        TRANSPORTS × QTYPE_BUCKETS × RCODE_BUCKETS answered queries, at
 *                        queryCell(transport, qtypeBucket, rcodeBucket)
 *   kResponseBytesField  TRANSPORTS cells: DNS message bytes answered (TCP: without the 2-byte
 *                        length prefix)
 *   kDroppedField        DROP_REASONS cells, see DROP_REASON_NAMES
 *   kTcpConnectionsField gauge: TCP connections open now (reset to 0 by a starting worker)
 *   kWorkerQueriesField  messages received (UDP datagrams, TCP frames), answered or not:
 *                        the slot's queries plus its malformed/send_queue_full/engine_error drops
 *                        (send_error drops are answers already counted as queries)
 *   kRestartsField       times the primary restarted this slot's worker (the only cell the
 *                        primary writes; the worker never touches it)
 *   kRrlField            RRL_ACTIONS cells: UDP responses rate limiting let pass, dropped, slipped
 *
 * Why plain Float64 increments and no Atomics: every cell has exactly one writer (the slot's
 * worker, or the primary for kRestartsField), so a read-modify-write never races another
 * write. The only concurrent party is the primary reading at scrape time, and it tolerates a
 * stale value: an increment it misses is in the next scrape. An aligned 8-byte store is one
 * instruction on the CPUs Node runs on (x64, arm64), so the reader sees the old or the new
 * value, never half of each. Float64 counts exactly up to 2^53, ~900 years at 300k qps.
 * Slots are padded to a 64-byte multiple so two workers never write the same cache line.
 */

export const TRANSPORT_UDP = 0;
export const TRANSPORT_TCP = 1;
export const TRANSPORTS = 2;
export const TRANSPORT_NAMES: readonly string[] = ['udp', 'tcp'];

/** QTYPE label of each bucket; the last one, `other`, takes every type not listed (and 0: no question). */
export const QTYPE_BUCKET_NAMES: readonly string[] = [
  'A', 'NS', 'CNAME', 'SOA', 'PTR', 'MX', 'TXT', 'AAAA', 'SRV', 'NAPTR', 'DS', 'RRSIG', 'NSEC',
  'DNSKEY', 'NSEC3', 'SVCB', 'HTTPS', 'CAA', 'ANY', 'AXFR', 'IXFR', 'other',
];
const QTYPE_VALUES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 35, 43, 46, 47, 48, 50, 64, 65, 257, 255, 252, 251];
export const QTYPE_BUCKETS = QTYPE_BUCKET_NAMES.length;
export const QTYPE_OTHER = QTYPE_BUCKETS - 1;

/** RCODE label of each bucket (extended RCODEs included: BADVERS is 16); the last one is `other`. */
export const RCODE_BUCKET_NAMES: readonly string[] = [
  'NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'NOTAUTH', 'BADVERS', 'other',
];
const RCODE_VALUES = [0, 1, 2, 3, 4, 5, 6, 9, 16];
export const RCODE_BUCKETS = RCODE_BUCKET_NAMES.length;
export const RCODE_OTHER = RCODE_BUCKETS - 1;

export const DROP_MALFORMED = 0; // the engine returned 0 (no header, a response, unreadable question)
export const DROP_SEND_QUEUE_FULL = 1; // UDP: the socket's send queue was full, query not answered
export const DROP_ENGINE_ERROR = 2; // the engine threw (a bug); TCP also closes that connection
export const DROP_TCP_LIMIT = 3; // a TCP connection refused at the per-worker connection cap
export const DROP_TCP_BAD_FRAME = 4; // a TCP connection closed on a length prefix below 12
// The engine's drop reasons (src/answer/query.ts DROP_*), in that order from DROP_ENGINE_BASE:
export const DROP_ENGINE_BASE = 5;
export const DROP_SHORT_HEADER = 5; // shorter than the 12-byte header
export const DROP_RESPONSE = 6; // QR=1: a response, never answered
export const DROP_QDCOUNT = 7; // more than one question
export const DROP_BAD_QUESTION = 8; // question unreadable: pointer, label > 63, name > 255, cut short
export const DROP_RRL = 9; // UDP: response rate limiting dropped the answer (see peregrine_rrl_total)
export const DROP_TCP_CLIENT_LIMIT = 10; // a TCP connection refused: its client already has tcp-max-per-client open
export const DROP_TCP_TOO_LARGE = 11; // a TCP connection closed on a length prefix above tcp-max-message
export const DROP_TCP_IDLE = 12; // a TCP connection closed after tcp-idle-timeout without a byte
export const DROP_TCP_LIFETIME = 13; // a TCP connection closed at tcp-max-lifetime (slowloris)
export const DROP_TCP_MAX_QUERIES = 14; // a TCP connection closed after tcp-max-queries answers
export const DROP_SEND_ERROR = 15; // UDP (--io mmsg): the answer was counted but the kernel refused to send it
export const DROP_HANDOFF_BUSY = 16; // UDP: a query for the primary (NOTIFY, TSIG, IXFR) while too many wait for it
export const DROP_REASON_NAMES: readonly string[] = [
  'malformed', 'send_queue_full', 'engine_error', 'tcp_limit', 'tcp_bad_frame',
  'short_header', 'response', 'qdcount', 'bad_question', 'rrl',
  'tcp_client_limit', 'tcp_too_large', 'tcp_idle_timeout', 'tcp_lifetime', 'tcp_max_queries',
  'send_error', 'handoff_busy',
];
export const DROP_REASONS = DROP_REASON_NAMES.length;

export const QUERY_CELLS = TRANSPORTS * QTYPE_BUCKETS * RCODE_BUCKETS;
export const kQueriesField = 0;
export const kResponseBytesField = kQueriesField + QUERY_CELLS;
export const kDroppedField = kResponseBytesField + TRANSPORTS;
export const kTcpConnectionsField = kDroppedField + DROP_REASONS;
export const kWorkerQueriesField = kTcpConnectionsField + 1;
export const kRestartsField = kWorkerQueriesField + 1;
/** Response rate limiting decisions (src/transport/rrl.ts), RRL_ACTIONS cells. */
export const kRrlField = kRestartsField + 1;
export const RRL_ACTION_NAMES: readonly string[] = ['pass', 'drop', 'slip'];
export const RRL_ACTIONS = RRL_ACTION_NAMES.length;
/** dnstap frames (--dnstap): sent to the collector, dropped (buffer full, collector slow or absent). */
export const kDnstapField = kRrlField + RRL_ACTIONS;
export const DNSTAP_SENT = 0;
export const DNSTAP_DROPPED = 1;
/** Cells per slot, rounded up to 8 (64 bytes). */
export const SLOT_CELLS = (kDnstapField + 2 + 7) & ~7;
export const SLOT_BYTES = SLOT_CELLS * Float64Array.BYTES_PER_ELEMENT;

/** QTYPE (0..65535) → bucket, computed once. */
export const QTYPE_BUCKET = new Uint8Array(65536).fill(QTYPE_OTHER);
QTYPE_VALUES.forEach((qtype, bucket) => (QTYPE_BUCKET[qtype] = bucket));
/** RCODE, extended to 12 bits (0..4095) → bucket, computed once. */
export const RCODE_BUCKET = new Uint8Array(4096).fill(RCODE_OTHER);
RCODE_VALUES.forEach((rcode, bucket) => (RCODE_BUCKET[rcode] = bucket));

/** Cell of the answered-queries counter for these buckets, within a slot. */
export function queryCell(transport: number, qtypeBucket: number, rcodeBucket: number): number {
  return kQueriesField + (transport * QTYPE_BUCKETS + qtypeBucket) * RCODE_BUCKETS + rcodeBucket;
}

/** A zeroed counters buffer for `slots` workers. */
export function allocateCounters(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * SLOT_BYTES);
}

/** Number of worker slots a counters buffer holds. */
export function counterSlots(buffer: SharedArrayBuffer): number {
  return Math.floor(buffer.byteLength / SLOT_BYTES);
}

/*
 * Per-zone query counters: a second SharedArrayBuffer, one row per worker slot, one Float64
 * cell per zone slot (the primary gives each zone served a cell, src/primary/zone-metrics.ts,
 * and writes it into the zone image's header, H_METRICS_SLOT). Same rules as above: one writer
 * per cell (the row's worker), summed at scrape. Rows are padded to 64 bytes.
 *
 *  ┌──────────────────────────┬──────────────────────────┬─────┐
 *  │ worker 0: zoneCells × f64 │ worker 1: zoneCells × f64 │ ... │
 *  └──────────────────────────┴──────────────────────────┴─────┘
 */

/** Cells per worker row for `zoneCells` zone slots (rounded up to 8: 64 bytes). */
export function zoneRowCells(zoneCells: number): number {
  return (zoneCells + 7) & ~7;
}

/** A zeroed per-zone counters buffer: `workers` rows of `zoneCells` cells. */
export function allocateZoneCounters(workers: number, zoneCells: number): SharedArrayBuffer {
  return new SharedArrayBuffer(workers * zoneRowCells(zoneCells) * Float64Array.BYTES_PER_ELEMENT);
}

const NO_ZONE_CELLS = new Float64Array(0);

/**
 * One worker's slot, written from its transports on the hot path: typed-array index
 * arithmetic only, nothing allocated.
 */
export class SlotCounters {
  /** This slot's cells only (index 0 = kQueriesField). */
  readonly cells: Float64Array;
  /** This worker's row of the per-zone query counters (empty: not counted). */
  readonly zoneCells: Float64Array;

  /** `zones`: the per-zone counters buffer and its cells per zone row (zoneRowCells). */
  constructor(buffer: SharedArrayBuffer, slot: number, zones?: { buffer: SharedArrayBuffer; rowCells: number }) {
    if (!Number.isInteger(slot) || slot < 0 || slot >= counterSlots(buffer)) {
      throw new RangeError(`counter slot ${slot} is outside the buffer (${counterSlots(buffer)} slots)`);
    }
    this.cells = new Float64Array(buffer, slot * SLOT_BYTES, SLOT_CELLS);
    this.zoneCells = zones === undefined || zones.rowCells === 0
      ? NO_ZONE_CELLS
      : new Float64Array(zones.buffer, slot * zones.rowCells * Float64Array.BYTES_PER_ELEMENT, zones.rowCells);
  }

  /** A slot of its own, read by nobody else: for transports run outside a worker (tests). */
  static standalone(): SlotCounters {
    return new SlotCounters(allocateCounters(1), 0);
  }

  /** A worker starting in this slot: connections of a previous worker there are gone. */
  started(): void {
    this.cells[kTcpConnectionsField] = 0;
  }

  /** A message arrived (before it is answered or dropped). */
  received(): void {
    this.cells[kWorkerQueriesField]++;
  }

  /**
   * An answer of `bytes` bytes went out; `qtype`, `rcode` and the zone's counter cell
   * (`zoneSlot`, -1: no zone of ours) as the engine reports them.
   */
  answered(transport: number, qtype: number, rcode: number, bytes: number, zoneSlot = -1): void {
    const cells = this.cells;
    cells[kQueriesField + (transport * QTYPE_BUCKETS + QTYPE_BUCKET[qtype & 0xffff]) * RCODE_BUCKETS + RCODE_BUCKET[rcode & 0xfff]]++;
    cells[kResponseBytesField + transport] += bytes;
    const zones = this.zoneCells;
    if (zoneSlot >= 0 && zoneSlot < zones.length) zones[zoneSlot]++;
  }

  /** One of DROP_*. */
  dropped(reason: number): void {
    this.cells[kDroppedField + reason]++;
  }

  /** A packet the engine dropped, by the engine's reason (AnswerEngine.lastDropReason). */
  droppedByEngine(engineReason: number): void {
    this.cells[kDroppedField + (engineReason >= 0 && engineReason <= 3 ? DROP_ENGINE_BASE + engineReason : DROP_MALFORMED)]++;
  }

  /** A response rate limiting decision: 0 pass, 1 drop, 2 slip (RRL_ACTION_NAMES). */
  rrl(action: number): void {
    this.cells[kRrlField + action]++;
  }

  tcpOpened(): void {
    this.cells[kTcpConnectionsField]++;
  }

  tcpClosed(): void {
    this.cells[kTcpConnectionsField]--;
  }
}
