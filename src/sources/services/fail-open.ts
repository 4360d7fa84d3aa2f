// Services answering with every endpoint because none of a family is healthy (fail open): the
// zone still answers, but with addresses known to be down, which an operator must hear about.
// Each service and family entering fail open is a warning (PGN_WARN_SERVICES_FAIL_OPEN), its
// recovery an info line, and the state a gauge (peregrine_service_fail_open).

import type { Logger } from '../../primary/log.ts';

export interface FailOpenState {
  service: string;
  family: 'ipv4' | 'ipv6';
  /** Endpoints of that family answered although none is healthy. */
  endpoints: number;
}

export class FailOpenTracker {
  readonly zone: string;
  private readonly log: Logger;
  /** `${service} ${family}` → state, for the services failing open now. */
  private open = new Map<string, FailOpenState>();

  constructor(zone: string, log: Logger) {
    this.zone = zone;
    this.log = log;
  }

  /** The services failing open as the zone is built now: log what entered and what left the state. */
  update(now: readonly FailOpenState[]): void {
    const next = new Map(now.map((s) => [`${s.service} ${s.family}`, s]));
    for (const [k, s] of next) {
      if (this.open.has(k)) continue;
      this.log.warn(
        { event: 'services_fail_open', zone: this.zone, service: s.service, family: s.family, endpoints: s.endpoints, code: 'PGN_WARN_SERVICES_FAIL_OPEN' },
        `${this.zone} service ${s.service}: no ${s.family} endpoint is healthy; answering with all ${s.endpoints} (fail open; failClosed: true answers none)`,
      );
    }
    for (const [k, s] of this.open) {
      if (!next.has(k)) this.log.info({ event: 'services_fail_open_end', zone: this.zone, service: s.service, family: s.family }, `${this.zone} service ${s.service}: ${s.family} endpoints healthy again`);
    }
    this.open = next;
  }

  /** For the gauge: every service and family failing open now. */
  *states(): Iterable<FailOpenState & { zone: string }> {
    for (const s of this.open.values()) yield { zone: this.zone, ...s };
  }
}
