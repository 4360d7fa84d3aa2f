// Which UDP I/O the workers use (--io): decided once, in the primary, and logged once.

import type { IoMode, ServeOptions } from '../config/serve-options.ts';
import { loadMmsg } from '../transport/mmsg.ts';
import type { Logger } from './log.ts';

/**
 * `auto` → mmsg where the addon loads, else dgram with the reason logged; an explicit `mmsg`
 * without the addon is an error (null, logged): asking for batches and silently not getting
 * them would hide a broken install.
 */
export function resolveIoMode(requested: ServeOptions['io'], log: Logger, load: typeof loadMmsg = loadMmsg): IoMode | null {
  if (requested === 'dgram') {
    log.info({ event: 'io', io: 'dgram', requested }, 'UDP I/O: dgram (asked for)');
    return 'dgram';
  }
  const { addon, reason } = load();
  if (addon !== null) {
    log.info({ event: 'io', io: 'mmsg', requested, batch: addon.MAX_BATCH }, `UDP I/O: mmsg (recvmmsg/sendmmsg, up to ${addon.MAX_BATCH} datagrams per call)`);
    return 'mmsg';
  }
  if (requested === 'mmsg') {
    log.fatal({ event: 'io', code: 'PGN_ERR_IO', requested, reason }, `--io mmsg: the batched UDP addon is not available: ${reason}`);
    return null;
  }
  log.warn({ event: 'io', code: 'PGN_IO_FALLBACK', io: 'dgram', requested, reason }, `UDP I/O: dgram (the batched UDP addon is not available: ${reason})`);
  return 'dgram';
}
