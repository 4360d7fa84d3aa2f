// `peregrine serve`: the primary thread's life — load zones, start workers and HTTP, serve, drain, stop.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { formatAddress, type ServeOptions, type ZoneSpec } from '../config/serve-options.ts';
import { formatDuration } from '../config/duration.ts';
import { PeregrineError, WARN_SIGNATURES_EXPIRED, WARN_SIGNATURES_EXPIRING, ZoneDataError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS } from '../zone/signatures.ts';
import { onStopSignal } from './drain.ts';
import { Health } from './health.ts';
import { startHttp, type HttpEndpoint } from './http.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { Publisher } from './publisher.ts';
import { WorkerPool } from './workers.ts';
import { loadZone, type LoadedZone } from './zone-loader.ts';
import { ZoneRegistry } from './zone-registry.ts';

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
  const registry = new ZoneRegistry();
  const zones = loadAll(zoneSpecs(options, log), registry, log);
  await publisher.publish(zones);
  health.zones = publisher.zoneCount;
  if (zones.length === 0) {
    log.warn({ event: 'no_zone', code: 'PGN_ERR_NO_ZONE' }, 'no zone loaded: answering REFUSED, /healthz is 503');
  }

  let http: HttpEndpoint;
  try {
    http = await startHttp(options.http, { health: () => health.status(), zones: registry, metrics: createMetrics(registry) });
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

/**
 * Load every zone; one that fails is logged with each problem and left out, the rest serve.
 * Every outcome is recorded in `registry` (for /zones and /metrics).
 */
export function loadAll(specs: ZoneSpec[], registry: ZoneRegistry, log: Logger): LoadedZone[] {
  const byOrigin = new Map<string, LoadedZone>();
  for (const spec of specs) {
    const started = performance.now();
    const result = loadZone(spec.file, spec.origin, { expiryWarningSeconds: DEFAULT_EXPIRY_WARNING_SECONDS });
    if (!result.ok) {
      for (const err of result.errors) logZoneError(log, spec.file, err);
      log.error(
        { event: 'zone_rejected', file: spec.file, zone: result.origin, errors: result.errors.length, code: 'PGN_ERR_ZONE_REJECTED' },
        `${spec.file}: not loaded (${result.errors.length} error(s))`,
      );
      const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : '';
      registry.failed(result.origin, spec.file, `${problemText(spec.file, result.errors[0])}${more}`);
      continue;
    }
    const zone = result.zone;
    const earlier = byOrigin.get(zone.origin);
    if (earlier !== undefined) {
      const message = `${spec.file}: zone ${zone.origin} is already loaded from ${earlier.file}; not loaded`;
      log.error({ event: 'zone_rejected', file: spec.file, zone: zone.origin, code: 'PGN_ERR_ZONE_DUPLICATE' }, message);
      registry.failed(zone.origin, spec.file, message);
      continue;
    }
    byOrigin.set(zone.origin, zone);
    registry.loaded(zone);
    const sig = zone.signatures;
    log.info(
      {
        event: 'zone_loaded',
        zone: zone.origin,
        file: spec.file,
        serial: zone.serial,
        records: zone.records,
        imageBytes: zone.image.byteLength,
        signed: sig.signed,
        denial: sig.denial,
        signatureExpiry: sig.signed ? (sig.earliestExpiration?.toISOString() ?? null) : null,
        ms: Math.round(performance.now() - started),
      },
      `${zone.origin} loaded from ${spec.file} (serial ${zone.serial}, ${zone.records} records${sig.signed ? `, signed (${sig.denial})` : ''})`,
    );
    logSignatureExpiry(log, zone, DEFAULT_EXPIRY_WARNING_SECONDS);
  }
  return [...byOrigin.values()];
}

/** One warning line per zone (never per record) when signatures have expired or soon will. */
function logSignatureExpiry(log: Logger, zone: LoadedZone, windowSeconds: number): void {
  const { expired, expiring, earliestExpiration } = zone.signatures;
  if ((expired === 0 && expiring === 0) || earliestExpiration === null) return;
  const at = earliestExpiration.toISOString();
  const message =
    expired > 0
      ? `${zone.origin}: ${expired} RRSIG set(s) expired, ${expiring} more expire within ${formatDuration(windowSeconds)}; earliest expiry ${at}`
      : `${zone.origin}: ${expiring} RRSIG set(s) expire within ${formatDuration(windowSeconds)}; earliest expiry ${at}`;
  log.warn(
    {
      event: 'signatures_expiring',
      zone: zone.origin,
      file: zone.file,
      expired,
      expiring,
      earliestExpiry: at,
      code: expired > 0 ? WARN_SIGNATURES_EXPIRED : WARN_SIGNATURES_EXPIRING,
    },
    message,
  );
}

function problemText(file: string, err: PeregrineError): string {
  if (err instanceof ZoneDataError) return err.toString();
  return `${err.context.file ?? file}:${err.context.line ?? 0}: ${err.message}`;
}

function logZoneError(log: Logger, file: string, err: PeregrineError): void {
  const where = err instanceof ZoneDataError ? err.location : file;
  log.error(
    { event: 'zone_error', file: err.context.file ?? file, line: err.context.line, code: err.code },
    `${where}: ${err.message}`,
  );
}
