// Summing the workers' counter slots, and the Prometheus series /metrics makes of the sums.

import { describe, expect, it } from 'vitest';
import { countRestart, sumCounters } from '../../src/primary/counters.ts';
import { createMetrics } from '../../src/primary/metrics.ts';
import { ZoneRegistry } from '../../src/primary/zone-registry.ts';
import {
  DROP_ENGINE_ERROR,
  DROP_MALFORMED,
  DROP_RESPONSE,
  QTYPE_BUCKET,
  QTYPE_OTHER,
  RCODE_BUCKET,
  SlotCounters,
  TRANSPORT_TCP,
  TRANSPORT_UDP,
  allocateCounters,
  queryCell,
} from '../../src/worker/counters.ts';

/** Three workers' worth of traffic; slot 2 never saw any. */
function traffic(): SharedArrayBuffer {
  const buffer = allocateCounters(3);
  const w0 = new SlotCounters(buffer, 0);
  const w1 = new SlotCounters(buffer, 1);
  for (let i = 0; i < 5; i++) {
    w0.received();
    w0.answered(TRANSPORT_UDP, 1, 0, 40);
  }
  for (let i = 0; i < 3; i++) {
    w1.received();
    w1.answered(TRANSPORT_UDP, 1, 0, 60);
  }
  w1.received();
  w1.answered(TRANSPORT_TCP, 28, 3, 90);
  w1.received();
  w1.answered(TRANSPORT_UDP, 99, 5, 30);
  w0.received();
  w0.dropped(DROP_MALFORMED);
  w1.received();
  w1.dropped(DROP_MALFORMED);
  w1.dropped(DROP_ENGINE_ERROR);
  w0.received();
  w0.droppedByEngine(1); // a response (QR=1)
  w1.rrl(0);
  w1.rrl(1);
  w1.rrl(1);
  w1.rrl(2);
  w0.tcpOpened();
  w1.tcpOpened();
  w1.tcpOpened();
  w1.tcpClosed();
  return buffer;
}

describe('sumCounters', () => {
  it('adds up every slot, cell by cell, and keeps worker queries per slot', () => {
    const totals = sumCounters(traffic());
    expect(totals.queries[queryCell(TRANSPORT_UDP, QTYPE_BUCKET[1], RCODE_BUCKET[0])]).toBe(8);
    expect(totals.queries[queryCell(TRANSPORT_TCP, QTYPE_BUCKET[28], RCODE_BUCKET[3])]).toBe(1);
    expect(totals.queries[queryCell(TRANSPORT_UDP, QTYPE_OTHER, RCODE_BUCKET[5])]).toBe(1);
    expect(totals.queries.reduce((a, b) => a + b, 0)).toBe(10);
    expect([...totals.responseBytes]).toEqual([5 * 40 + 3 * 60 + 30, 90]);
    expect(totals.dropped[DROP_MALFORMED]).toBe(2);
    expect(totals.dropped[DROP_ENGINE_ERROR]).toBe(1);
    expect(totals.dropped[DROP_RESPONSE]).toBe(1);
    expect([...totals.rrl]).toEqual([1, 2, 1]);
    expect([...totals.workerQueries]).toEqual([7, 6, 0]);
    expect(totals.tcpConnections).toBe(2);
    expect(totals.restarts).toBe(0);
  });

  it('counts restarts per slot without touching anything a worker writes', () => {
    const buffer = traffic();
    const before = sumCounters(buffer);
    countRestart(buffer, 1);
    countRestart(buffer, 1);
    countRestart(buffer, 2);
    const after = sumCounters(buffer);
    expect(after.restarts).toBe(3);
    expect({ ...after, restarts: 0 }).toEqual({ ...before, restarts: 0 });
  });
});

describe('/metrics from the counters', () => {
  async function samples(buffer: SharedArrayBuffer): Promise<string[]> {
    const text = await createMetrics(new ZoneRegistry(), buffer).text();
    // Traffic series only (build_info is always there).
    return text.split('\n').filter((l) => l.startsWith('peregrine_') && !l.startsWith('peregrine_build_info'));
  }

  it('shows the UDP I/O mode in use', async () => {
    const text = await createMetrics(new ZoneRegistry(), allocateCounters(1), 'mmsg').text();
    expect(text).toMatch(/^peregrine_io_mode\{mode="mmsg"\} 1$/m);
    expect(text).toMatch(/^peregrine_io_mode\{mode="dgram"\} 0$/m);
    const dgram = await createMetrics(new ZoneRegistry(), allocateCounters(1), 'dgram').text();
    expect(dgram).toMatch(/^peregrine_io_mode\{mode="dgram"\} 1$/m);
  });

  it('exposes the sums as labelled series, queries only where non-zero', async () => {
    const buffer = traffic();
    countRestart(buffer, 0);
    expect((await samples(buffer)).sort()).toEqual(
      [
        'peregrine_queries_total{transport="udp",qtype="A",rcode="NOERROR"} 8',
        'peregrine_queries_total{transport="udp",qtype="other",rcode="REFUSED"} 1',
        'peregrine_queries_total{transport="tcp",qtype="AAAA",rcode="NXDOMAIN"} 1',
        'peregrine_worker_queries_total{worker="0"} 7',
        'peregrine_worker_queries_total{worker="1"} 6',
        'peregrine_worker_queries_total{worker="2"} 0',
        'peregrine_response_bytes_total{transport="udp"} 410',
        'peregrine_response_bytes_total{transport="tcp"} 90',
        'peregrine_dropped_total{reason="malformed"} 2',
        'peregrine_dropped_total{reason="send_queue_full"} 0',
        'peregrine_dropped_total{reason="engine_error"} 1',
        'peregrine_dropped_total{reason="tcp_limit"} 0',
        'peregrine_dropped_total{reason="tcp_bad_frame"} 0',
        'peregrine_dropped_total{reason="short_header"} 0',
        'peregrine_dropped_total{reason="response"} 1',
        'peregrine_dropped_total{reason="qdcount"} 0',
        'peregrine_dropped_total{reason="bad_question"} 0',
        'peregrine_dropped_total{reason="rrl"} 0',
        'peregrine_dropped_total{reason="tcp_client_limit"} 0',
        'peregrine_dropped_total{reason="tcp_too_large"} 0',
        'peregrine_dropped_total{reason="tcp_idle_timeout"} 0',
        'peregrine_dropped_total{reason="tcp_lifetime"} 0',
        'peregrine_dropped_total{reason="tcp_max_queries"} 0',
        'peregrine_dropped_total{reason="send_error"} 0',
        'peregrine_dropped_total{reason="handoff_busy"} 0',
        'peregrine_rrl_total{action="pass"} 1',
        'peregrine_rrl_total{action="drop"} 2',
        'peregrine_rrl_total{action="slip"} 1',
        'peregrine_dnstap_dropped_total 0',
        'peregrine_dnstap_sent_total 0',
        'peregrine_tcp_connections 2',
        'peregrine_worker_restarts_total 1',
      ].sort(),
    );
  });

  it('reads the buffer again at each scrape: counts keep growing, a series appears when first counted', async () => {
    const buffer = allocateCounters(1);
    const slot = new SlotCounters(buffer, 0);
    expect((await samples(buffer)).filter((l) => l.startsWith('peregrine_queries_total'))).toEqual([]);
    slot.answered(TRANSPORT_UDP, 6, 0, 100);
    expect(await samples(buffer)).toContain('peregrine_queries_total{transport="udp",qtype="SOA",rcode="NOERROR"} 1');
    slot.answered(TRANSPORT_UDP, 6, 0, 100);
    const second = await samples(buffer);
    expect(second).toContain('peregrine_queries_total{transport="udp",qtype="SOA",rcode="NOERROR"} 2');
    expect(second).toContain('peregrine_response_bytes_total{transport="udp"} 200');
  });

  it('declares the types Prometheus needs', async () => {
    const text = await createMetrics(new ZoneRegistry(), allocateCounters(1)).text();
    for (const name of [
      'peregrine_queries_total',
      'peregrine_worker_queries_total',
      'peregrine_response_bytes_total',
      'peregrine_dropped_total',
      'peregrine_rrl_total',
      'peregrine_worker_restarts_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(text).toContain('# TYPE peregrine_tcp_connections gauge');
  });

  it('adds no traffic series without a counters buffer', async () => {
    const text = await createMetrics(new ZoneRegistry()).text();
    expect(text).not.toContain('peregrine_queries_total');
    expect(text).not.toContain('peregrine_worker_restarts_total');
  });
});
