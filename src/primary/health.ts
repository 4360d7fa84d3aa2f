// Whether this server should receive traffic: the single answer behind /healthz.

export type Phase = 'starting' | 'serving' | 'draining' | 'stopped';

export interface HealthStatus {
  ok: boolean;
  reason: string;
}

export class Health {
  phase: Phase = 'starting';
  zones = 0;

  status(): HealthStatus {
    if (this.phase !== 'serving') return { ok: false, reason: this.phase };
    if (this.zones === 0) return { ok: false, reason: 'no zone loaded' };
    return { ok: true, reason: 'ok' };
  }
}
