// Serial discipline for zones Peregrine reads from files (--serial-policy warn|refuse|increment):
// a content fingerprint that leaves the SOA serial out, and the served serial under `increment`
// (Knot's serial-policy / BIND's serial-update-method for zones they own).
//
// `warn` and `refuse` compare a new version with the one serving (same file serial, another
// fingerprint: PGN_WARN_SERIAL_UNCHANGED); `refuse` then keeps the old version. `increment` serves
// the file's serial while it moves forward and otherwise one more than the last served serial each
// time the content changes, remembered (with --state-dir, across restarts) by the SerialKeeper of
// generated zones.

import type { Zone } from '../../zone/model.ts';
import { TYPE_SOA } from '../../zone/types.ts';
import { nameLength } from '../../zone/name.ts';

export const SERIAL_POLICIES = ['warn', 'refuse', 'increment'] as const;
export type SerialPolicy = (typeof SERIAL_POLICIES)[number];

/** What the last served version of a zone was (under `increment`): its serial and content. */
export interface SerialBase {
  serial: number;
  fingerprint: string;
}

/** Offset of the serial in SOA RDATA: after MNAME and RNAME; -1 if the RDATA is malformed. */
function soaSerialOffset(rdata: Uint8Array): number {
  try {
    const m = nameLength(rdata, 0);
    const r = nameLength(rdata, m);
    return m + r + 20 <= rdata.length ? m + r : -1;
  } catch {
    return -1;
  }
}

/** The first SOA at the apex (checkZone has made sure there is one). */
function apexSoaIndex(zone: Zone): number {
  for (let i = 0; i < zone.records.length; i++) if (zone.records[i].type === TYPE_SOA) return i;
  return -1;
}

export function zoneSerial(zone: Zone): number | null {
  const i = apexSoaIndex(zone);
  if (i < 0) return null;
  const rdata = zone.records[i].rdata;
  const at = soaSerialOffset(rdata);
  return at < 0 ? null : new DataView(rdata.buffer, rdata.byteOffset + at, 4).getUint32(0);
}

/**
 * A 64-bit fingerprint (hex) of everything in the zone but the SOA serial: owners (lowercase),
 * types, classes, TTLs and RDATA, in file order. Two FNV-1a-style 32-bit hashes with different
 * seeds; ~50 ms for a million records, so it is computed for every zone file load.
 */
export function contentFingerprint(zone: Zone): string {
  let a = 0x811c9dc5 | 0;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (x: number): void => {
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 15);
  };
  for (const rr of zone.records) {
    const o = rr.owner;
    for (let i = 0; i < o.length; i++) {
      const c = o[i];
      mix(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
    }
    mix(rr.type);
    mix(rr.class);
    mix(rr.ttl);
    const d = rr.rdata;
    mix(d.length);
    const skipAt = rr.type === TYPE_SOA ? soaSerialOffset(d) : -1;
    for (let i = 0; i < d.length; i++) mix(skipAt >= 0 && i >= skipAt && i < skipAt + 4 ? 0 : d[i]);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** RFC 1982: `a` is after `b`. */
export function serialAfter(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x80000000;
}

/**
 * The serial to serve under `increment`: the file's own while it is ahead of the last served one
 * (the operator's numbering wins), the last one while the content is the same, else the last one
 * plus one.
 */
export function incrementedSerial(fileSerial: number, fingerprint: string, base: SerialBase | null): number {
  if (base === null || serialAfter(fileSerial, base.serial)) return fileSerial;
  if (base.fingerprint === fingerprint) return base.serial;
  return (base.serial + 1) >>> 0;
}

/** Serve the zone with this serial: the apex SOA's RDATA replaced by a copy carrying it. */
export function setZoneSerial(zone: Zone, serial: number): void {
  const i = apexSoaIndex(zone);
  if (i < 0) return;
  const rr = zone.records[i];
  const at = soaSerialOffset(rr.rdata);
  if (at < 0) return;
  const rdata = rr.rdata.slice();
  new DataView(rdata.buffer, at, 4).setUint32(0, serial);
  zone.records[i] = { ...rr, rdata };
}
