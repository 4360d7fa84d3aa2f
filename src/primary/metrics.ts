// /metrics: a private prom-client Registry, filled on scrape from the zone registry and the
// workers' shared counters (no global state, no message per query).

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import {
  DROP_REASON_NAMES,
  QTYPE_BUCKETS,
  QTYPE_BUCKET_NAMES,
  RCODE_BUCKETS,
  RCODE_BUCKET_NAMES,
  RRL_ACTION_NAMES,
  TRANSPORT_NAMES,
  TRANSPORTS,
  queryCell,
} from '../worker/counters.ts';
import { sumCounters } from './counters.ts';
import type { ZoneRegistry, ZoneStatus } from './zone-registry.ts';
import { IO_MODES, type IoMode } from '../config/serve-options.ts';
import { VERSION } from '../version.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The exposition text, collected now. */
  text(): Promise<string>;
}

/**
 * `counters`: the worker pool's counters buffer; without it, only zone and process metrics.
 * `io`: the workers' UDP I/O (--io), shown as peregrine_io_mode.
 */
export function createMetrics(zones: ZoneRegistry, counters?: SharedArrayBuffer, io?: IoMode): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (io !== undefined) {
    const mode = new Gauge({
      name: 'peregrine_io_mode',
      help: 'UDP I/O of the workers: 1 for the mode in use (mmsg: batched recvmmsg/sendmmsg; dgram: Node sockets), 0 for the other.',
      labelNames: ['mode'],
      registers: [registry],
    });
    for (const m of IO_MODES) mode.set({ mode: m }, m === io ? 1 : 0);
  }

  // Each collect() rebuilds its series from the registry, so a zone that goes away leaves no
  // stale series behind. Gauges describe the version served; a zone never loaded has none.
  const zoneGauge = (name: string, help: string, value: (z: ZoneStatus) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['zone'],
      registers: [registry],
      collect() {
        this.reset();
        for (const z of zones.serving()) {
          const v = value(z);
          if (v !== null) this.set({ zone: z.name }, v);
        }
      },
    });

  zoneGauge('peregrine_zone_serial', 'SOA serial of the zone version served.', (z) => z.serial);
  zoneGauge('peregrine_zone_records', 'Records in the zone version served.', (z) => z.records);
  zoneGauge('peregrine_zone_signed', '1 if the zone served is DNSSEC-signed (DNSKEY and RRSIGs at the apex), else 0.', (z) =>
    z.signed ? 1 : 0,
  );
  zoneGauge(
    'peregrine_zone_signature_expiry_seconds',
    'Earliest RRSIG expiration in a signed zone, as Unix time in seconds.',
    (z) => (z.signed && z.signatureExpiry !== null ? z.signatureExpiry.getTime() / 1000 : null),
  );
  zoneGauge('peregrine_image_bytes', 'Size of the zone\'s compiled image (one SharedArrayBuffer shared by all workers).', (z) =>
    z.imageBytes,
  );

  new Counter({
    name: 'peregrine_zone_reload_total',
    help: 'Zone loads by result (ok: the new version serves; error: it was rejected).',
    labelNames: ['zone', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const z of zones.list()) {
        this.inc({ zone: z.name, result: 'ok' }, z.loads.ok);
        this.inc({ zone: z.name, result: 'error' }, z.loads.error);
      }
    },
  });

  zoneGauge(
    'peregrine_zone_last_success_timestamp_seconds',
    'When the zone version served was loaded (its last successful load), as Unix time in seconds.',
    (z) => (z.loadedAt === null ? null : z.loadedAt.getTime() / 1000),
  );
  operatorMetrics(registry, zones, io);
  zoneCheckMetrics(registry, zones, zoneGauge);

  if (counters !== undefined) trafficMetrics(registry, counters);

  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
  };
}

/** What an operator looks for first: the build, and zones whose last load failed. */
function operatorMetrics(registry: Registry, zones: ZoneRegistry, io: IoMode | undefined): void {
  new Gauge({
    name: 'peregrine_build_info',
    help: 'Always 1; the labels say which Peregrine runs: its version, the Node.js version, and the workers\' UDP I/O (io).',
    labelNames: ['version', 'node', 'io'],
    registers: [registry],
  }).set({ version: VERSION, node: process.versions.node, io: io ?? 'none' }, 1);
  new Gauge({
    name: 'peregrine_zone_load_failing',
    help: '1 if the zone\'s last load failed (its previous version, if any, keeps serving; see /zones lastError), else 0. Zones never loaded included.',
    labelNames: ['zone'],
    registers: [registry],
    collect() {
      this.reset();
      for (const z of zones.list()) this.set({ zone: z.name }, z.lastError === null ? 0 : 1);
    },
  });
}

/**
 * The per-query metrics, each summed over the worker slots when scraped. Slots only grow (a
 * restarted worker adds to its predecessor's counts), so the sums are monotonic counters.
 */
function trafficMetrics(registry: Registry, counters: SharedArrayBuffer): void {
  new Counter({
    name: 'peregrine_queries_total',
    help: 'Queries answered, by transport, query type and response code (series appear once non-zero).',
    labelNames: ['transport', 'qtype', 'rcode'],
    registers: [registry],
    collect() {
      this.reset();
      const { queries } = sumCounters(counters);
      for (let t = 0; t < TRANSPORTS; t++) {
        for (let q = 0; q < QTYPE_BUCKETS; q++) {
          for (let r = 0; r < RCODE_BUCKETS; r++) {
            const n = queries[queryCell(t, q, r)];
            if (n > 0) this.inc({ transport: TRANSPORT_NAMES[t], qtype: QTYPE_BUCKET_NAMES[q], rcode: RCODE_BUCKET_NAMES[r] }, n);
          }
        }
      }
    },
  });

  new Counter({
    name: 'peregrine_worker_queries_total',
    help: 'DNS messages received by each worker (UDP datagrams and TCP frames), answered or dropped.',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      sumCounters(counters).workerQueries.forEach((n, slot) => this.inc({ worker: String(slot) }, n));
    },
  });

  new Counter({
    name: 'peregrine_response_bytes_total',
    help: 'Bytes of DNS responses sent, by transport (TCP without the 2-byte length prefix).',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.reset();
      sumCounters(counters).responseBytes.forEach((n, t) => this.inc({ transport: TRANSPORT_NAMES[t] }, n));
    },
  });

  new Counter({
    name: 'peregrine_dropped_total',
    help:
      'Queries or connections dropped without an answer: malformed (not worth an answer), send_queue_full (UDP), ' +
      'engine_error (a bug), tcp_limit (connection over the cap), tcp_bad_frame (connection closed on a bad length); ' +
      'the engine\'s drops by cause: short_header, response (QR=1), qdcount (> 1), bad_question (pointer, label > 63, ' +
      'name > 255, cut short); rrl (rate limited); TCP connections closed: tcp_client_limit, tcp_too_large, ' +
      'tcp_idle_timeout, tcp_lifetime, tcp_max_queries; send_error (UDP answer the kernel refused to send; also counted as a query); ' +
      'handoff_busy (a NOTIFY, TSIG or IXFR datagram dropped while too many wait for the primary).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      sumCounters(counters).dropped.forEach((n, reason) => this.inc({ reason: DROP_REASON_NAMES[reason] }, n));
    },
  });

  new Gauge({
    name: 'peregrine_tcp_connections',
    help: 'TCP connections open now, over all workers.',
    registers: [registry],
    collect() {
      this.set(sumCounters(counters).tcpConnections);
    },
  });

  new Counter({
    name: 'peregrine_rrl_total',
    help: 'Response rate limiting decisions on UDP answers: pass, drop (not sent), slip (sent truncated, TC=1).',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      this.reset();
      sumCounters(counters).rrl.forEach((n, action) => this.inc({ action: RRL_ACTION_NAMES[action] }, n));
    },
  });

  new Counter({
    name: 'peregrine_dnstap_dropped_total',
    help: 'dnstap frames dropped (--dnstap): the worker\'s buffer was full because the collector is slow, absent or not yet connected.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sumCounters(counters).dnstapDropped);
    },
  });
  new Counter({
    name: 'peregrine_dnstap_sent_total',
    help: 'dnstap frames (AUTH_QUERY and AUTH_RESPONSE) written to the collector\'s socket (--dnstap).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sumCounters(counters).dnstapSent);
    },
  });
  new Counter({
    name: 'peregrine_worker_restarts_total',
    help: 'Worker threads restarted after an unexpected exit.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sumCounters(counters).restarts);
    },
  });
}

/** Zone checks: warnings of the version served, and edits that left the serial alone (--serial-policy). */
function zoneCheckMetrics(
  registry: Registry,
  zones: ZoneRegistry,
  zoneGauge: (name: string, help: string, value: (z: ZoneStatus) => number | null) => Gauge,
): void {
  zoneGauge('peregrine_zone_warnings', 'Check warnings of the zone version served (data knotd and NSD serve, but probably a mistake; peregrine check lists them).', (z) => z.warnings);
  new Counter({
    name: 'peregrine_zone_serial_unchanged_total',
    help: 'Zone versions whose content changed while their SOA serial did not (PGN_WARN_SERIAL_UNCHANGED; --serial-policy).',
    labelNames: ['zone'],
    registers: [registry],
    collect() {
      this.reset();
      for (const z of zones.list()) if (z.serialUnchanged > 0) this.inc({ zone: z.name }, z.serialUnchanged);
    },
  });
}
