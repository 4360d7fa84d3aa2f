// `peregrine serve`: the primary thread's life — load zones, start workers and HTTP, serve, drain, stop.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { formatAddress, type ServeOptions, type ZoneSpec } from '../config/serve-options.ts';
import { PeregrineError, ZoneDataError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { onStopSignal } from './drain.ts';
import { Health } from './health.ts';
import { startHttp, type HttpEndpoint } from './http.ts';
import { createLogger, type Logger } from './log.ts';
import { Publisher } from './publisher.ts';
import { WorkerPool } from './workers.ts';
import { loadZone, type LoadedZone } from './zone-loader.ts';

/** Resolves with the process exit code once the server has stopped. */
export async function serve(options: ServeOptions, log: Logger = createLogger()): Promise<number> {
  log.info(
    {
      event: 'start',
      version: VERSION,
      listen: options.listen.map(formatAddress),
      http: formatAddress(options.http),
      workers: options.workers,
    },
    `peregrine ${VERSION} starting`,
  );

  const health = new Health();
  const publisher = new Publisher();
  const zones = loadAll(zoneSpecs(options, log), log);
  await publisher.publish(zones);
  health.zones = publisher.zoneCount;
  if (zones.length === 0) {
    log.warn({ event: 'no_zone', code: 'PGN_ERR_NO_ZONE' }, 'no zone loaded: answering REFUSED, /healthz is 503');
  }

  let http: HttpEndpoint;
  try {
    http = await startHttp(options.http, () => health.status());
  } catch (err) {
    log.fatal({ event: 'http_error', code: 'PGN_ERR_LISTEN' }, `cannot listen for HTTP on ${formatAddress(options.http)}: ${(err as Error).message}`);
    return 1;
  }

  const pool = new WorkerPool({
    count: options.workers,
    listen: options.listen,
    engine: { maxUdpPayload: options.maxUdpPayload, chaos: options.chaos },
    tcp: options.tcp,
    log,
    currentZones: () => publisher.current(),
  });
  publisher.attach(pool);
  try {
    await pool.start();
  } catch (err) {
    log.fatal({ event: 'workers_failed', code: 'PGN_ERR_LISTEN' }, (err as Error).message);
    await pool.stop();
    await http.close();
    return 1;
  }

  health.phase = 'serving';
  log.info(
    { event: 'serving', zones: publisher.zoneCount, workers: pool.size, httpPort: http.port },
    `serving ${publisher.zoneCount} zone(s) with ${pool.size} worker(s)`,
  );

  await onStopSignal({
    drainSeconds: options.drainSeconds,
    health,
    workers: pool,
    log,
    close: async () => {
      await pool.stop();
      await http.close();
    },
  });
  log.info({ event: 'stop' }, 'stopped');
  return 0;
}

/** --zone entries in order, then each --zone-dir's *.zone files in name order. */
function zoneSpecs(options: ServeOptions, log: Logger): ZoneSpec[] {
  const specs = [...options.zones];
  for (const dir of options.zoneDirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      log.error({ event: 'zone_dir_error', dir, code: 'PGN_ERR_ZONE_DIR' }, `cannot read zone directory ${dir}: ${(err as Error).message}`);
      continue;
    }
    for (const name of names.filter((n) => n.endsWith('.zone')).sort()) {
      specs.push({ file: path.join(dir, name), origin: null });
    }
  }
  return specs;
}

/** Load every zone; one that fails is logged with each problem and left out, the rest serve. */
function loadAll(specs: ZoneSpec[], log: Logger): LoadedZone[] {
  const byOrigin = new Map<string, LoadedZone>();
  for (const spec of specs) {
    const started = performance.now();
    const result = loadZone(spec.file, spec.origin);
    if (!result.ok) {
      for (const err of result.errors) logZoneError(log, spec.file, err);
      log.error(
        { event: 'zone_rejected', file: spec.file, errors: result.errors.length, code: 'PGN_ERR_ZONE_REJECTED' },
        `${spec.file}: not loaded (${result.errors.length} error(s))`,
      );
      continue;
    }
    const zone = result.zone;
    const earlier = byOrigin.get(zone.origin);
    if (earlier !== undefined) {
      log.error(
        { event: 'zone_rejected', file: spec.file, zone: zone.origin, code: 'PGN_ERR_ZONE_DUPLICATE' },
        `${spec.file}: zone ${zone.origin} is already loaded from ${earlier.file}; not loaded`,
      );
      continue;
    }
    byOrigin.set(zone.origin, zone);
    log.info(
      {
        event: 'zone_loaded',
        zone: zone.origin,
        file: spec.file,
        serial: zone.serial,
        records: zone.records,
        imageBytes: zone.image.byteLength,
        ms: Math.round(performance.now() - started),
      },
      `${zone.origin} loaded from ${spec.file} (serial ${zone.serial}, ${zone.records} records)`,
    );
  }
  return [...byOrigin.values()];
}

function logZoneError(log: Logger, file: string, err: PeregrineError): void {
  const where = err instanceof ZoneDataError ? err.location : file;
  log.error(
    { event: 'zone_error', file: err.context.file ?? file, line: err.context.line, code: err.code },
    `${where}: ${err.message}`,
  );
}
