// `peregrine serve`: the primary thread's life — load zones, start workers and HTTP, serve, reload
// on change or SIGHUP, drain, stop.

import { formatAddress, type ServeOptions } from '../config/serve-options.ts';
import { VERSION } from '../version.ts';
import { allocateRrlTable } from '../transport/rrl.ts';
import { allocateCounters } from '../worker/counters.ts';
import { BuildPool } from './build-pool.ts';
import { onStopSignal } from './drain.ts';
import { Health } from './health.ts';
import { startHttp, type HttpEndpoint, type HttpRoute } from './http.ts';
import { resolveIoMode } from './io-mode.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { Publisher } from './publisher.ts';
import { createSources } from './sources.ts';
import { dropAndLog, resolveIdentity } from './privileges.ts';
import { installTestHooks } from './test-hooks.ts';
import { WorkerPool } from './workers.ts';
import { AddressInUseError, lockAddresses, type AddressLocks } from './address-lock.ts';
import { ZoneRegistry } from './zone-registry.ts';
import { ZoneProvenance } from './zone-provenance.ts';
import { ZoneQueryCounters } from './zone-metrics.ts';
import { createTransfers } from '../transfer/transfers.ts';
import { readTlsCredentials, reloadTlsOnSignal, type PemPair } from './tls-credentials.ts';
import type { ZoneSource } from './zone-source.ts';

/** Resolves with the process exit code once the server has stopped. */
export async function serve(options: ServeOptions, log: Logger = createLogger()): Promise<number> {
  // --user: refused before anything starts unless it can work (root, the user exists).
  const identity = options.user === null ? null : resolveIdentity(options.user, options.group);
  log.info(
    {
      event: 'start',
      version: VERSION,
      listen: options.listen.map(formatAddress),
      http: formatAddress(options.http),
      workers: options.workers,
      rrl: options.rrl.rate > 0 ? { rate: options.rrl.rate, slip: options.rrl.slip, whitelist: options.rrl.whitelist.map((c) => c.text) } : 'off',
    },
    `peregrine ${VERSION} starting`,
  );

  const io = resolveIoMode(options.io, log);
  if (io === null) return 1;
  // One Peregrine per address: SO_REUSEPORT would let a second one split our queries (address-lock.ts).
  let addressLocks: AddressLocks;
  try {
    addressLocks = await lockAddresses(options.listen);
  } catch (err) {
    if (!(err instanceof AddressInUseError)) throw err;
    log.fatal({ event: 'address_in_use', code: err.code, pid: err.pid }, err.message);
    return 1;
  }
  const health = new Health();
  const publisher = new Publisher();
  const registry = new ZoneRegistry();
  // One counters slot per worker, written by the workers, summed by /metrics.
  const counters = allocateCounters(options.workers);
  const metrics = createMetrics(registry, counters, io);
  // Queries per zone: a cell per zone stamped into its image before workers see it (zone-metrics.ts).
  const zoneQueries = new ZoneQueryCounters(options.workers, options.zoneMetricsMax);
  zoneQueries.register(metrics.registry);
  publisher.beforePublish((changed, removed) => zoneQueries.stamp(changed, removed));
  // Zone files are read and compiled in build threads: this thread keeps answering while they work.
  const builds = new BuildPool();
  // Before the sources: the IXFR journal and NOTIFY see the first publication too.
  const transfers = createTransfers(options, publisher, metrics.registry, log);
  // GET /zones: where each zone comes from, and its NOTIFY state per target.
  const provenance = new ZoneProvenance(options);
  registry.addDetails((z) => ({ source: provenance.of({ origin: z.name, file: z.file }).kind, notify: transfers.notifier.statusOf(z.name) }));
  const httpRoutes: HttpRoute[] = [];
  const sources = createSources({
    options,
    publisher,
    registry,
    metrics,
    health,
    log,
    builds,
    onPublished: () => (health.zones = publisher.zoneCount),
    httpRoutes,
    transfers,
  });
  await Promise.all(sources.map((s) => s.start()));
  const stopReloadSignal = onReloadSignal(sources, log);
  // What is running so far, stopped in reverse: a failed start and the end of a drain alike.
  let pool: WorkerPool | null = null;
  let stopTlsReload = (): void => {};
  let http: HttpEndpoint | null = null;
  const shutdown = async (): Promise<void> => {
    stopReloadSignal();
    stopTlsReload();
    await Promise.all(sources.map((s) => s.close()));
    transfers.close();
    await builds.destroy();
    await pool?.stop();
    await http?.close();
    addressLocks.release();
  };
  if (publisher.zoneCount === 0) {
    log.warn({ event: 'no_zone', code: 'PGN_ERR_NO_ZONE' }, 'no zone loaded: answering REFUSED, /healthz is 503');
  }

  try {
    http = await startHttp(options.http, { health: () => health.status(), zones: registry, metrics, routes: httpRoutes });
  } catch (err) {
    log.fatal({ event: 'http_error', code: 'PGN_ERR_LISTEN' }, `cannot listen for HTTP on ${formatAddress(options.http)}: ${(err as Error).message}`);
    await shutdown();
    return 1;
  }

  let tlsPair: PemPair | null = null;
  if (options.tlsListen.length > 0) {
    try {
      tlsPair = readTlsCredentials(options);
    } catch (err) {
      log.fatal({ event: 'tls_error', code: 'PGN_ERR_TLS' }, `cannot use --tls-cert ${options.tlsCert} / --tls-key ${options.tlsKey}: ${(err as Error).message}`);
      await shutdown();
      return 1;
    }
  }
  pool = new WorkerPool({
    count: options.workers,
    counters,
    listen: options.listen,
    engine: { maxUdpPayload: options.maxUdpPayload, chaos: options.chaos, handoff: true, ecs: options.ecs, nsid: options.nsid, cookies: options.cookieSecrets },
    tcp: options.tcp,
    log,
    currentZones: () => publisher.current(),
    // Response rate limiting: one table for every worker, next to the counters.
    rrl: options.rrl.rate > 0 ? { table: allocateRrlTable(), settings: options.rrl } : undefined,
    onHandoff: (message, thread, reply) => transfers.service.handle(message, thread, reply),
    io,
    zoneCounters: { buffer: zoneQueries.buffer, rowCells: zoneQueries.rowCells },
    dnstap: options.dnstap,
    tls: tlsPair === null ? undefined : { listen: options.tlsListen, ...tlsPair },
  });
  publisher.attach(pool);
  stopTlsReload = reloadTlsOnSignal(options, pool, log);
  try {
    await pool.start();
  } catch (err) {
    log.fatal({ event: 'workers_failed', code: 'PGN_ERR_LISTEN' }, (err as Error).message);
    await shutdown();
    return 1;
  }

  transfers.listening();
  // Every socket is bound: root is no longer needed (workers are threads of this process).
  if (identity !== null) {
    try {
      dropAndLog(identity, options.listen, log);
    } catch (err) {
      log.fatal({ event: 'privileges_error', code: 'PGN_ERR_PRIVILEGES' }, `cannot drop to ${identity.user}: ${(err as Error).message}`);
      await shutdown();
      return 1;
    }
  }

  health.phase = 'serving';
  log.info(
    { event: 'serving', zones: publisher.zoneCount, workers: pool.size, httpPort: http.port },
    `serving ${publisher.zoneCount} zone(s) with ${pool.size} worker(s)`,
  );
  // Workers answer every zone published so far: only now may secondaries be told to fetch them.
  transfers.notifier.ready();
  const removeTestHooks = installTestHooks(process.env, pool, log);

  await onStopSignal({
    drainSeconds: options.drainSeconds,
    health,
    workers: pool,
    log,
    close: async () => {
      removeTestHooks();
      await shutdown();
    },
  });
  log.info({ event: 'stop' }, 'stopped');
  return 0;
}

/** SIGHUP reloads every zone of every source now (and picks up files added to or removed from zone directories). */
function onReloadSignal(sources: ZoneSource[], log: Logger): () => void {
  const onSignal = (): void => {
    log.info({ event: 'reload', signal: 'SIGHUP' }, 'SIGHUP: reloading every zone');
    for (const source of sources) {
      source.reloadAll().catch((err: unknown) => {
        log.error(
          { event: 'reload_error', code: 'PGN_ERR_RELOAD', source: source.kind, stack: (err as Error).stack },
          `reload failed: ${(err as Error).message}`,
        );
      });
    }
  };
  process.on('SIGHUP', onSignal);
  return () => void process.off('SIGHUP', onSignal);
}
