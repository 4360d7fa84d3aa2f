// Metrics of health-checked services, registered once per prom-client registry and fed by every
// services source: endpoint state (read at scrape), probe durations, state transitions.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CheckKind } from './config.ts';

/** What a source reports at scrape: each (service, endpoint) and whether it is up (null: not probed yet). */
export type EndpointStates = () => Iterable<{ service: string; endpoint: string; up: boolean | null }>;

export interface ServiceMetrics {
  observeCheck(kind: CheckKind, seconds: number): void;
  transition(service: string, endpoint: string, to: 'up' | 'down'): void;
  /** Add a source's endpoints to peregrine_endpoint_up; returns the function that removes them. */
  addStates(states: EndpointStates): () => void;
  /** Add a source's services failing open to peregrine_service_fail_open; returns the function that removes them. */
  addFailOpen(states: () => Iterable<{ zone: string; service: string; family: string }>): () => void;
}

const byRegistry = new WeakMap<Registry, ServiceMetrics>();

export function serviceMetrics(registry: Registry): ServiceMetrics {
  let m = byRegistry.get(registry);
  if (m === undefined) {
    m = create(registry);
    byRegistry.set(registry, m);
  }
  return m;
}

function create(registry: Registry): ServiceMetrics {
  const sources = new Set<EndpointStates>();
  const failOpen = new Set<() => Iterable<{ zone: string; service: string; family: string }>>();
  new Gauge({
    name: 'peregrine_service_fail_open',
    help: 'Services answering with every endpoint of a family (ipv4, ipv6) because none is healthy (fail open): 1 while it lasts; absent otherwise.',
    labelNames: ['zone', 'service', 'family'],
    registers: [registry],
    collect() {
      this.reset();
      for (const states of failOpen) for (const s of states()) this.set({ zone: s.zone, service: s.service, family: s.family }, 1);
    },
  });
  new Gauge({
    name: 'peregrine_endpoint_up',
    help: 'Health of each service endpoint: 1 up, 0 down (after the fails/succs hysteresis); endpoints without a check are 1; not yet probed: absent.',
    labelNames: ['service', 'endpoint'],
    registers: [registry],
    collect() {
      this.reset();
      for (const states of sources) {
        for (const s of states()) if (s.up !== null) this.set({ service: s.service, endpoint: s.endpoint }, s.up ? 1 : 0);
      }
    },
  });
  const duration = new Histogram({
    name: 'peregrine_check_duration_seconds',
    help: 'Duration of health probes, by kind (http, tcp, dns), failed ones included.',
    labelNames: ['kind'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'peregrine_endpoint_transitions_total',
    help: 'Endpoint state changes (after the hysteresis), by service, endpoint and new state; the first result counts.',
    labelNames: ['service', 'endpoint', 'to'],
    registers: [registry],
  });
  return {
    observeCheck: (kind, seconds) => duration.observe({ kind }, seconds),
    transition: (service, endpoint, to) => transitions.inc({ service, endpoint, to }),
    addStates(states) {
      sources.add(states);
      return () => void sources.delete(states);
    },
    addFailOpen(states) {
      failOpen.add(states);
      return () => void failOpen.delete(states);
    },
  };
}
