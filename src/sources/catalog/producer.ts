// --catalog ORIGIN: an RFC 9432 (version 2) catalog zone listing the zones we serve, so every
// secondary that reads catalogs (Knot `catalog-role: interpret`, BIND `catalog-zones`, Peregrine
// --catalog-consumer) serves each zone without being told about it. Built by Peregrine itself
// after every publication that adds or removes a zone (file, directory, API, services, tinydns,
// secondary…), then published like any zone: transferable, journaled, NOTIFYed.
//
//   ORIGIN               0 SOA invalid. invalid. SERIAL 3600 600 2147483646 0
//   ORIGIN               0 NS  invalid.
//   version.ORIGIN       0 TXT "2"
//   LABEL.zones.ORIGIN   0 PTR MEMBER.            one per member; LABEL from member-label.ts
//
// The serial moves only when membership does (SerialKeeper, kept in --state-dir); the time each
// member joined (part of its label) is kept there too, so labels survive restarts.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadZoneModel } from '../../primary/zone-loader.ts';
import type { SourceContext, ZoneSource } from '../../primary/zone-source.ts';
import type { ResourceRecord, Zone } from '../../zone/model.ts';
import { lowerName, parseName } from '../../zone/name.ts';
import { TYPE_NS, TYPE_PTR, TYPE_SOA, TYPE_TXT } from '../../zone/types.ts';
import { SerialKeeper } from '../services/serial.ts';
import { memberLabel } from './member-label.ts';

export interface CatalogProducerOptions {
  origin: string;
  /** Origins never listed (config `catalog: false` on a zone or secondary). */
  excluded: ReadonlySet<string>;
  /** Zone files never listed (config `catalog: false` on a zone without an origin). */
  excludedFiles: ReadonlySet<string>;
  /**
   * Resolves once the other sources have started: the first catalog lists what they load, so
   * a restart does not publish a short catalog first (two serials, members reset downstream).
   */
  othersStarted: Promise<unknown>;
}

export class CatalogProducer implements ZoneSource {
  readonly kind = 'catalog';
  private readonly c: SourceContext;
  private readonly origin: string;
  private readonly excluded: ReadonlySet<string>;
  private readonly excludedFiles: ReadonlySet<string>;
  private readonly othersStarted: Promise<unknown>;
  private ready = false;
  private readonly serials: SerialKeeper;
  private readonly joinedFile: string | null;
  /** Member origin → Unix seconds when it joined (0 without a state dir: labels from the name alone). */
  private joined = new Map<string, number>();
  private listed = '';
  private pending: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(c: SourceContext, o: CatalogProducerOptions) {
    this.c = c;
    this.origin = o.origin;
    this.excluded = o.excluded;
    this.excludedFiles = o.excludedFiles;
    this.othersStarted = o.othersStarted;
    const dir = c.options.stateDir;
    this.serials = new SerialKeeper(dir, `catalog.${o.origin}`, c.log);
    this.joinedFile = dir === null ? null : path.join(dir, 'catalog', `${o.origin === '.' ? 'root' : o.origin.replace(/\.$/, '')}.members.json`);
    this.joined = this.readJoined();
    c.publisher.onPublished((changed, removed) => {
      // Our own publication changes nothing we list.
      if (removed.length === 0 && changed.every((z) => z.origin === this.origin || this.joined.has(z.origin))) return;
      this.update();
    });
  }

  async start(): Promise<void> {
    await this.othersStarted;
    this.ready = true;
    this.update();
    await this.pending;
  }

  async reloadAll(): Promise<void> {
    this.update();
    await this.pending;
  }

  close(): void {
    this.closed = true;
  }

  /** The members now: every zone served but the catalog and the excluded ones. */
  members(): string[] {
    return this.c.publisher
      .loaded()
      .filter((z) => z.origin !== this.origin && !this.excluded.has(z.origin) && !this.excludedFiles.has(path.resolve(z.file)))
      .map((z) => z.origin)
      .sort();
  }

  /** Rebuild when membership changed; one build at a time, once more if it changed meanwhile. */
  private update(): void {
    if (this.closed || !this.ready) return;
    if (this.pending !== null) {
      this.again = true;
      return;
    }
    this.pending = this.build().finally(() => {
      this.pending = null;
      if (this.again) {
        this.again = false;
        this.update();
      }
    });
  }

  private async build(): Promise<void> {
    const members = this.members();
    const key = members.join(' ');
    if (key === this.listed && this.c.publisher.get(this.origin) !== undefined) return;
    const now = Math.floor(Date.now() / 1000);
    const joined = new Map<string, number>();
    for (const m of members) joined.set(m, this.joined.get(m) ?? (this.joinedFile === null ? 0 : now));
    const zone = catalogZone(this.origin, joined, 0);
    const fingerprint = zone.records.slice(1).map((r) => `${Buffer.from(r.owner).toString('hex')} ${r.type} ${Buffer.from(r.rdata).toString('hex')}`).join('\n');
    const serial = this.serials.serialFor(fingerprint);
    const loaded = loadZoneModel(catalogZone(this.origin, joined, serial), `catalog:${this.origin}`, { expiryWarningSeconds: this.c.options.expiryWarningSeconds });
    if (!loaded.ok) {
      this.c.log.error({ event: 'catalog_error', zone: this.origin, code: 'PGN_ERR_CATALOG' }, `catalog ${this.origin} does not compile: ${loaded.errors[0]?.message}`);
      return;
    }
    const added = members.filter((m) => !this.joined.has(m));
    const gone = [...this.joined.keys()].filter((m) => !joined.has(m));
    this.joined = joined;
    this.listed = key;
    this.writeJoined();
    if (this.closed) return;
    await this.c.publisher.publish([loaded.zone]);
    this.c.registry.loaded(loaded.zone);
    this.c.onPublished();
    this.c.log.info(
      { event: 'catalog_updated', zone: this.origin, serial, members: members.length, added, removed: gone },
      `catalog ${this.origin} serial ${serial}: ${members.length} member(s)${added.length > 0 ? `, added ${added.join(' ')}` : ''}${gone.length > 0 ? `, removed ${gone.join(' ')}` : ''}`,
    );
  }

  private readJoined(): Map<string, number> {
    if (this.joinedFile === null) return new Map();
    try {
      const v = JSON.parse(readFileSync(this.joinedFile, 'utf8')) as Record<string, unknown>;
      const out = new Map<string, number>();
      for (const [k, t] of Object.entries(v)) if (typeof t === 'number' && Number.isInteger(t) && t >= 0) out.set(k, t);
      return out;
    } catch {
      return new Map();
    }
  }

  private writeJoined(): void {
    if (this.joinedFile === null) return;
    try {
      mkdirSync(path.dirname(this.joinedFile), { recursive: true });
      const tmp = `${this.joinedFile}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(Object.fromEntries(this.joined))}\n`);
      renameSync(tmp, this.joinedFile);
    } catch (err) {
      this.c.log.error({ event: 'catalog_state_error', zone: this.origin, code: 'PGN_ERR_STATE_WRITE' }, `cannot save ${this.joinedFile}: ${(err as Error).message}`);
    }
  }
}

/** The catalog zone's records (RFC 9432 §4), SOA first. */
export function catalogZone(origin: string, members: ReadonlyMap<string, number>, serial: number): Zone {
  const apex = lowerName(parseName(origin, null));
  const invalid = parseName('invalid.', null);
  const source = { file: `catalog:${origin}`, line: 0 };
  const soa = new Uint8Array(invalid.length * 2 + 20);
  soa.set(invalid, 0);
  soa.set(invalid, invalid.length);
  const dv = new DataView(soa.buffer);
  [serial >>> 0, 3600, 600, 2147483646, 0].forEach((v, i) => dv.setUint32(invalid.length * 2 + 4 * i, v));
  const rr = (owner: Uint8Array, type: number, rdata: Uint8Array): ResourceRecord => ({ owner, type, class: 1, ttl: 0, rdata, source });
  const records: ResourceRecord[] = [
    rr(apex, TYPE_SOA, soa),
    rr(apex, TYPE_NS, invalid),
    rr(parseName('version', apex), TYPE_TXT, Uint8Array.from([1, 0x32])),
  ];
  const zones = parseName('zones', apex);
  for (const [member, joinedAt] of members) {
    const name = lowerName(parseName(member, null));
    records.push(rr(parseName(memberLabel(name, joinedAt), zones), TYPE_PTR, name));
  }
  return { origin: apex, records, files: [] };
}
