// Graceful stop: on SIGTERM/SIGINT fail the health check at once, keep answering, close after the drain period.

import type { ToWorker } from '../worker/protocol.ts';
import type { Health } from './health.ts';
import type { Logger } from './log.ts';

export interface DrainOptions {
  drainSeconds: number;
  health: Health;
  workers: { broadcast(message: ToWorker): void };
  log: Logger;
  /** Close sockets and HTTP; called once, when the drain period ends. */
  close: () => Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Resolves once the server has drained and closed. The drain period exists for the load
 * balancer: its health check must see 503 and move new flows away while we still answer
 * the ones in flight. A second signal cuts the drain short (an operator pressing ^C twice).
 */
export function onStopSignal(options: DrainOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    let closing = false;

    const close = (): void => {
      if (closing) return;
      closing = true;
      if (timer !== null) clearTimeout(timer);
      for (const signal of SIGNALS) process.off(signal, onSignal);
      options.health.phase = 'stopped';
      options.close().then(resolve, reject);
    };

    const onSignal = (signal: NodeJS.Signals): void => {
      if (options.health.phase === 'draining') {
        options.log.info({ event: 'drain_cut_short', signal }, `${signal} again: stopping now`);
        close();
        return;
      }
      options.health.phase = 'draining';
      options.workers.broadcast({ type: 'drain' });
      options.log.info(
        { event: 'drain', signal, drainSeconds: options.drainSeconds },
        `${signal}: health check failing, answering for ${options.drainSeconds} s more`,
      );
      timer = setTimeout(close, options.drainSeconds * 1000);
    };

    for (const signal of SIGNALS) process.on(signal, onSignal);
  });
}
