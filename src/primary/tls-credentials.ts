// The PEM certificate and key of --tls-listen: read at start (an unreadable or mismatched pair
// stops the start), and again on SIGHUP, when the workers get them for new connections; a pair
// that fails then is logged and the old one kept.

import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { ServeOptions } from '../config/serve-options.ts';
import type { Logger } from './log.ts';
import type { WorkerPool } from './workers.ts';

export interface PemPair {
  cert: string;
  key: string;
}

/** Read and check the pair (createSecureContext fails on a key that does not match the certificate). */
export function readTlsCredentials(o: Pick<ServeOptions, 'tlsCert' | 'tlsKey'>): PemPair {
  const cert = readFileSync(o.tlsCert!, 'utf8');
  const key = readFileSync(o.tlsKey!, 'utf8');
  tls.createSecureContext({ cert, key });
  return { cert, key };
}

/** SIGHUP: new credentials to every worker. Returns the remover. */
export function reloadTlsOnSignal(o: ServeOptions, pool: WorkerPool, log: Logger): () => void {
  if (o.tlsListen.length === 0) return () => {};
  const onSignal = (): void => {
    try {
      const pair = readTlsCredentials(o);
      pool.setTlsCredentials(pair.cert, pair.key);
      log.info({ event: 'tls_reloaded', cert: o.tlsCert }, `TLS certificate reloaded from ${o.tlsCert}`);
    } catch (err) {
      log.error({ event: 'tls_reload_error', cert: o.tlsCert, code: 'PGN_ERR_TLS' }, `TLS certificate not reloaded (the old one stays): ${(err as Error).message}`);
    }
  };
  process.on('SIGHUP', onSignal);
  return () => void process.off('SIGHUP', onSignal);
}
