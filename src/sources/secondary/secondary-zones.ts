// The secondary role (--secondary ORIGIN=HOST:PORT): each zone is loaded from its state file at
// start (served at once), then kept in step with its primaries — SOA query on the refresh timer
// (retry timer after a failure), IXFR from the version we have or AXFR, NOTIFY from a primary
// triggering a refresh now — and stops being served (SERVFAIL, /healthz 503) once the SOA expire
// time passes without a successful refresh. Timers compare serials with RFC 1982 arithmetic.

import { IntervalLog } from '../../transfer/interval-log.ts';
import { rmSync, statSync } from 'node:fs';
import { formatAddress, type ListenAddress, type SecondarySpec } from '../../config/serve-options.ts';
import { PeregrineError } from '../../errors.ts';
import { expiredCopy } from '../../image/zone-image.ts';
import type { LoadedZone } from '../../primary/zone-loader.ts';
import { loadZoneModel } from '../../primary/zone-loader.ts';
import type { SourceContext, ZoneSource } from '../../primary/zone-source.ts';
import { soaSerial, soaTimers, type WireRecord } from '../../transfer/message.ts';
import { RCODE_NOERROR, RCODE_NOTAUTH, RCODE_REFUSED } from '../../transfer/message.ts';
import { compareSerial } from '../../transfer/serial.ts';
import type { TsigKey } from '../../transfer/tsig.ts';
import { TransferForm } from '../../transfer/zone-records.ts';
import { checkZone } from '../../zone/check-zone.ts';
import { zonemdError } from '../../zone/zonemd.ts';
import { registerSecondaryGauges, type SecondaryExpiry } from './metrics.ts';
import type { ResourceRecord, Zone } from '../../zone/model.ts';
import { lowerName, parseName } from '../../zone/name.ts';
import { stateFile, touchStateFile, writeStateFile } from './state-file.ts';
import { TransferError, applyIxfr, querySoa, transfer, type IxfrDiff } from './xfr-client.ts';
import { needsCompaction, type IncrementalState } from '../../compile/incremental.ts';

/** Before a zone has ever loaded there is no SOA retry: try again after this, doubling to the max. */
const FIRST_RETRY_MS = 5_000;
const FIRST_RETRY_MAX_MS = 300_000;
/** setTimeout takes at most 2^31 - 1 ms (24.8 days); longer timers are re-armed. */
const MAX_TIMER_MS = 0x7fffffff;

interface ZoneState {
  spec: SecondarySpec;
  origin: Uint8Array;
  key: TsigKey | null;
  /** The version served (the unexpired one, even while the expired copy is published). */
  serving: LoadedZone | null;
  /** When a primary last confirmed our version (transfer or SOA check), epoch ms. */
  confirmedAt: number;
  expired: boolean;
  refreshing: boolean;
  /** A NOTIFY (or SIGHUP) came during a refresh: refresh once more afterwards. */
  again: boolean;
  timer: NodeJS.Timeout | null;
  expireTimer: NodeJS.Timeout | null;
  firstRetryMs: number;
  /** Kept between incremental changes of the image served (compile/incremental.ts); absent after a full compile. */
  incremental?: IncrementalState;
  /** The image holds enough garbage from incremental changes: compile it whole once this refresh is over. */
  compactNext: boolean;
}

export class SecondaryZones implements ZoneSource {
  /** Refused NOTIFYs: one log line per interval (a remote sender repeats them at will). */
  private notifyRefusedLog: IntervalLog | undefined;
  readonly kind = 'secondary';
  private readonly c: SourceContext;
  private readonly zones = new Map<string, ZoneState>();
  private closed = false;

  /** Told after each version of a zone is published (the catalog consumer reads its catalogs here). */
  onServed: ((origin: string, zone: LoadedZone) => void) | null = null;

  constructor(c: SourceContext) {
    this.c = c;
    for (const spec of c.options.secondaries) this.zones.set(spec.origin, this.newState(spec));
    if (c.transfers !== undefined) c.transfers.service.onNotify = (origin, client, key) => this.notified(origin, client, key);
    // GET /zones: how transfers from the primaries stand.
    c.registry.addDetails((status) => {
      const z = this.zones.get(status.name);
      if (z === undefined) return undefined;
      return {
        transfer: {
          primaries: this.primaryList(z),
          confirmedAt: z.confirmedAt === 0 ? null : new Date(z.confirmedAt).toISOString(),
          refreshing: z.refreshing,
          expired: z.expired,
        },
      };
    });
    if (this.zones.size > 0 && c.metrics?.registry !== undefined) registerSecondaryGauges(c.metrics.registry, () => this.expiries());
  }

  /** Each zone served: when it expires and whether it has (for /metrics). */
  private expiries(): SecondaryExpiry[] {
    const out: SecondaryExpiry[] = [];
    for (const z of this.zones.values()) {
      if (z.serving === null || z.serving.transfer === undefined) continue;
      const expire = soaTimers(new TransferForm(z.serving.transfer).soa.rdata).expire;
      out.push({ zone: z.spec.origin, expiresAt: z.confirmedAt / 1000 + expire, expired: z.expired });
    }
    return out;
  }

  private newState(spec: SecondarySpec): ZoneState {
    const key = spec.key === null ? null : (this.c.transfers?.keyring.byName(spec.key) ?? null);
    return {
      spec, origin: lowerName(parseName(spec.origin, null)), key, serving: null, confirmedAt: 0, expired: false,
      refreshing: false, again: false, timer: null, expireTimer: null, firstRetryMs: FIRST_RETRY_MS, compactNext: false,
    };
  }

  has(origin: string): boolean {
    return this.zones.has(origin);
  }

  /** Serve one more zone as a secondary (a catalog member): its saved copy at once, then refreshed now. */
  async addZone(spec: SecondarySpec): Promise<void> {
    if (this.closed || this.zones.has(spec.origin)) return;
    const z = this.newState(spec);
    this.zones.set(spec.origin, z);
    await this.loadState(z);
    if (this.zones.get(spec.origin) === z) this.refreshSoon(z, this.refreshLeftMs(z));
  }

  /** Stop serving a zone (left its catalog): timers stopped, unpublished, saved copy deleted. */
  async removeZone(origin: string): Promise<void> {
    const z = this.zones.get(origin);
    if (z === undefined) return;
    this.zones.delete(origin);
    if (z.timer !== null) clearTimeout(z.timer);
    if (z.expireTimer !== null) clearTimeout(z.expireTimer);
    z.timer = z.expireTimer = null;
    z.serving = null;
    this.c.health.expired.delete(origin);
    const dir = this.c.options.stateDir;
    if (dir !== null) rmSync(stateFile(dir, origin), { force: true });
    this.c.registry.remove(origin);
    if (this.c.publisher.get(origin) !== undefined) await this.c.publisher.publish([], [origin]);
    this.c.onPublished();
  }

  async start(): Promise<void> {
    await Promise.all([...this.zones.values()].map((z) => this.loadState(z)));
    for (const z of this.zones.values()) {
      const left = this.refreshLeftMs(z);
      if (left > 0) this.c.log.info({ event: 'refresh_timer', zone: z.spec.origin, dueAt: new Date(z.confirmedAt + this.refreshMs(z)).toISOString() }, `${z.spec.origin}: saved copy confirmed recently; next refresh in ${Math.round(left / 1000)} s`);
      this.refreshSoon(z, left);
    }
  }

  /**
   * After a restart the refresh timer goes on where it was: a saved copy confirmed less than
   * its SOA refresh ago is next checked when that time is up (a NOTIFY still refreshes at once).
   */
  private refreshLeftMs(z: ZoneState): number {
    return z.serving === null ? 0 : Math.max(0, z.confirmedAt + this.refreshMs(z) - Date.now());
  }

  private refreshMs(z: ZoneState): number {
    return soaTimers(new TransferForm(z.serving!.transfer!).soa.rdata).refresh * 1000;
  }

  async reloadAll(): Promise<void> {
    for (const z of this.zones.values()) this.refreshSoon(z, 0);
  }

  close(): void {
    this.closed = true;
    for (const z of this.zones.values()) {
      if (z.timer !== null) clearTimeout(z.timer);
      if (z.expireTimer !== null) clearTimeout(z.expireTimer);
    }
  }

  /** NOTIFY for `origin` from `client` (RFC 1996 §3.10: from a primary only; signed if the zone has a key). */
  private notified(origin: string, client: string, key: TsigKey | null): number {
    const z = this.zones.get(origin);
    const m = this.c.transfers?.metrics;
    // Labels take only configured values (our secondary zones, their primaries): a name or an
    // address from the network is never a label value (issue #17).
    if (z === undefined) {
      m?.notify.inc({ zone: 'other', direction: 'in', peer: 'other', result: 'notauth' });
      return RCODE_NOTAUTH;
    }
    const fromPrimary = z.spec.primaries.some((p) => sameHost(p.host, client));
    if (!fromPrimary || (z.key !== null && key !== z.key)) {
      m?.notify.inc({ zone: origin, direction: 'in', peer: fromPrimary ? client : 'other', result: 'refused' });
      if (fromPrimary) m?.tsigFailures.inc({ reason: 'unsigned' });
      (this.notifyRefusedLog ??= new IntervalLog(this.c.log, 'warn')).note(
        { event: 'notify_refused', zone: origin, client, code: 'PGN_WARN_NOTIFY_REFUSED' },
        `NOTIFY for ${origin} from ${client} refused: ${fromPrimary ? 'not signed with the zone\'s key' : 'not one of its primaries'}`,
      );
      return RCODE_REFUSED;
    }
    m?.notify.inc({ zone: origin, direction: 'in', peer: client, result: 'accepted' });
    this.c.log.info({ event: 'notify_received', zone: origin, client }, `NOTIFY for ${origin} from ${client}: refreshing`);
    this.refreshSoon(z, 0);
    return RCODE_NOERROR;
  }

  /** The state file, if any: served at once, as confirmed when the file was last written or touched. */
  private async loadState(z: ZoneState): Promise<void> {
    const dir = this.c.options.stateDir;
    if (dir === null) return;
    const file = stateFile(dir, z.spec.origin);
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      return; // never transferred
    }
    const result = await this.c.builds.build(file, z.spec.origin, { expiryWarningSeconds: this.c.options.expiryWarningSeconds });
    if (!result.ok) {
      this.c.log.warn(
        { event: 'secondary_state_rejected', zone: z.spec.origin, file, code: 'PGN_WARN_SECONDARY_STATE' },
        `${file}: saved copy of ${z.spec.origin} not usable (${result.errors[0]?.message}); transferring anew`,
      );
      return;
    }
    z.confirmedAt = mtime;
    await this.serve(z, { ...result.zone, file: `${file} (saved from ${this.primaryList(z)})` }, 'state');
  }

  private refreshSoon(z: ZoneState, delayMs: number): void {
    if (this.closed || this.zones.get(z.spec.origin) !== z) return;
    if (z.refreshing) {
      if (delayMs === 0) z.again = true;
      return;
    }
    if (z.timer !== null) clearTimeout(z.timer);
    z.timer = setTimeout(() => {
      z.timer = null;
      void this.refresh(z);
    }, Math.min(delayMs, MAX_TIMER_MS));
    z.timer.unref();
  }

  private async refresh(z: ZoneState): Promise<void> {
    if (this.closed) return;
    if (z.refreshing) {
      // A compaction holds the zone (see compact): refresh right after it.
      z.again = true;
      return;
    }
    z.refreshing = true;
    z.again = false;
    let ok = false;
    let lastError = '';
    for (const primary of z.spec.primaries) {
      try {
        await this.refreshFrom(z, primary);
        ok = true;
        break;
      } catch (err) {
        const peer = formatAddress(primary);
        lastError = `${peer}: ${(err as Error).message}`;
        const tsig = err instanceof TransferError && err.tsig;
        if (tsig) this.c.transfers?.metrics.tsigFailures.inc({ reason: 'response' });
        this.c.log.warn(
          { event: 'refresh_failed', zone: z.spec.origin, primary: peer, code: 'PGN_WARN_REFRESH' },
          `refresh of ${z.spec.origin} from ${peer} failed: ${(err as Error).message}`,
        );
        if (!(err instanceof TransferError) && !(err instanceof PeregrineError) && !isNetworkError(err)) {
          this.c.log.error({ event: 'refresh_error', zone: z.spec.origin, code: 'PGN_ERR_REFRESH', stack: (err as Error).stack }, (err as Error).message);
        }
      }
    }
    z.refreshing = false;
    if (this.closed) return;
    // /zones shows the zone and why it is not current (a zone never loaded is listed this way only).
    if (!ok) this.c.registry.failed(z.spec.origin, `axfr://${this.primaryList(z)}`, lastError);
    if (ok) z.firstRetryMs = FIRST_RETRY_MS;
    if (ok && z.compactNext) void this.compact(z);
    if (z.again) return this.refreshSoon(z, 0);
    const timers = z.serving === null ? null : soaTimers(new TransferForm(z.serving.transfer!).soa.rdata);
    if (ok && timers !== null) return this.refreshSoon(z, timers.refresh * 1000);
    if (timers !== null) return this.refreshSoon(z, timers.retry * 1000);
    this.refreshSoon(z, z.firstRetryMs);
    z.firstRetryMs = Math.min(z.firstRetryMs * 2, FIRST_RETRY_MAX_MS);
  }

  /** SOA query; if the primary is newer, IXFR (or AXFR) and publish. Throws on any failure. */
  private async refreshFrom(z: ZoneState, primary: ListenAddress): Promise<void> {
    const peer = formatAddress(primary);
    const have = z.serving === null ? null : new TransferForm(z.serving.transfer!);
    // Knot refuses plain queries for a catalog it generates but transfers it: a REFUSED SOA
    // query goes on to the transfer, whose answer says whether we are current.
    const soa = await querySoa(primary, z.origin, z.key).catch((err: unknown) => {
      if (err instanceof TransferError && /^answered REFUSED$/.test(err.message)) return null;
      throw err;
    });
    const theirs = soa === null ? null : soaSerial(soa.rdata);
    if (have !== null && theirs !== null && compareSerial(theirs, have.serial) <= 0) {
      if (compareSerial(theirs, have.serial) < 0) {
        this.c.log.warn({ event: 'primary_older', zone: z.spec.origin, primary: peer, serial: theirs, ours: have.serial, code: 'PGN_WARN_PRIMARY_OLDER' }, `${peer} has serial ${theirs} of ${z.spec.origin}, older than ours (${have.serial})`);
      }
      this.confirmed(z);
      return;
    }
    const metrics = this.c.transfers?.metrics;
    const kind = have === null ? 'axfr-in' : 'ixfr-in';
    let result;
    const started = performance.now();
    try {
      result = await transfer(primary, z.origin, z.key, have === null ? null : copyRecord(have.soa));
    } catch (err) {
      metrics?.transfers.inc({ zone: z.spec.origin, kind, result: 'error' });
      throw err;
    }
    let records: WireRecord[];
    let how: string;
    if (result.kind === 'current') {
      this.confirmed(z);
      return;
    } else if (result.kind === 'ixfr' && z.serving?.transfer !== undefined) {
      return this.applyChange(z, primary, result.diffs, result.messages, started);
    } else if (result.kind === 'axfr') {
      records = result.records;
      how = have === null ? 'AXFR' : 'IXFR (whole zone)';
    } else {
      records = applyIxfr(have!.records(), have!.serial, result.diffs);
      how = `IXFR (${result.diffs.length} version(s))`;
    }
    const transferMs = Math.round(performance.now() - started);
    const source = `axfr://${peer}`;
    const zone: Zone = { origin: z.origin, records: records.map((r, i) => toModel(r, source, i)), files: [] };
    const problems = checkZone(zone);
    if (problems.length > 0) {
      metrics?.transfers.inc({ zone: z.spec.origin, kind, result: 'rejected' });
      throw new TransferError(`transferred zone fails its checks: ${problems[0].message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
    }
    // --zonemd-verify: a transferred version whose ZONEMD does not match is refused; the last good one keeps serving.
    const mismatch = this.c.options.zonemdVerify === true ? zonemdError(zone, source) : null;
    if (mismatch !== null) {
      metrics?.transfers.inc({ zone: z.spec.origin, kind, result: 'rejected' });
      throw new TransferError(`transferred zone refused (${mismatch.code}): ${mismatch.message}`);
    }
    const loaded = loadZoneModel(zone, source, { expiryWarningSeconds: this.c.options.expiryWarningSeconds });
    if (!loaded.ok) {
      metrics?.transfers.inc({ zone: z.spec.origin, kind, result: 'rejected' });
      throw new TransferError(`transferred zone does not compile: ${loaded.errors[0]?.message}`);
    }
    metrics?.transfers.inc({ zone: z.spec.origin, kind, result: 'ok' });
    const loadMs = Math.round(performance.now() - started) - transferMs;
    this.c.log.info(
      {
        event: 'zone_transferred', zone: z.spec.origin, primary: peer, how, serial: loaded.zone.serial, previousSerial: have?.serial ?? null,
        records: loaded.zone.records, messages: result.messages, transferMs, loadMs,
      },
      `${z.spec.origin} serial ${loaded.zone.serial} transferred from ${peer} by ${how}`,
    );
    z.confirmedAt = Date.now();
    z.incremental = undefined;
    await this.serve(z, loaded.zone, 'transfer');
    const dir = this.c.options.stateDir;
    if (dir !== null) {
      try {
        writeStateFile(stateFile(dir, z.spec.origin), z.spec.origin, peer, new TransferForm(loaded.zone.transfer!).records());
      } catch (err) {
        this.c.log.warn({ event: 'secondary_state_error', zone: z.spec.origin, code: 'PGN_WARN_SECONDARY_STATE' }, `cannot save ${z.spec.origin}: ${(err as Error).message}`);
      }
    }
  }

  /**
   * IXFR differences applied in a build thread: the image patched incrementally when it can be
   * (only the templates the change touches are rebuilt), else the new records compiled whole; the
   * state file written there too. The event loop only posts the task and publishes.
   */
  private async applyChange(z: ZoneState, primary: ListenAddress, diffs: IxfrDiff[], messages: number, started: number): Promise<void> {
    const peer = formatAddress(primary);
    const serving = z.serving!;
    const metrics = this.c.transfers?.metrics;
    let at = serving.serial;
    for (const d of diffs) {
      if (soaSerial(d.from.rdata) !== at) {
        metrics?.transfers.inc({ zone: z.spec.origin, kind: 'ixfr-in', result: 'rejected' });
        throw new TransferError(`IXFR step from serial ${soaSerial(d.from.rdata)}, expected ${at}`);
      }
      at = soaSerial(d.to.rdata);
    }
    const transferMs = Math.round(performance.now() - started);
    const source = `axfr://${peer}`;
    const dir = this.c.options.stateDir;
    const r = await this.c.builds.change({
      image: serving.image, form: serving.transfer!, origin: z.spec.origin, source, state: z.incremental,
      steps: diffs.map((d) => ({ soa: d.to, deleted: d.deleted, added: d.added })),
      saveTo: dir === null ? undefined : { file: stateFile(dir, z.spec.origin), origin: z.spec.origin, peer },
    });
    if (!r.ok) {
      metrics?.transfers.inc({ zone: z.spec.origin, kind: 'ixfr-in', result: 'rejected' });
      throw new TransferError(`transferred changes do not apply: ${r.errors[0]?.message}`);
    }
    if (this.closed || z.serving !== serving) return;
    metrics?.transfers.inc({ zone: z.spec.origin, kind: 'ixfr-in', result: 'ok' });
    z.incremental = r.state;
    const zone: LoadedZone = {
      ...serving, file: source, serial: r.serial, records: r.records, image: r.image, transfer: r.form, loadedAt: new Date(),
      // Signature times are those of the last full load (a change's own RRSIGs are not scanned).
      signatures: { ...serving.signatures, signed: r.signed },
    };
    this.c.log.info(
      {
        event: 'zone_transferred', zone: z.spec.origin, primary: peer, how: `IXFR (${diffs.length} version(s))`, serial: r.serial,
        previousSerial: serving.serial, records: r.records, messages, transferMs, loadMs: Math.round(r.ms), compile: r.how,
        reason: r.reason, replanned: r.replanned,
      },
      `${z.spec.origin} serial ${r.serial} transferred from ${peer} by IXFR (${r.how} compile)`,
    );
    if (r.saveError !== undefined) {
      this.c.log.warn({ event: 'secondary_state_error', zone: z.spec.origin, code: 'PGN_WARN_SECONDARY_STATE' }, `cannot save ${z.spec.origin}: ${r.saveError}`);
    }
    z.confirmedAt = Date.now();
    await this.serve(z, zone, 'transfer');
    z.compactNext = r.state !== undefined && needsCompaction(r.image, r.state);
  }

  /**
   * Compile the served version whole, in a build thread, to drop the garbage incremental changes
   * left. It holds the zone like a refresh does (a NOTIFY meanwhile refreshes right after), so a
   * change is never applied to an image being replaced.
   */
  private async compact(z: ZoneState): Promise<void> {
    const serving = z.serving;
    if (z.refreshing || serving === null || serving.transfer === undefined) return;
    z.refreshing = true;
    z.compactNext = false;
    try {
      const r = await this.c.builds.change({
        image: serving.image, form: serving.transfer, origin: z.spec.origin, source: serving.file, state: z.incremental,
        steps: [],
      });
      if (!r.ok || this.closed || z.serving !== serving || z.expired) return;
      z.incremental = r.state;
      await this.serve(z, { ...serving, image: r.image, transfer: r.form }, 'compacted');
    } catch (err) {
      this.c.log.warn({ event: 'compaction_failed', zone: z.spec.origin, code: 'PGN_WARN_REFRESH' }, `full compile of ${z.spec.origin} failed: ${(err as Error).message}`);
    } finally {
      z.refreshing = false;
      if (z.again) this.refreshSoon(z, 0);
    }
  }

  /** The primary has our serial: the expire clock starts over. */
  private confirmed(z: ZoneState): void {
    z.confirmedAt = Date.now();
    const dir = this.c.options.stateDir;
    if (dir !== null) touchStateFile(stateFile(dir, z.spec.origin));
    if (z.expired && z.serving !== null) void this.serve(z, z.serving, 'revived');
    else this.armExpiry(z);
  }

  /** Publish a version (fresh, or the one we had once it is confirmed again), and arm the expiry. */
  private async serve(z: ZoneState, zone: LoadedZone, why: string): Promise<void> {
    const wasExpired = z.expired;
    z.serving = zone;
    z.expired = false;
    this.c.health.expired.delete(z.spec.origin);
    this.armExpiry(z);
    if (this.closed) return;
    // The expire time may already be past (an old state file): serve SERVFAIL right away then.
    if (z.expired) return;
    // Removed (a catalog dropped it) while this version was being built: not published.
    if (this.zones.get(z.spec.origin) !== z) return;
    await this.c.publisher.publish([zone]);
    this.c.registry.loaded(zone);
    this.c.onPublished();
    this.onServed?.(z.spec.origin, zone);
    if (wasExpired) this.c.log.info({ event: 'zone_revived', zone: z.spec.origin, serial: zone.serial }, `${z.spec.origin} is current again: answering`);
    if (why === 'state') {
      this.c.log.info({ event: 'zone_loaded', zone: z.spec.origin, serial: zone.serial, file: zone.file, records: zone.records }, `${z.spec.origin} loaded from its saved copy (serial ${zone.serial})`);
    }
  }

  private armExpiry(z: ZoneState): void {
    if (z.expireTimer !== null) clearTimeout(z.expireTimer);
    z.expireTimer = null;
    if (z.serving === null || this.closed) return;
    const expire = soaTimers(new TransferForm(z.serving.transfer!).soa.rdata).expire * 1000;
    const left = z.confirmedAt + expire - Date.now();
    if (left <= 0) {
      void this.expire(z);
      return;
    }
    z.expireTimer = setTimeout(() => this.armExpiry(z), Math.min(left, MAX_TIMER_MS));
    z.expireTimer.unref();
  }

  /** Past the SOA expire time: answer SERVFAIL for the zone and fail /healthz until a primary confirms a version. */
  private async expire(z: ZoneState): Promise<void> {
    if (z.expired || z.serving === null) return;
    z.expired = true;
    this.c.health.expired.add(z.spec.origin);
    this.c.log.error(
      { event: 'zone_expired', zone: z.spec.origin, serial: z.serving.serial, confirmedAt: new Date(z.confirmedAt).toISOString(), code: 'PGN_ERR_ZONE_EXPIRED' },
      `${z.spec.origin} expired: no primary confirmed serial ${z.serving.serial} within the SOA expire time; answering SERVFAIL`,
    );
    this.c.registry.noted(z.spec.origin, `expired at ${new Date().toISOString()}: answering SERVFAIL`);
    await this.c.publisher.publish([{ ...z.serving, image: expiredCopy(z.serving.image) }]);
    this.c.onPublished();
  }

  private primaryList(z: ZoneState): string {
    return z.spec.primaries.map(formatAddress).join(', ');
  }
}

function toModel(r: WireRecord, file: string, i: number): ResourceRecord {
  return { owner: r.owner, type: r.type, class: r.class, ttl: r.ttl, rdata: r.rdata, source: { file, line: i + 1 } };
}

function copyRecord(r: WireRecord): WireRecord {
  return { owner: r.owner.slice(), type: r.type, class: r.class, ttl: r.ttl, rdata: r.rdata.slice() };
}

function sameHost(primary: string, client: string): boolean {
  return primary === client || client === `::ffff:${primary}`;
}

function isNetworkError(err: unknown): boolean {
  return typeof (err as { code?: unknown }).code === 'string';
}
