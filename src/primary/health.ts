// Whether this server should receive traffic: the single answer behind /healthz.

export type Phase = 'starting' | 'serving' | 'draining' | 'stopped';

export interface HealthStatus {
  ok: boolean;
  reason: string;
}

export class Health {
  phase: Phase = 'starting';
  zones = 0;
  /** Secondary zones past their SOA expire time (answered SERVFAIL): /healthz fails while any is. */
  readonly expired = new Set<string>();

  status(): HealthStatus {
    if (this.phase !== 'serving') return { ok: false, reason: this.phase };
    if (this.zones === 0) return { ok: false, reason: 'no zone loaded' };
    if (this.expired.size > 0) return { ok: false, reason: `zone expired: ${[...this.expired].join(' ')}` };
    return { ok: true, reason: 'ok' };
  }
}
