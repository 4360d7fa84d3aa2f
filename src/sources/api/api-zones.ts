// The control API's zone source: zones created and edited over HTTP, kept as zone files in
// `STATE_DIR/api/`, loaded from there at start.
//
// Every change goes the same way, one at a time per zone: validate → new content → (unchanged?
// answer at once, nothing written) → serial + 1 → checkZone → compile (loadZoneModel, in this
// thread: API zones are small; 10,000 records compile in well under a second) → write the file
// atomically → publish → answer once every worker serves it. Any failure before the write
// changes nothing; the file is written before publishing, so what was acknowledged survives
// a restart.

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ZoneDataError } from '../../errors.ts';
import type { Logger } from '../../primary/log.ts';
import type { Publisher } from '../../primary/publisher.ts';
import { guessOrigin, loadZoneModel, type LoadedZone } from '../../primary/zone-loader.ts';
import { firstProblem, logZoneErrors, zoneFields, zoneSummary } from '../../primary/zone-log.ts';
import { parseOrigin, readZone } from '../../primary/zone-reader.ts';
import type { ZoneRegistry } from '../../primary/zone-registry.ts';
import type { ZoneSource } from '../../primary/zone-source.ts';
import { checkZoneAll } from '../../zone/check-zone.ts';
import type { WireName } from '../../zone/model.ts';
import { NameSyntaxError, isSubdomain, lowerName, nameToText, parseName } from '../../zone/name.ts';
import { RdataError, MAX_TTL } from '../../zone/rdata/common.ts';
import { isDataType } from '../../zone/rdata/index.ts';
import { rdataFromText } from '../../zone/rdata-text.ts';
import {
  TYPE_NS, TYPE_NSEC, TYPE_NSEC3, TYPE_NSEC3PARAM, TYPE_RRSIG, TYPE_SOA, typeFromText, typeToText,
} from '../../zone/types.ts';
import { ApiError, badRequest, conflict, notFound } from './api-error.ts';
import { apiZoneDir, apiZoneFile, removeFileDurably, removeStaleTemps, writeFileAtomic } from './state-files.ts';
import { ZoneContent, makeRRset, rrsetKey, rrsetToJson, type RRset, type RRsetJson } from './zone-content.ts';

/** TTL of an RRset or zone created without one. */
export const DEFAULT_TTL = 3600;

/** SOA timers of a zone created without them (seconds). */
export const DEFAULT_SOA = { refresh: 3600, retry: 600, expire: 1_209_600, minimum: 300 };

/** Types the API refuses: Peregrine does not sign, and a serial that moves would stale any signature. */
const SIGNING_TYPES = new Set([TYPE_RRSIG, TYPE_NSEC, TYPE_NSEC3, TYPE_NSEC3PARAM]);

/** The body of PUT /zones/NAME/records/OWNER/TYPE. */
export interface RRsetInput {
  ttl?: number;
  records: string[];
}

/** An RRset inside a zone creation: owner relative to the zone or absolute. */
export interface NamedRRsetInput extends RRsetInput {
  owner: string;
  type: string;
}

/** The body of PUT /zones/NAME. */
export interface ZoneInput {
  ttl?: number;
  ns: string[];
  soa?: { mname?: string; rname?: string; serial?: number; refresh?: number; retry?: number; expire?: number; minimum?: number };
  rrsets?: NamedRRsetInput[];
}

export interface ChangeResult {
  zone: string;
  serial: number;
  changed: boolean;
}

export interface ApiZonesOptions {
  /** null: the API reads nothing and refuses every change (503). */
  stateDir: string | null;
  publisher: Publisher;
  registry: ZoneRegistry;
  log: Logger;
  expiryWarningSeconds: number;
  onPublished?: () => void;
  /** The other sources, for POST /zones/NAME/reload of zones that are not the API's. */
  otherSources?: () => readonly ZoneSource[];
  /** The time new serials are taken from (tests). */
  now?: () => Date;
}

/** One zone the API serves. */
interface ApiZone {
  origin: string;
  file: string;
  content: ZoneContent;
  served: LoadedZone;
}

export class ApiZones implements ZoneSource {
  readonly kind = 'api';
  private readonly options: ApiZonesOptions;
  private readonly dir: string | null;
  private readonly zones = new Map<string, ApiZone>();
  /** Per origin: the tail of its queue of operations (one at a time per zone). */
  private readonly queues = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(options: ApiZonesOptions) {
    this.options = options;
    this.dir = options.stateDir === null ? null : apiZoneDir(options.stateDir);
  }

  /** Load every zone file in the state directory's `api/` and publish them in one generation. */
  async start(): Promise<void> {
    if (this.dir === null) return;
    for (const stale of removeStaleTemps(this.dir)) {
      this.options.log.warn({ event: 'api_stale_temp', file: stale, code: 'PGN_WARN_API_STALE_TEMP' }, `removed ${stale}, left by an interrupted write`);
    }
    const loaded: ApiZone[] = [];
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.zone') && !n.startsWith('.')).sort()) {
      const zone = this.readFile(path.join(this.dir, name), 'start');
      if (zone === null) continue;
      if (this.zones.has(zone.origin) || this.options.publisher.get(zone.origin) !== undefined) {
        const other = this.zones.get(zone.origin)?.file ?? this.options.publisher.get(zone.origin)?.file;
        const message = `${zone.file}: zone ${zone.origin} is already loaded from ${other}; not loaded`;
        this.options.log.error({ event: 'zone_rejected', file: zone.file, zone: zone.origin, code: 'PGN_ERR_ZONE_DUPLICATE' }, message);
        this.options.registry.failed(zone.origin, zone.file, message);
        continue;
      }
      this.zones.set(zone.origin, zone);
      loaded.push(zone);
    }
    if (loaded.length === 0) return;
    await this.options.publisher.publish(loaded.map((z) => z.served));
    for (const z of loaded) {
      this.options.registry.loaded(z.served);
      this.options.log.info({ event: 'zone_loaded', source: 'api', ...zoneFields(z.served) }, `${z.origin} loaded from ${z.file} (${zoneSummary(z.served)})`);
    }
    this.options.onPublished?.();
  }

  /** SIGHUP: read every API zone's file again (hand edits, or files copied in). */
  async reloadAll(): Promise<void> {
    if (this.dir === null || this.closed) return;
    const origins = new Set(this.zones.keys());
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.zone') && !n.startsWith('.'))) {
      origins.add(guessOrigin(path.join(this.dir, name), null));
    }
    await Promise.all([...origins].map((o) => this.reload(o).catch(() => undefined)));
  }

  close(): void {
    this.closed = true;
  }

  /** Whether changes can be made (a state directory is configured). */
  get writable(): boolean {
    return this.dir !== null;
  }

  /** Is `origin` (lowercase, trailing dot) one of the API's own zones, editable through it? */
  manages(origin: string): boolean {
    return this.zones.has(origin);
  }

  // --- reads ---------------------------------------------------------------------------------

  /** Every RRset of an API zone, in canonical order. */
  records(name: string): { zone: string; serial: number; rrsets: RRsetJson[] } {
    const z = this.apiZone(this.origin(name));
    return { zone: z.origin, serial: z.served.serial, rrsets: z.content.sorted().map(rrsetToJson) };
  }

  /** One RRset of an API zone. */
  rrset(name: string, ownerText: string, typeText: string): RRsetJson {
    const z = this.apiZone(this.origin(name));
    const owner = this.owner(ownerText, z);
    const type = this.type(typeText);
    const set = z.content.get(owner, type);
    if (set === undefined) throw notFound(`no ${typeToText(type)} records at ${nameToText(owner)}`, z.origin);
    return rrsetToJson(set);
  }

  // --- changes -------------------------------------------------------------------------------

  /** PUT /zones/NAME: a new API zone with an SOA, NS records and optionally more RRsets. */
  async create(name: string, input: ZoneInput): Promise<ChangeResult> {
    const origin = this.origin(name);
    return this.serialize(origin, async () => {
      const dir = this.requireStateDir();
      if (this.zones.has(origin)) throw conflict(`zone ${origin} already exists; change its records with PUT /zones/${origin}/records/OWNER/TYPE`, origin);
      this.notFromElsewhere(origin);
      const file = apiZoneFile(dir, origin);
      if (existsSync(file)) {
        const why = this.options.registry.get(origin)?.lastError;
        throw conflict(`${file} exists but is not served${why ? ` (${why})` : ''}: fix it and POST /zones/${origin}/reload, or DELETE /zones/${origin}`, origin);
      }
      const apex = parseOrigin(origin);
      const ttl = this.ttl(input.ttl ?? DEFAULT_TTL, 'ttl');
      if (input.ns.length === 0) throw badRequest('ns: at least one name server is needed', origin);
      // One map filled in place: a zone created with thousands of RRsets is not copied per RRset.
      const sets = new Map<string, RRset>();
      const put = (set: RRset) => sets.set(rrsetKey(set.owner, set.type), set);
      const ns = input.ns.map((t, i) => this.rdata(TYPE_NS, t, apex, `ns[${i}]`));
      put(makeRRset(apex, TYPE_NS, ttl, ns));
      const soa = input.soa ?? {};
      const num = (v: number | undefined, dflt: number, what: string) => this.u32(v ?? dflt, `soa.${what}`);
      const serial = num(soa.serial, Math.floor(this.now().getTime() / 1000), 'serial');
      const soaText = [
        soa.mname ?? input.ns[0],
        soa.rname ?? 'hostmaster',
        serial,
        num(soa.refresh, DEFAULT_SOA.refresh, 'refresh'),
        num(soa.retry, DEFAULT_SOA.retry, 'retry'),
        num(soa.expire, DEFAULT_SOA.expire, 'expire'),
        num(soa.minimum, DEFAULT_SOA.minimum, 'minimum'),
      ].join(' ');
      put(makeRRset(apex, TYPE_SOA, ttl, [this.rdata(TYPE_SOA, soaText, apex, 'soa')]));
      for (const [i, set] of (input.rrsets ?? []).entries()) {
        const what = `rrsets[${i}]`;
        const owner = this.ownerIn(set.owner, apex, origin, `${what}.owner`);
        const type = this.type(set.type, `${what}.type`);
        if (type === TYPE_SOA) throw badRequest(`${what}: give the SOA fields in soa`, origin);
        // An RRset given twice (or the apex NS again) adds to the one before.
        const base = sets.get(rrsetKey(owner, type))?.rdata ?? [];
        put(this.rrsetFrom(owner, type, set, apex, set.ttl ?? ttl, what, base));
      }
      const content = new ZoneContent(apex, sets);
      const served = this.build(content, file);
      writeFileAtomic(file, content.toText());
      const z: ApiZone = { origin, file, content, served };
      this.zones.set(origin, z);
      await this.publish(z, 'api_zone_created', `${origin} created`);
      return { zone: origin, serial: served.serial, changed: true };
    });
  }

  /** DELETE /zones/NAME: stop serving an API zone and remove its file. */
  async remove(name: string): Promise<ChangeResult> {
    const origin = this.origin(name);
    return this.serialize(origin, async () => {
      const dir = this.requireStateDir();
      const z = this.zones.get(origin);
      if (z === undefined) {
        // A file that failed to load (kept for the operator to fix) can go as well.
        const file = apiZoneFile(dir, origin);
        if (existsSync(file)) {
          removeFileDurably(file);
          this.options.registry.remove(origin);
          this.options.log.info({ event: 'api_zone_deleted', zone: origin, file }, `${origin}: ${file} removed (it was not served)`);
          return { zone: origin, serial: 0, changed: true };
        }
        this.notFromElsewhere(origin);
        throw notFound(`no zone ${origin}`, origin);
      }
      removeFileDurably(z.file);
      this.zones.delete(origin);
      const served = this.options.publisher.get(origin);
      if (served !== undefined && served.file !== z.file) {
        // Another source took the origin over: only the API's copy goes, what serves stays.
        this.options.log.info({ event: 'api_zone_deleted', zone: origin, file: z.file }, `${origin}: ${z.file} removed (${origin} is served from ${served.file})`);
        return { zone: origin, serial: z.served.serial, changed: true };
      }
      await this.options.publisher.publish([], [origin]);
      this.options.registry.remove(origin);
      this.options.onPublished?.();
      this.options.log.info({ event: 'api_zone_deleted', zone: origin, file: z.file, serial: z.served.serial }, `${origin} deleted`);
      return { zone: origin, serial: z.served.serial, changed: true };
    });
  }

  /** PUT /zones/NAME/records/OWNER/TYPE: replace one RRset (create it if new). */
  putRRset(name: string, ownerText: string, typeText: string, input: RRsetInput): Promise<ChangeResult> {
    return this.changeRRset(name, ownerText, typeText, (z, owner, type, origin) => {
      if (type === TYPE_SOA && owner.length !== z.content.origin.length) {
        throw badRequest(`SOA record at ${nameToText(owner)} is not at the zone apex ${origin}`, origin);
      }
      const existing = z.content.get(owner, type);
      let set = this.rrsetFrom(owner, type, input, z.content.origin, input.ttl ?? existing?.ttl ?? DEFAULT_TTL, 'records');
      if (type === TYPE_SOA) set = this.soaSerial(set, z);
      return this.commit(z, z.content.with(set), `${nameToText(owner)} ${typeToText(type)} replaced`);
    });
  }

  /** DELETE /zones/NAME/records/OWNER/TYPE. */
  deleteRRset(name: string, ownerText: string, typeText: string): Promise<ChangeResult> {
    return this.changeRRset(name, ownerText, typeText, (z, owner, type, origin) => {
      if (type === TYPE_SOA) throw badRequest(`the SOA record cannot be deleted (DELETE /zones/${origin} deletes the zone)`, origin);
      if (z.content.get(owner, type) === undefined) throw notFound(`no ${typeToText(type)} records at ${nameToText(owner)}`, origin);
      return this.commit(z, z.content.without(owner, type), `${nameToText(owner)} ${typeToText(type)} deleted`);
    });
  }

  /** One RRset of an API zone, named as in the URL, changed by `change` in the zone's turn. */
  private changeRRset(
    name: string,
    ownerText: string,
    typeText: string,
    change: (z: ApiZone, owner: WireName, type: number, origin: string) => Promise<ChangeResult>,
  ): Promise<ChangeResult> {
    const origin = this.origin(name);
    const type = this.type(typeText);
    return this.serialize(origin, async () => {
      this.requireStateDir();
      const z = this.apiZone(origin);
      return change(z, this.owner(ownerText, z), type, origin);
    });
  }

  /**
   * POST /zones/NAME/reload: an API zone is read again from its file; a zone of another source
   * is reloaded by that source. Resolves with the version served afterwards.
   */
  async reload(name: string): Promise<ChangeResult> {
    const origin = this.origin(name);
    return this.serialize(origin, async () => {
      const ours = this.zones.get(origin);
      if (ours !== undefined && !existsSync(ours.file)) {
        throw new ApiError(422, `${ours.file} is gone (still serving serial ${ours.served.serial}); the next change writes it again, DELETE /zones/${origin} deletes the zone`, origin);
      }
      const file = ours?.file ?? (this.dir === null ? null : apiZoneFile(this.dir, origin));
      if (file !== null && existsSync(file)) {
        if (ours !== undefined) this.stillOurs(ours);
        else this.notFromElsewhere(origin);
        const z = this.readFile(file, 'api');
        if (z === null) {
          const served = ours === undefined ? 'nothing served' : `still serving serial ${ours.served.serial}`;
          throw new ApiError(422, `${this.options.registry.get(origin)?.lastError ?? `${file}: cannot be loaded`} (${served})`, origin);
        }
        if (z.origin !== origin) throw new ApiError(422, `${file} holds zone ${z.origin}, not ${origin}`, origin);
        const changed = ours === undefined || !ours.content.equals(z.content);
        this.zones.set(origin, z);
        await this.publish(z, 'zone_reloaded', `${origin} reloaded from ${file}`);
        return { zone: origin, serial: z.served.serial, changed };
      }
      for (const source of this.options.otherSources?.() ?? []) {
        if (source.reloadZone === undefined) continue;
        const before = this.options.registry.get(origin)?.serial ?? null;
        if (!(await source.reloadZone(origin))) continue;
        const status = this.options.registry.get(origin);
        if (status?.lastError) throw new ApiError(422, `${status.lastError} (${status.serial === null ? 'nothing served' : `still serving serial ${status.serial}`})`, origin);
        return { zone: origin, serial: status?.serial ?? 0, changed: status?.serial !== before };
      }
      throw notFound(`no zone ${origin}`, origin);
    });
  }

  // --- the steps ---------------------------------------------------------------------------

  /** Check, compile, write, publish a new content of `z` (or nothing when it serves the same records). */
  private async commit(z: ApiZone, next: ZoneContent, what: string): Promise<ChangeResult> {
    this.stillOurs(z);
    if (next.equals(z.content)) return { zone: z.origin, serial: z.served.serial, changed: false };
    const serial = z.content.serial ?? z.served.serial;
    if (next.serial === serial) next = next.withSerial((serial + 1) >>> 0);
    const served = this.build(next, z.file);
    try {
      writeFileAtomic(z.file, next.toText());
    } catch (err) {
      throw new ApiError(500, `cannot write ${z.file}: ${(err as Error).message}; nothing changed`, z.origin);
    }
    z.content = next;
    z.served = served;
    await this.publish(z, 'api_zone_changed', `${z.origin}: ${what}`);
    return { zone: z.origin, serial: served.serial, changed: true };
  }

  /**
   * checkZone, then compile; every problem is a 400 naming the records, nothing is written. The
   * API is stricter than zone files: the serious warnings (no apex NS, missing glue, an NS target
   * without address, TTL mismatch) are refused here, where the client can fix them at once.
   */
  private build(content: ZoneContent, file: string): LoadedZone {
    const zone = content.toZone(file);
    const checked = checkZoneAll(zone);
    const problems = [...checked.errors, ...checked.serious];
    const origin = nameToText(content.origin);
    if (problems.length > 0) throw badRequest(problemsText(problems), origin);
    const result = loadZoneModel(zone, file, { expiryWarningSeconds: this.options.expiryWarningSeconds });
    if (!result.ok) throw badRequest(result.errors.map((e) => e.message).join('; '), origin);
    return result.zone;
  }

  private async publish(z: ApiZone, event: string, message: string): Promise<void> {
    await this.options.publisher.publish([z.served]);
    this.options.registry.loaded(z.served);
    this.options.onPublished?.();
    this.options.log.info({ event, source: 'api', ...zoneFields(z.served) }, `${message} (${zoneSummary(z.served)})`);
  }

  /** A zone file of the state directory → a zone ready to publish; null (logged, counted) if it does not load. */
  private readFile(file: string, reason: 'start' | 'api'): ApiZone | null {
    const { log, registry } = this.options;
    const read = readZone(file, null);
    let errors: readonly { message: string }[] | null = null;
    let zone: ApiZone | null = null;
    if (read.ok) {
      const loaded = loadZoneModel(read.zone, file, { expiryWarningSeconds: this.options.expiryWarningSeconds });
      if (loaded.ok) {
        zone = { origin: loaded.zone.origin, file, content: ZoneContent.fromZone(read.zone), served: loaded.zone };
      } else {
        logZoneErrors(log, file, loaded.errors);
        registry.failed(loaded.origin, file, firstProblem(file, loaded.errors));
        errors = loaded.errors;
      }
    } else {
      logZoneErrors(log, file, read.errors);
      registry.failed(guessOrigin(file, null), file, firstProblem(file, read.errors));
      errors = read.errors;
    }
    if (errors !== null) {
      log.error(
        { event: 'zone_rejected', source: 'api', file, errors: errors.length, reload: reason !== 'start', code: 'PGN_ERR_ZONE_REJECTED' },
        `${file}: not loaded (${errors.length} error(s))`,
      );
    }
    return zone;
  }

  // --- validation ----------------------------------------------------------------------------

  /** A zone name from the URL: absolute with or without the trailing dot; not the root. */
  private origin(name: string): string {
    let apex: WireName;
    try {
      apex = parseOrigin(name);
    } catch (err) {
      if (err instanceof NameSyntaxError) throw badRequest(`bad zone name '${name}': ${err.message}`);
      throw err;
    }
    if (apex.length === 1) throw badRequest('the root zone cannot be managed through the API');
    return nameToText(lowerName(apex));
  }

  /** An API zone this source serves; 404 if none, 409 if another source serves it. */
  private apiZone(origin: string): ApiZone {
    const z = this.zones.get(origin);
    if (z === undefined) {
      this.notFromElsewhere(origin);
      throw notFound(`no zone ${origin}`, origin);
    }
    this.stillOurs(z);
    return z;
  }

  /** 409 if the zone comes from another source (a zone file, tinydns data, …): read-only here. */
  private notFromElsewhere(origin: string): void {
    const file = this.options.publisher.get(origin)?.file ?? this.options.registry.get(origin)?.file;
    if (file !== undefined && (this.dir === null || path.dirname(file) !== this.dir)) {
      throw conflict(`zone ${origin} comes from ${file}, not from the API: it is read-only here (POST /zones/${origin}/reload reloads it)`, origin);
    }
  }

  /** Another source may have published the same origin since (a zone file added to a --zone-dir). */
  private stillOurs(z: ApiZone): void {
    const served = this.options.publisher.get(z.origin);
    if (served !== undefined && served.file !== z.file) {
      throw conflict(`zone ${z.origin} is now served from ${served.file}; the API's copy in ${z.file} is not served`, z.origin);
    }
  }

  private requireStateDir(): string {
    if (this.dir === null) {
      throw new ApiError(503, 'the control API keeps its zones in the state directory, and none is configured: start the server with --state-dir DIR (state-dir: in the config file) to make changes');
    }
    return this.dir;
  }

  /** An owner from the URL: relative to the zone (`www`, `@`) or absolute (`www.example.com.`), inside the zone. */
  private owner(text: string, z: ApiZone): WireName {
    return this.ownerIn(text, z.content.origin, z.origin, 'owner');
  }

  private ownerIn(text: string, apex: WireName, origin: string, what: string): WireName {
    if (typeof text !== 'string' || text === '') throw badRequest(`${what}: a name is required`, origin);
    let owner: WireName;
    try {
      owner = parseName(text, apex);
    } catch (err) {
      if (err instanceof NameSyntaxError) throw badRequest(`bad ${what} '${text}': ${err.message}`, origin);
      throw err;
    }
    if (!isSubdomain(owner, apex)) throw badRequest(`${what} ${nameToText(owner)} is outside the zone ${origin}`, origin);
    return lowerName(owner);
  }

  private type(text: string, what = 'type'): number {
    const type = typeof text === 'string' ? typeFromText(text) : undefined;
    if (type === undefined) throw badRequest(`${what}: unknown RR type '${String(text)}'`);
    if (!isDataType(type)) throw badRequest(`${what}: ${typeToText(type)} is not a type of zone data`);
    if (SIGNING_TYPES.has(type)) throw badRequest(`${what}: ${typeToText(type)} records cannot be managed through the API (its zones are not signed)`);
    return type;
  }

  private ttl(v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_TTL) throw badRequest(`${what}: expected a whole number 0..${MAX_TTL}, got ${JSON.stringify(v)}`);
    return v;
  }

  private u32(v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw badRequest(`${what}: expected a whole number 0..4294967295, got ${JSON.stringify(v)}`);
    return v;
  }

  private rdata(type: number, text: unknown, apex: WireName, what: string): Uint8Array {
    if (typeof text !== 'string') throw badRequest(`${what}: expected a string of ${typeToText(type)} RDATA, got ${JSON.stringify(text)}`);
    try {
      return rdataFromText(type, text, apex);
    } catch (err) {
      if (err instanceof RdataError) throw badRequest(`${what}: bad ${typeToText(type)} RDATA '${text}': ${err.message}`);
      throw err;
    }
  }

  /** An RRset from its JSON (validated); `base` is RDATA it starts with (the apex NS of a new zone). */
  private rrsetFrom(owner: WireName, type: number, input: RRsetInput, apex: WireName, ttl: number, what: string, base: Uint8Array[] = []): RRset {
    if (!Array.isArray(input.records) || input.records.length === 0) {
      throw badRequest(`${what}: give at least one record (DELETE removes an RRset)`);
    }
    if (type === TYPE_SOA && input.records.length !== 1) throw badRequest(`${what}: an SOA RRset has exactly one record`);
    const rdata = input.records.map((t, i) => this.rdata(type, t, apex, `${what}[${i}]`));
    return makeRRset(owner, type, this.ttl(ttl, 'ttl'), [...base, ...rdata]);
  }

  /**
   * The serial is the server's: an SOA PUT keeps the current serial (the change bumps it by one)
   * unless it gives one ahead of it in serial arithmetic (RFC 1982), which is taken as is.
   */
  private soaSerial(set: RRset, z: ApiZone): RRset {
    const current = z.content.serial ?? z.served.serial;
    const given = new ZoneContent(z.content.origin).with(set).serial;
    if (given !== null && serialAhead(given, current)) return set;
    return new ZoneContent(z.content.origin).with(set).withSerial(current).get(z.content.origin, TYPE_SOA)!;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Run `op` after every operation queued before on `origin`. */
  private serialize<T>(origin: string, op: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(origin) ?? Promise.resolve();
    const run = previous.then(op, op);
    const tail = run.catch(() => undefined);
    this.queues.set(origin, tail);
    void tail.then(() => {
      if (this.queues.get(origin) === tail) this.queues.delete(origin);
    });
    return run;
  }
}

/** RFC 1982: `a` is ahead of `b`. */
export function serialAhead(a: number, b: number): boolean {
  return a !== b && ((a > b && a - b < 2 ** 31) || (a < b && b - a > 2 ** 31));
}

/** checkZone's problems as one reason: the messages name owners and types; lines of a file the client never saw would not help. */
function problemsText(problems: ZoneDataError[]): string {
  const shown = problems.slice(0, 10).map((p) => p.message);
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
  return `${shown.join('; ')}${more}`;
}
