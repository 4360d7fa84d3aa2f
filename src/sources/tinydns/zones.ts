// Parsed tinydns data to zone models. Each `.` or `Z` line makes a zone; every other record goes
// to the zone whose apex is the longest suffix of its owner (records in no zone are not served:
// tinydns does not answer for them either). What a client sees is decided here, once per build:
//
// - timestamps: a record with a TTL and a timestamp starts at that time; with TTL 0 it ends then,
//   and its TTL shrinks towards the end (see `liveTtl`). `nextEvent` says when to build again.
// - locations: a zone whose records (or the out-of-zone addresses it hands out) name locations
//   gets one version per location used plus one for every other client; the `%` lines go into
//   the latter, so the answering worker can tell clients apart.
// - tinydns's own readings: one SOA per name (the first line's), an A RRset's TTL is that of its
//   last record (tinydns sends all addresses with the TTL of the last one it read).

import { createHash } from 'node:crypto';
import { ZoneDataError } from '../../errors.ts';
import type { LocationPrefixEntry, ResourceRecord, Zone } from '../../zone/model.ts';
import { isSubdomain, lowerName, nameLength, nameToText, parentName } from '../../zone/name.ts';
import { CLASS_IN, TYPE_A, TYPE_MX, TYPE_NS, TYPE_SOA } from '../../zone/types.ts';
import type { TinyData, TinyRecord } from './parse-data.ts';

/** One version of a zone: for the clients of `location` ('' = everyone else). */
export interface TinyZoneVersion {
  location: string;
  zone: Zone;
}

export interface TinyZone {
  /** Lowercase presentation form with the trailing dot. */
  origin: string;
  /** The version for every other client first, then one per location, in name order. */
  versions: TinyZoneVersion[];
  /** Changes when what any client is served changes (not when only the file's mtime, the default serial, does). */
  fingerprint: string;
  /** Line of the zone's first `.` or `Z` line. */
  line: number;
}

export interface TinyZonesResult {
  zones: TinyZone[];
  errors: ZoneDataError[];
  /** Records outside every zone (not served). */
  ignored: number;
  /** Unix seconds when what is served changes by the clock alone (a timestamp), or null. */
  nextEvent: number | null;
}

/** The longest TTL tinydns gives a record that ends at its timestamp. */
const ENDING_TTL_MAX = 3600;
const ENDING_TTL_MIN = 2;

function key(name: Uint8Array): string {
  return Buffer.from(lowerName(name)).toString('latin1');
}

/**
 * Whether a record is served at `now` (Unix seconds), and with which TTL (null: not served).
 * A record that ends at its timestamp gets at most 3600 s, as tinydns gives it; in its last two
 * hours half the time left (at least 2 s), and the zone is built again when that TTL runs out —
 * so no cache keeps it past its end, where tinydns may overshoot by a few seconds.
 */
export function liveTtl(r: TinyRecord, now: number): number | null {
  if (r.timestamp === null) return r.ttl;
  if (r.ttl !== 0) return now > r.timestamp ? r.ttl : null;
  const left = r.timestamp - now;
  if (left < 0) return null;
  if (left >= 2 * ENDING_TTL_MAX) return ENDING_TTL_MAX;
  return Math.max(ENDING_TTL_MIN, Math.floor(left / 2));
}

/** When `r` next changes what is served after `now`, or null. */
function eventOf(r: TinyRecord, now: number): number | null {
  if (r.timestamp === null) return null;
  if (r.ttl !== 0) return now > r.timestamp ? null : r.timestamp + 1;
  const left = r.timestamp - now;
  if (left < 0) return null;
  if (left >= 2 * ENDING_TTL_MAX) return r.timestamp - 2 * ENDING_TTL_MAX;
  return now + Math.max(ENDING_TTL_MIN, Math.floor(left / 2));
}

/** Split the data into zones and their versions, as served at `now` (Unix seconds). */
export function tinydnsZones(data: TinyData, now: number): TinyZonesResult {
  const errors: ZoneDataError[] = [];
  const apexes = new Map<string, { name: Uint8Array; line: number; records: TinyRecord[] }>();
  for (const r of data.records) {
    if (!r.apex) continue;
    const k = key(r.owner);
    if (!apexes.has(k)) apexes.set(k, { name: lowerName(r.owner), line: r.line, records: [] });
  }
  // Every A record by owner: tinydns looks additional addresses up anywhere in the data.
  const addresses = new Map<string, TinyRecord[]>();
  let ignored = 0;
  for (const r of data.records) {
    if (r.type === TYPE_A) {
      const k = key(r.owner);
      const list = addresses.get(k);
      if (list) list.push(r);
      else addresses.set(k, [r]);
    }
    const zone = zoneOf(apexes, lowerName(r.owner));
    if (zone === undefined) ignored++;
    else zone.records.push(r);
  }

  let nextEvent: number | null = null;
  const event = (r: TinyRecord): void => {
    const at = eventOf(r, now);
    if (at !== null && (nextEvent === null || at < nextEvent)) nextEvent = at;
  };
  const zones: TinyZone[] = [];
  for (const [, apex] of apexes) {
    const origin = nameToText(apex.name);
    // Addresses outside the zone its NS and MX records name.
    const outside: TinyRecord[] = [];
    const seen = new Set<string>();
    for (const r of apex.records) {
      const target = r.type === TYPE_NS ? r.rdata : r.type === TYPE_MX ? r.rdata.subarray(2) : null;
      if (target === null) continue;
      const lowered = lowerName(target);
      const k = key(lowered);
      if (seen.has(k) || isSubdomain(lowered, apex.name)) continue;
      seen.add(k);
      outside.push(...(addresses.get(k) ?? []));
    }
    for (const r of apex.records) event(r);
    for (const r of outside) event(r);
    const locations = new Set<string>();
    for (const r of [...apex.records, ...outside]) if (r.location !== '') locations.add(r.location);
    const codes = ['', ...[...locations].sort()];
    const prefixes: LocationPrefixEntry[] = codes.length > 1 ? data.locations.map((l) => ({ prefix: l.prefix, location: l.location })) : [];
    const hash = createHash('sha1');
    const versions: TinyZoneVersion[] = [];
    let failed = false;
    for (const location of codes) {
      const visible = (r: TinyRecord) => r.location === '' || r.location === location;
      const records = served(apex.records.filter(visible), now, data.file);
      const extra = served(outside.filter(visible), now, data.file);
      const problem = apexProblem(records, apex.name, location);
      if (problem !== null) {
        errors.push(new ZoneDataError(`zone ${origin}: ${problem}`, data.file, apex.line));
        failed = true;
        break;
      }
      const zone: Zone = { origin: apex.name, records, files: [data.file], style: 'tinydns', outsideAddresses: extra };
      if (location !== '') zone.location = location;
      else if (prefixes.length > 0) zone.locationPrefixes = prefixes;
      versions.push({ location, zone });
      hash.update(`@${location}\n`);
      for (const rr of records) hashRecord(hash, rr);
      hash.update('+\n');
      for (const rr of extra) hashRecord(hash, rr);
    }
    if (failed) continue;
    for (const p of prefixes) hash.update(`%${p.location}:${[...p.prefix].join('.')}\n`);
    zones.push({ origin: origin.toLowerCase(), versions, fingerprint: hash.digest('hex'), line: apex.line });
  }
  return { zones, errors, ignored, nextEvent };
}

function zoneOf<T>(apexes: Map<string, T>, lowered: Uint8Array): T | undefined {
  for (let n = lowered; ; n = parentName(n)) {
    const zone = apexes.get(Buffer.from(n).toString('latin1'));
    if (zone !== undefined) return zone;
    if (n.length <= 1) return undefined;
  }
}

/** SOA records whose serial is the file's mtime. */
const mtimeSerials = new WeakSet<ResourceRecord>();

/** The records a client sees at `now`, as ResourceRecords, with tinydns's readings applied. */
function served(records: TinyRecord[], now: number, file: string): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  const soaAt = new Set<string>();
  const lastA = new Map<string, number>();
  for (const r of records) {
    const ttl = liveTtl(r, now);
    if (ttl === null) continue;
    if (r.type === TYPE_SOA) {
      // tinydns sends one SOA per name: the first.
      const k = key(r.owner);
      if (soaAt.has(k)) continue;
      soaAt.add(k);
    }
    if (r.type === TYPE_A) lastA.set(key(r.owner), ttl);
    const rr: ResourceRecord = { owner: r.owner, type: r.type, class: CLASS_IN, ttl, rdata: r.rdata, source: { file, line: r.line } };
    if (r.mtimeSerial) mtimeSerials.add(rr);
    out.push(rr);
  }
  for (const rr of out) if (rr.type === TYPE_A) rr.ttl = lastA.get(key(rr.owner))!;
  return out;
}

/** Why a version of a zone cannot be served, or null. */
function apexProblem(records: ResourceRecord[], apex: Uint8Array, location: string): string | null {
  const at = records.filter((r) => key(r.owner) === key(apex));
  const who = location === '' ? '' : ` for clients in location '${location}'`;
  if (!at.some((r) => r.type === TYPE_SOA)) return `no SOA record${who} (its . or Z lines are not in effect now${who ? ' there' : ''})`;
  if (!at.some((r) => r.type === TYPE_NS)) return `no NS record at the apex${who} (add a . or & line for it)`;
  return null;
}

function hashRecord(hash: ReturnType<typeof createHash>, rr: ResourceRecord): void {
  let rdata = rr.rdata;
  if (rr.type === TYPE_SOA) {
    // The serial a file's mtime gave does not make a zone different.
    if (mtimeSerials.has(rr)) {
      rdata = Uint8Array.from(rdata);
      const at = nameLength(rdata, 0);
      const serialAt = at + nameLength(rdata, at);
      rdata.fill(0, serialAt, serialAt + 4);
    }
  }
  hash.update(`${Buffer.from(rr.owner).toString('hex')} ${rr.type} ${rr.ttl} ${Buffer.from(rdata).toString('hex')}\n`);
}
