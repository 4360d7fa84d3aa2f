// The services source (`--services FILE`): one zone of health-checked service names. The file
// (and its `base:` zone file) is watched; the health checker probes the endpoints; a change of
// either rebuilds the zone's answer sets, and the zone is republished (serial + 1) only when
// one of them changed. A file that does not validate keeps the last good version serving.

import path from 'node:path';
import { type PeregrineError } from '../../errors.ts';
import { readZone } from '../../primary/zone-reader.ts';
import type { ZoneSource } from '../../primary/zone-source.ts';
import type { ResourceRecord } from '../../zone/model.ts';
import { type FileWatcher, watchFile } from '../files/watch.ts';
import { FailOpenTracker, type FailOpenState } from './fail-open.ts';
import { HealthChecker, targetKey, type Target } from './checker.ts';
import { readServicesFile, SourceFileError, type ServicesConfig, type ServiceSpec } from './config.ts';
import type { AddressRecords, ZoneContent } from './generated-zone.ts';
import { GeneratedZones, type GeneratedSourceOptions, type UpdateReason } from './generated-zones.ts';
import type { EndpointState } from './hysteresis.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { Probe } from './probes.ts';
import { pick, rank } from './rendezvous.ts';

export interface ServicesSourceOptions extends GeneratedSourceOptions {
  metrics?: ServiceMetrics;
  /** Test seams. */
  probe?: Probe;
  maxInFlight?: number;
}

/** How long start() waits for the first probe of every endpoint before publishing anyway. */
const FIRST_ROUND_MAX_MS = 3000;

/** A name's ranking of its service's endpoints, per address family (computed once per config). */
interface Ranked {
  name: string;
  line: number;
  v4: number[];
  v6: number[];
}

interface Loaded {
  config: ServicesConfig;
  base: readonly ResourceRecord[] | null;
  baseFiles: string[];
  /** Per service: the rankings of its names, and the probe key of each endpoint (null: no check). */
  rankings: Ranked[][];
  keys: (string | null)[][];
}

export class ServicesSource implements ZoneSource {
  readonly kind = 'services';
  private readonly o: ServicesSourceOptions;
  private readonly zones: GeneratedZones;
  private readonly checker: HealthChecker;
  private watcher: FileWatcher | null = null;
  private current: Loaded | null = null;
  private removeStates: (() => void) | null = null;
  private removeFailOpen: (() => void) | null = null;
  /** Services of the current zone answering every endpoint because none is healthy. */
  private failOpen: FailOpenTracker | null = null;
  /** Updates run one at a time; changes meanwhile make one more run after. */
  private running: Promise<void> | null = null;
  private again: UpdateReason | null = null;
  private closed = false;
  /** Health changes rebuild only once start() has published the first version. */
  private started = false;

  constructor(options: ServicesSourceOptions) {
    this.o = options;
    this.zones = new GeneratedZones({ ...options, kind: 'services' });
    this.checker = new HealthChecker({
      probe: options.probe,
      maxInFlight: options.maxInFlight,
      observe: (kind, s) => options.metrics?.observeCheck(kind, s),
      onChange: (t, to) => this.healthChanged(t, to),
    });
  }

  async start(): Promise<void> {
    if (this.o.watch ?? true) {
      this.watcher = watchFile(this.o.file, { debounceMs: this.o.debounceMs, log: this.o.log, onChange: () => void this.reload('change') });
    }
    this.removeStates = this.o.metrics?.addStates(() => this.endpointStates()) ?? null;
    this.removeFailOpen = this.o.metrics?.addFailOpen(() => this.failOpen?.states() ?? []) ?? null;
    this.read('start');
    // The first answers reflect a first probe of every endpoint (bounded: a dead one times out).
    await this.checker.settled(FIRST_ROUND_MAX_MS);
    this.started = true;
    await this.schedule('start');
  }

  async reloadAll(): Promise<void> {
    await this.reload('sighup');
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.checker.close();
    this.zones.close();
    this.removeStates?.();
    this.removeFailOpen?.();
  }

  /**
   * Each service with its endpoints (health, last check) and, per name, the endpoints its answers
   * hold now — computed by the same `content()` the zone is built from (the console's Services view).
   */
  status(): ServicesStatus | null {
    const c = this.current;
    if (c === null) return null;
    // performance.now() → wall clock, for the time of each endpoint's last probe.
    const wall = (t: number) => new Date(Date.now() - (performance.now() - t)).toISOString();
    const answered = new Map(this.content(c).addresses.map((a) => [a.owner, a.addresses.map((e) => e.text)]));
    return {
      zone: c.config.apex.origin,
      file: this.o.file,
      services: c.config.services.map((s, si) => ({
        id: s.id,
        check: s.check?.kind ?? null,
        replicas: s.replicas,
        failClosed: s.failClosed,
        endpoints: s.endpoints.map((e, i) => {
          const key = c.keys[si][i];
          const target = key === null ? undefined : this.checker.get(key);
          return {
            address: e.text,
            state: key === null ? 'unchecked' : (target?.health.state ?? 'unknown'),
            lastCheck: target?.lastProbeAt == null ? null : wall(target.lastProbeAt),
            lastOk: target?.lastOk ?? null,
          };
        }),
        names: s.names.map((n) => ({ name: n.name, answered: answered.get(n.name) ?? [] })),
      })),
    };
  }

  /** The zone served now (tests, logs). */
  served() {
    return this.current === null ? undefined : this.zones.get(this.current.config.apex.origin);
  }

  private async reload(reason: UpdateReason): Promise<void> {
    if (this.closed) return;
    if (this.read(reason)) await this.schedule(reason);
  }

  /** Read and validate the file (and its base zone); true if a new configuration was taken. */
  private read(reason: UpdateReason): boolean {
    const file = this.o.file;
    let config: ServicesConfig;
    try {
      config = readServicesFile(file, this.o.defaultNs);
    } catch (err) {
      if (!(err instanceof SourceFileError)) throw err;
      this.zones.failed(this.current?.config.apex.origin ?? err.origin, file, err.problems, reason);
      return false;
    }
    let base: readonly ResourceRecord[] | null = null;
    let baseFiles: string[] = [];
    if (config.apex.base !== null) {
      const read = readZone(config.apex.base, config.apex.origin);
      if (!read.ok) {
        this.zones.failed(this.current?.config.apex.origin ?? config.apex.origin, config.apex.base, read.errors as PeregrineError[], reason);
        this.rewatch(config.apex.base);
        return false;
      }
      base = read.zone.records;
      baseFiles = read.zone.files;
    }
    const rankings = config.services.map((s) => s.names.map((n) => rankName(s, n.name, n.line)));
    const keys = config.services.map((s) => s.endpoints.map((e) => (s.check === null ? null : targetKey(s.check, e))));
    this.current = { config, base, baseFiles, rankings, keys };
    this.checker.setTargets(config.services.flatMap((s) => (s.check === null ? [] : s.endpoints.map((endpoint) => ({ check: s.check!, endpoint })))));
    this.rewatch(...baseFiles);
    return true;
  }

  private rewatch(...extra: string[]): void {
    this.watcher?.watch([this.o.file, ...extra].map((f) => path.resolve(f)));
  }

  private healthChanged(t: Target, to: EndpointState): void {
    const { log, metrics } = this.o;
    const services = this.servicesUsing(t.key);
    for (const s of services) {
      if (to !== 'unknown') metrics?.transition(s.id, t.endpoint.text, to);
    }
    log.info(
      { event: 'endpoint_state', endpoint: t.endpoint.text, to, services: services.map((s) => s.id), check: t.check.kind, zone: this.current?.config.apex.origin },
      `${t.endpoint.text} is ${to} (${t.check.kind} check; ${services.map((s) => s.id).join(', ')})`,
    );
    // Probes finishing together make one rebuild.
    if (this.started) setImmediate(() => void this.schedule('health'));
  }

  /** Run an update now, or once more after the one running. */
  private schedule(reason: UpdateReason): Promise<void> {
    if (this.closed || this.current === null) return Promise.resolve();
    if (this.running !== null) {
      this.again ??= reason;
      return this.running;
    }
    const run = async (): Promise<void> => {
      let r: UpdateReason | null = reason;
      while (r !== null && !this.closed) {
        this.again = null;
        await this.update(r);
        r = this.again;
      }
    };
    this.running = run()
      .catch((err: unknown) => {
        this.o.log.error({ event: 'reload_error', code: 'PGN_ERR_RELOAD', source: 'services', stack: (err as Error).stack }, `services update failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async update(reason: UpdateReason): Promise<void> {
    const c = this.current;
    if (c === null) return;
    await this.zones.update([this.content(c)], reason);
  }

  /** The zone as the health of its endpoints makes it now. */
  private content(c: Loaded): ZoneContent {
    const addresses: AddressRecords[] = [];
    const failingOpen: FailOpenState[] = [];
    c.config.services.forEach((s, si) => {
      const usable = (i: number) => {
        const key = c.keys[si][i];
        return key === null || (this.checker.get(key)?.health.usable ?? true);
      };
      if (!s.failClosed) {
        for (const family of [4, 6] as const) {
          const of = s.endpoints.map((e, i) => (e.family === family ? i : -1)).filter((i) => i >= 0);
          if (of.length > 0 && !of.some(usable)) failingOpen.push({ service: s.id, family: family === 4 ? 'ipv4' : 'ipv6', endpoints: of.length });
        }
      }
      for (const r of c.rankings[si]) {
        const chosen = [...pick(r.v4, s.replicas, usable, s.failClosed), ...pick(r.v6, s.replicas, usable, s.failClosed)];
        addresses.push({ owner: r.name, ttl: s.ttl, addresses: chosen.map((i) => s.endpoints[i]), line: r.line });
      }
    });
    if (this.failOpen === null || this.failOpen.zone !== c.config.apex.origin) this.failOpen = new FailOpenTracker(c.config.apex.origin, this.o.log);
    this.failOpen.update(failingOpen);
    return { apex: c.config.apex, file: this.o.file, baseRecords: c.base, baseFiles: c.baseFiles, addresses, ptrs: [] };
  }

  private servicesUsing(key: string): ServiceSpec[] {
    const c = this.current;
    if (c === null) return [];
    return c.config.services.filter((_, si) => c.keys[si].includes(key));
  }

  private *endpointStates(): Iterable<{ service: string; endpoint: string; up: boolean | null }> {
    const c = this.current;
    if (c === null) return;
    for (const [si, s] of c.config.services.entries()) {
      for (const [i, e] of s.endpoints.entries()) {
        const key = c.keys[si][i];
        if (key === null) {
          yield { service: s.id, endpoint: e.text, up: true };
          continue;
        }
        const state = this.checker.get(key)?.health.state ?? 'unknown';
        yield { service: s.id, endpoint: e.text, up: state === 'unknown' ? null : state === 'up' };
      }
    }
  }
}

/** GET /console/services: what ServicesSource.status() reports. */
export interface ServicesStatus {
  zone: string;
  file: string;
  services: {
    id: string;
    check: string | null;
    replicas: number;
    failClosed: boolean;
    endpoints: { address: string; state: string; lastCheck: string | null; lastOk: boolean | null }[];
    names: { name: string; answered: string[] }[];
  }[];
}

/** Each family ranked on its own: A answers pick among IPv4 endpoints, AAAA among IPv6 ones. */
function rankName(s: ServiceSpec, name: string, line: number): Ranked {
  const ranking = rank(name, s.endpoints);
  return { name, line, v4: ranking.filter((i) => s.endpoints[i].family === 4), v6: ranking.filter((i) => s.endpoints[i].family === 6) };
}
