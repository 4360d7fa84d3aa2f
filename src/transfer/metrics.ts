// Counters of zone transfers, NOTIFY and TSIG failures, registered on the server's /metrics registry.

import { Counter, type Registry } from 'prom-client';

export interface TransferMetrics {
  /** kind: axfr | ixfr | ixfr-axfr (IXFR answered with the whole zone) | axfr-in | ixfr-in; result: ok | refused | notauth | error | … */
  transfers: Counter<'zone' | 'kind' | 'result'>;
  /** direction: out (we notify) | in (we are notified); result: sent | acked | timeout | error | gave_up | accepted | refused | notauth */
  notify: Counter<'zone' | 'direction' | 'peer' | 'result'>;
  /** reason: badkey | badsig | badtime | badtrunc | unsigned (a required signature was missing) | response (a peer's answer failed) */
  tsigFailures: Counter<'reason'>;
}

export function createTransferMetrics(registry: Registry): TransferMetrics {
  return {
    transfers: new Counter({
      name: 'peregrine_transfers_total',
      help: 'Zone transfers by zone, kind (axfr, ixfr, ixfr-axfr out; axfr-in, ixfr-in as a secondary) and result.',
      labelNames: ['zone', 'kind', 'result'],
      registers: [registry],
    }),
    notify: new Counter({
      name: 'peregrine_notify_total',
      help: 'NOTIFY messages by zone, direction (out: sent to --notify targets; in: from primaries), peer and result.',
      labelNames: ['zone', 'direction', 'peer', 'result'],
      registers: [registry],
    }),
    tsigFailures: new Counter({
      name: 'peregrine_tsig_failures_total',
      help: 'TSIG failures: requests with a bad or missing signature (badkey, badsig, badtime, badtrunc, unsigned) and peer answers that failed verification (response).',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
