// What serve needs from a zone source (zone files, tinydns data, the control API, services,
// secondary zones): start it, reload it on SIGHUP, close it. Every source builds `LoadedZone`s
// (loadZone / loadZoneModel, in the build pool when the work is heavy) and publishes them through
// the shared Publisher and ZoneRegistry, so workers, /zones and /metrics see one set of zones.

import type { ServeOptions } from '../config/serve-options.ts';
import type { BuildPool } from './build-pool.ts';
import type { Health } from './health.ts';
import type { HttpRoute } from './http.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { Publisher } from './publisher.ts';
import type { ZoneRegistry } from './zone-registry.ts';
import type { Transfers } from '../transfer/transfers.ts';

export interface ZoneSource {
  /** For logs: `zone-files`, `tinydns`, … */
  readonly kind: string;
  /** Load everything and start watching; resolves once the first zones are published. */
  start(): Promise<void>;
  /** SIGHUP: reload everything now. */
  reloadAll(): Promise<void>;
  /** Stop watching, polling and timers; work in flight is not published afterwards. */
  close(): void | Promise<void>;
  /**
   * Reload one zone now (POST /zones/NAME/reload): false if the zone is not this source's;
   * else true once the attempt is over (its outcome is in the ZoneRegistry). Optional.
   */
  reloadZone?(origin: string): Promise<boolean>;
}

/** The primary's shared pieces every source publishes through. */
export interface SourceContext {
  options: ServeOptions;
  publisher: Publisher;
  registry: ZoneRegistry;
  metrics: Metrics;
  health: Health;
  log: Logger;
  builds: BuildPool;
  /** Call after each publication (the number of zones served may have changed). */
  onPublished: () => void;
  /** Routes a source serves on the HTTP endpoint (the control API); push to it in createSources. */
  httpRoutes: HttpRoute[];
  /** Keys, transfer metrics and the NOTIFY hook (secondary zones); absent in tests that need none. */
  transfers?: Transfers;
}
