// The counters layout: field offsets, the qtype/rcode bucket tables, and what one slot's writer touches.

import { describe, expect, it } from 'vitest';
import {
  DROP_REASON_NAMES,
  DROP_REASONS,
  DROP_SEND_QUEUE_FULL,
  DROP_TCP_LIMIT,
  QTYPE_BUCKET,
  QTYPE_BUCKET_NAMES,
  QTYPE_BUCKETS,
  QTYPE_OTHER,
  QUERY_CELLS,
  RCODE_BUCKET,
  RCODE_BUCKET_NAMES,
  RCODE_OTHER,
  SLOT_BYTES,
  SLOT_CELLS,
  SlotCounters,
  TRANSPORT_TCP,
  TRANSPORT_UDP,
  allocateCounters,
  counterSlots,
  kDroppedField,
  kQueriesField,
  kResponseBytesField,
  kRestartsField,
  kRrlField,
  RRL_ACTIONS,
  kTcpConnectionsField,
  kWorkerQueriesField,
  queryCell,
} from '../../src/worker/counters.ts';

describe('counters layout', () => {
  it('puts the fields one after another, each inside the slot, slots on 64-byte boundaries', () => {
    expect(kQueriesField).toBe(0);
    expect(QUERY_CELLS).toBe(2 * 22 * 10);
    expect(kResponseBytesField).toBe(QUERY_CELLS);
    expect(kDroppedField).toBe(kResponseBytesField + 2);
    expect(kTcpConnectionsField).toBe(kDroppedField + DROP_REASONS);
    expect(kWorkerQueriesField).toBe(kTcpConnectionsField + 1);
    expect(kRestartsField).toBe(kWorkerQueriesField + 1);
    expect(SLOT_CELLS).toBeGreaterThan(kRestartsField);
    expect(SLOT_BYTES % 64).toBe(0);
    expect(SLOT_CELLS - (kRrlField + RRL_ACTIONS)).toBeLessThan(8);
  });

  it('gives every (transport, qtype bucket, rcode bucket) its own query cell', () => {
    const seen = new Set<number>();
    for (const t of [TRANSPORT_UDP, TRANSPORT_TCP]) {
      for (let q = 0; q < QTYPE_BUCKETS; q++) {
        for (let r = 0; r < RCODE_BUCKET_NAMES.length; r++) seen.add(queryCell(t, q, r));
      }
    }
    expect(seen.size).toBe(QUERY_CELLS);
    expect(Math.min(...seen)).toBe(kQueriesField);
    expect(Math.max(...seen)).toBe(kQueriesField + QUERY_CELLS - 1);
  });

  it('maps each listed QTYPE to its own bucket, everything else to other', () => {
    const named: Record<string, number> = {
      A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, NAPTR: 35, DS: 43, RRSIG: 46,
      NSEC: 47, DNSKEY: 48, NSEC3: 50, SVCB: 64, HTTPS: 65, CAA: 257, ANY: 255, AXFR: 252, IXFR: 251,
    };
    expect(QTYPE_BUCKET_NAMES).toEqual([...Object.keys(named), 'other']);
    for (const [name, qtype] of Object.entries(named)) expect(QTYPE_BUCKET_NAMES[QTYPE_BUCKET[qtype]]).toBe(name);
    for (const qtype of [0, 3, 4, 13, 99, 249, 250, 256, 32768, 65535]) expect(QTYPE_BUCKET[qtype]).toBe(QTYPE_OTHER);
    expect(QTYPE_BUCKET.length).toBe(65536);
  });

  it('maps each listed RCODE (extended ones included) to its own bucket, everything else to other', () => {
    const named: Record<string, number> = {
      NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, NOTAUTH: 9, BADVERS: 16,
    };
    expect(RCODE_BUCKET_NAMES).toEqual([...Object.keys(named), 'other']);
    for (const [name, rcode] of Object.entries(named)) expect(RCODE_BUCKET_NAMES[RCODE_BUCKET[rcode]]).toBe(name);
    for (const rcode of [7, 8, 10, 15, 17, 4095]) expect(RCODE_BUCKET[rcode]).toBe(RCODE_OTHER);
  });

  it('names every drop reason', () => {
    expect(DROP_REASON_NAMES).toEqual([
      'malformed', 'send_queue_full', 'engine_error', 'tcp_limit', 'tcp_bad_frame',
      'short_header', 'response', 'qdcount', 'bad_question', 'rrl',
      'tcp_client_limit', 'tcp_too_large', 'tcp_idle_timeout', 'tcp_lifetime', 'tcp_max_queries', 'send_error', 'handoff_busy',
    ]);
  });
});

describe('SlotCounters', () => {
  it('writes its own slot and nothing else', () => {
    const buffer = allocateCounters(3);
    expect(counterSlots(buffer)).toBe(3);
    const slot = new SlotCounters(buffer, 1);
    slot.received();
    slot.answered(TRANSPORT_UDP, 28, 3, 100);
    slot.answered(TRANSPORT_TCP, 1, 0, 50);
    slot.answered(TRANSPORT_TCP, 1, 0, 50);
    slot.dropped(DROP_TCP_LIMIT);
    slot.tcpOpened();
    const all = new Float64Array(buffer);
    const base = SLOT_CELLS;
    const written = new Map<number, number>([
      [base + queryCell(TRANSPORT_UDP, QTYPE_BUCKET[28], RCODE_BUCKET[3]), 1],
      [base + queryCell(TRANSPORT_TCP, QTYPE_BUCKET[1], RCODE_BUCKET[0]), 2],
      [base + kResponseBytesField + TRANSPORT_UDP, 100],
      [base + kResponseBytesField + TRANSPORT_TCP, 100],
      [base + kDroppedField + DROP_TCP_LIMIT, 1],
      [base + kTcpConnectionsField, 1],
      [base + kWorkerQueriesField, 1],
    ]);
    all.forEach((value, i) => expect([i, value]).toEqual([i, written.get(i) ?? 0]));
  });

  it('counts out-of-table values into other: qtype 0 (no question), rcode -1 and beyond 4095', () => {
    const slot = SlotCounters.standalone();
    slot.answered(TRANSPORT_UDP, 0, 0, 12);
    slot.answered(TRANSPORT_UDP, 1, -1, 12);
    expect(slot.cells[queryCell(TRANSPORT_UDP, QTYPE_OTHER, RCODE_BUCKET[0])]).toBe(1);
    expect(slot.cells[queryCell(TRANSPORT_UDP, QTYPE_BUCKET[1], RCODE_OTHER)]).toBe(1);
  });

  it('keeps the counts of an earlier worker in the same slot; a start resets only the connections gauge', () => {
    const buffer = allocateCounters(2);
    const first = new SlotCounters(buffer, 0);
    first.received();
    first.dropped(DROP_SEND_QUEUE_FULL);
    first.tcpOpened();
    first.tcpOpened();
    const second = new SlotCounters(buffer, 0);
    second.started();
    second.received();
    expect(second.cells[kWorkerQueriesField]).toBe(2);
    expect(second.cells[kDroppedField + DROP_SEND_QUEUE_FULL]).toBe(1);
    expect(second.cells[kTcpConnectionsField]).toBe(0);
  });

  it('refuses a slot outside the buffer', () => {
    expect(() => new SlotCounters(allocateCounters(2), 2)).toThrow(RangeError);
    expect(() => new SlotCounters(allocateCounters(2), -1)).toThrow(RangeError);
  });
});
