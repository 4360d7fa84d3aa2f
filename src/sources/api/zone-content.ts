// The records of one API-managed zone as RRsets keyed by (owner, type): what the control API reads
// and edits, and its zone-file text (what the state directory keeps). Owners are stored lowercase;
// each RRset's RDATA is sorted and without duplicates, so two contents compare equal exactly when
// they serve the same records.

import type { ResourceRecord, WireName, Zone } from '../../zone/model.ts';
import { compareCanonical, lowerName, nameToText } from '../../zone/name.ts';
import { rdataToText } from '../../zone/rdata-text.ts';
import { CLASS_IN, TYPE_SOA, typeToText } from '../../zone/types.ts';

export interface RRset {
  /** Absolute, lowercase. */
  owner: WireName;
  type: number;
  ttl: number;
  /** Sorted (bytewise), no duplicates. */
  rdata: Uint8Array[];
}

/** The JSON shape of an RRset in the API: presentation text, owner absolute. */
export interface RRsetJson {
  owner: string;
  type: string;
  ttl: number;
  records: string[];
}

export function rrsetKey(owner: WireName, type: number): string {
  return `${nameToText(lowerName(owner))} ${type}`;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Sorted, duplicates dropped. */
export function normalizeRdata(rdata: Uint8Array[]): Uint8Array[] {
  const sorted = [...rdata].sort(compareBytes);
  return sorted.filter((r, i) => i === 0 || compareBytes(sorted[i - 1], r) !== 0);
}

export function makeRRset(owner: WireName, type: number, ttl: number, rdata: Uint8Array[]): RRset {
  return { owner: lowerName(owner), type, ttl, rdata: normalizeRdata(rdata) };
}

export function sameRRset(a: RRset | undefined, b: RRset | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.type !== b.type || a.ttl !== b.ttl || a.rdata.length !== b.rdata.length) return false;
  if (compareBytes(a.owner, b.owner) !== 0) return false;
  return a.rdata.every((r, i) => compareBytes(r, b.rdata[i]) === 0);
}

export class ZoneContent {
  readonly origin: WireName;
  readonly sets: Map<string, RRset>;

  constructor(origin: WireName, sets: Map<string, RRset> = new Map()) {
    this.origin = lowerName(origin);
    this.sets = sets;
  }

  /** From a parsed zone (class IN; an RRset's TTL is its first record's, as checkZone makes them equal). */
  static fromZone(zone: Zone): ZoneContent {
    const grouped = new Map<string, { owner: WireName; type: number; ttl: number; rdata: Uint8Array[] }>();
    for (const rr of zone.records) {
      const key = rrsetKey(rr.owner, rr.type);
      const set = grouped.get(key);
      if (set === undefined) grouped.set(key, { owner: rr.owner, type: rr.type, ttl: rr.ttl, rdata: [rr.rdata] });
      else set.rdata.push(rr.rdata);
    }
    const sets = new Map<string, RRset>();
    for (const [key, s] of grouped) sets.set(key, makeRRset(s.owner, s.type, s.ttl, s.rdata));
    return new ZoneContent(zone.origin, sets);
  }

  get(owner: WireName, type: number): RRset | undefined {
    return this.sets.get(rrsetKey(owner, type));
  }

  /** A copy with `set` in place of the RRset of its owner and type. */
  with(set: RRset): ZoneContent {
    const sets = new Map(this.sets);
    sets.set(rrsetKey(set.owner, set.type), set);
    return new ZoneContent(this.origin, sets);
  }

  /** A copy without the RRset of `owner` and `type`. */
  without(owner: WireName, type: number): ZoneContent {
    const sets = new Map(this.sets);
    sets.delete(rrsetKey(owner, type));
    return new ZoneContent(this.origin, sets);
  }

  /** Same RRsets, same TTLs, same records. */
  equals(other: ZoneContent): boolean {
    if (this.sets.size !== other.sets.size) return false;
    for (const [key, set] of this.sets) if (!sameRRset(set, other.sets.get(key))) return false;
    return true;
  }

  /** The SOA serial, or null without a (well-formed) SOA. */
  get serial(): number | null {
    const soa = this.get(this.origin, TYPE_SOA)?.rdata[0];
    if (soa === undefined || soa.length < 20) return null;
    return new DataView(soa.buffer, soa.byteOffset + soa.length - 20, 4).getUint32(0);
  }

  /** A copy whose SOA has `serial` (the zone must have an SOA). */
  withSerial(serial: number): ZoneContent {
    const set = this.get(this.origin, TYPE_SOA);
    if (set === undefined || set.rdata.length !== 1 || set.rdata[0].length < 20) throw new Error('zone has no SOA to set the serial of');
    const soa = set.rdata[0].slice();
    new DataView(soa.buffer, soa.length - 20, 4).setUint32(0, serial >>> 0);
    return this.with({ ...set, rdata: [soa] });
  }

  /** RRsets in canonical order: by owner (RFC 4034 §6.1), SOA first at the apex, then by type. */
  sorted(): RRset[] {
    return [...this.sets.values()].sort((a, b) => {
      const byOwner = compareCanonical(a.owner, b.owner);
      if (byOwner !== 0) return byOwner;
      if (a.type === TYPE_SOA || b.type === TYPE_SOA) return a.type === TYPE_SOA ? -1 : 1;
      return a.type - b.type;
    });
  }

  /** Records as the compiler takes them; `file` and the line numbers are those of `toText()`. */
  toZone(file: string): Zone {
    const records: ResourceRecord[] = [];
    let line = TEXT_HEADER_LINES;
    for (const set of this.sorted()) {
      for (const rdata of set.rdata) {
        line++;
        records.push({ owner: set.owner, type: set.type, class: CLASS_IN, ttl: set.ttl, rdata, source: { file, line } });
      }
    }
    return { origin: this.origin, records, files: [file] };
  }

  /** The zone file: $ORIGIN, then one absolute record per line, SOA first. */
  toText(): string {
    const lines = [
      `; Zone ${nameToText(this.origin)} managed by the Peregrine control API: edit it through the API`,
      `; (changes made here are read on POST /zones/NAME/reload or restart).`,
      `$ORIGIN ${nameToText(this.origin)}`,
    ];
    for (const set of this.sorted()) {
      const head = `${nameToText(set.owner)} ${set.ttl} IN ${typeToText(set.type)}`;
      for (const rdata of set.rdata) lines.push(`${head} ${rdataToText(set.type, rdata)}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** Lines toText() writes before the first record. */
const TEXT_HEADER_LINES = 3;

export function rrsetToJson(set: RRset): RRsetJson {
  return {
    owner: nameToText(set.owner),
    type: typeToText(set.type),
    ttl: set.ttl,
    records: set.rdata.map((r) => rdataToText(set.type, r)),
  };
}
