// The primary's log: pino JSON lines on stdout, one per lifecycle event (never one per query).

import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Synchronous writes: there are few lines, and the last ones (drain, stop) must reach stdout
 * before process.exit(). Every line has `event`; errors also carry a stable `code` to grep for.
 */
export function createLogger(): Logger {
  return pino(
    {
      name: 'peregrine',
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
