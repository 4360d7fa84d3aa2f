// ZONEMD (RFC 8976): verify a zone's message digest, SIMPLE scheme with SHA-384 or SHA-512, when
// a zone carrying one is loaded or transferred (--zonemd-verify) and in `peregrine check --zonemd`.
//
// SIMPLE digest (RFC 8976 §3.3): the hash of every record of the zone in RFC 4034 §6 canonical
// form and order — owner lowercased and uncompressed, then type, class, TTL, RDLENGTH, RDATA with
// the names of RFC 4034 §6.2's types lowercased — sorted by owner (canonical order), type, RDATA;
// duplicates once. Left out: the apex ZONEMD RRset and the apex RRSIGs that cover ZONEMD.
// Out-of-zone records have no place in a zone file (the parser already refuses them); glue and
// occluded data are included, as the RFC says.
//
// ZONEMD RDATA: u32 serial | u8 scheme | u8 hash algorithm | digest.

import { createHash } from 'node:crypto';
import { PeregrineError } from '../errors.ts';
import type { ResourceRecord, Zone } from './model.ts';
import { compareCanonical, nameEquals, nameToText } from './name.ts';
import {
  TYPE_AFSDB, TYPE_CNAME, TYPE_DNAME, TYPE_KX, TYPE_MB, TYPE_MD, TYPE_MF, TYPE_MG, TYPE_MINFO, TYPE_MR, TYPE_MX,
  TYPE_NAPTR, TYPE_NS, TYPE_PTR, TYPE_PX, TYPE_RP, TYPE_RRSIG, TYPE_RT, TYPE_SIG, TYPE_SOA, TYPE_SRV, TYPE_ZONEMD,
} from './types.ts';

export const ZONEMD_SCHEME_SIMPLE = 1;
export const ZONEMD_SHA384 = 1;
export const ZONEMD_SHA512 = 2;

/** A zone whose ZONEMD does not match its contents (or cannot be checked): the version is refused. */
export class ZonemdError extends PeregrineError {
  constructor(message: string, zone: string, file?: string) {
    super('PGN_ERR_ZONEMD', message, { zone, file });
  }
}

export type ZonemdResult =
  /** The zone has no ZONEMD at its apex: nothing to verify. */
  | { status: 'absent' }
  /** A ZONEMD of a supported scheme and algorithm matches. */
  | { status: 'verified'; algorithm: string }
  /** No ZONEMD matches; `reason` says why (digest, serial, unsupported). */
  | { status: 'mismatch'; reason: string };

const ALGORITHMS: Record<number, string> = { [ZONEMD_SHA384]: 'sha384', [ZONEMD_SHA512]: 'sha512' };

/** Verify the zone's apex ZONEMD records (RFC 8976 §4): one supported record that matches is enough. */
export function verifyZonemd(zone: Zone): ZonemdResult {
  const apex = zone.origin;
  const soa = zone.records.find((r) => r.type === TYPE_SOA && nameEquals(r.owner, apex));
  const zonemds = zone.records.filter((r) => r.type === TYPE_ZONEMD && nameEquals(r.owner, apex));
  if (zonemds.length === 0 || soa === undefined) return { status: 'absent' };
  const serial = readU32(soa.rdata, soa.rdata.length - 20);
  const reasons: string[] = [];
  const digests = new Map<number, Buffer>();
  for (const z of zonemds) {
    if (z.rdata.length < 6) { reasons.push('ZONEMD RDATA too short'); continue; }
    const zSerial = readU32(z.rdata, 0);
    const scheme = z.rdata[4];
    const algorithm = z.rdata[5];
    const name = ALGORITHMS[algorithm];
    if (scheme !== ZONEMD_SCHEME_SIMPLE || name === undefined) {
      reasons.push(`unsupported scheme ${scheme} / hash algorithm ${algorithm}`);
      continue;
    }
    if (zSerial !== serial) {
      reasons.push(`ZONEMD serial ${zSerial} is not the SOA serial ${serial}`);
      continue;
    }
    let digest = digests.get(algorithm);
    if (digest === undefined) {
      digest = zoneDigest(zone, name);
      digests.set(algorithm, digest);
    }
    if (Buffer.compare(digest, Buffer.from(z.rdata.subarray(6))) === 0) return { status: 'verified', algorithm: name.toUpperCase().replace('SHA', 'SHA-') };
    reasons.push(`${name.toUpperCase().replace('SHA', 'SHA-')} digest does not match the zone's contents`);
  }
  return { status: 'mismatch', reason: reasons.join('; ') };
}

/** verifyZonemd, as an error for a mismatch (null when absent or verified). */
export function zonemdError(zone: Zone, file?: string): ZonemdError | null {
  const result = verifyZonemd(zone);
  if (result.status !== 'mismatch') return null;
  const origin = nameToText(zone.origin).toLowerCase();
  return new ZonemdError(`${origin}: ZONEMD verification failed: ${result.reason}`, origin, file);
}

/** The SIMPLE scheme digest of the zone with this Node hash algorithm. */
export function zoneDigest(zone: Zone, algorithm: string): Buffer {
  const apex = zone.origin;
  const entries: { key: Uint8Array; type: number; rdata: Uint8Array; r: ResourceRecord }[] = [];
  const soa = zone.records.find((r) => r.type === TYPE_SOA);
  const zoneClass = soa?.class ?? 1;
  let lastOwner: Uint8Array | null = null;
  let key: Uint8Array = new Uint8Array(0);
  for (const r of zone.records) {
    if (r.class !== zoneClass) continue;
    if (r.type === TYPE_ZONEMD && nameEquals(r.owner, apex)) continue;
    if (r.type === TYPE_RRSIG && r.rdata.length >= 2 && ((r.rdata[0] << 8) | r.rdata[1]) === TYPE_ZONEMD && nameEquals(r.owner, apex)) continue;
    if (r.owner !== lastOwner) {
      key = lowerWire(r.owner);
      lastOwner = r.owner;
    }
    entries.push({ key, type: r.type, rdata: canonicalRdata(r.type, r.rdata), r });
  }
  // Label by label from the right (compareCanonical), not the bytes of the keys: a shorter label
  // that is a prefix of another sorts first whatever the length bytes say.
  entries.sort((a, b) => (a.key === b.key ? 0 : compareCanonical(a.key, b.key)) || a.type - b.type || compareBytes(a.rdata, b.rdata));
  const hash = createHash(algorithm);
  const fixed = Buffer.alloc(10);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const prev = i > 0 ? entries[i - 1] : null;
    if (prev !== null && prev.type === e.type && compareBytes(prev.key, e.key) === 0 && compareBytes(prev.rdata, e.rdata) === 0) continue;
    hash.update(e.key);
    fixed.writeUInt16BE(e.type, 0);
    fixed.writeUInt16BE(e.r.class, 2);
    fixed.writeUInt32BE(e.r.ttl >>> 0, 4);
    fixed.writeUInt16BE(e.rdata.length, 8);
    hash.update(fixed);
    hash.update(e.rdata);
  }
  return hash.digest();
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** A copy of the wire name starting at `at` of `b` (to its root label), lowercased, written into `out` at `o`; returns both ends. */
function lowerNameAt(b: Uint8Array, at: number, out: Uint8Array): number {
  let i = at;
  while (i < b.length) {
    const l = b[i];
    out[i] = l;
    if (l === 0) return i + 1;
    for (let j = i + 1; j <= i + l && j < b.length; j++) out[j] = lower(b[j]);
    i += l + 1;
  }
  return b.length;
}

function lowerWire(name: Uint8Array): Uint8Array {
  const out = Uint8Array.from(name);
  lowerNameAt(name, 0, out);
  return out;
}

/** RDATA with the embedded names of RFC 4034 §6.2's types (as updated by RFC 6840 §5.1) lowercased. */
function canonicalRdata(type: number, rdata: Uint8Array): Uint8Array {
  let before = -1;
  let names = 0;
  switch (type) {
    case TYPE_NS: case TYPE_MD: case TYPE_MF: case TYPE_CNAME: case TYPE_MB: case TYPE_MG:
    case TYPE_MR: case TYPE_PTR: case TYPE_DNAME:
      before = 0; names = 1; break;
    case TYPE_SOA: case TYPE_MINFO: case TYPE_RP:
      before = 0; names = 2; break;
    case TYPE_MX: case TYPE_AFSDB: case TYPE_RT: case TYPE_KX:
      before = 2; names = 1; break;
    case TYPE_PX:
      before = 2; names = 2; break;
    case TYPE_SRV:
      before = 6; names = 1; break;
    case TYPE_RRSIG: case TYPE_SIG:
      before = 18; names = 1; break;
    case TYPE_NAPTR: {
      let p = 4;
      for (let i = 0; i < 3 && p < rdata.length; i++) p += 1 + rdata[p];
      before = p; names = 1; break;
    }
    default:
      return rdata;
  }
  const out = Uint8Array.from(rdata);
  let p = before;
  for (let i = 0; i < names && p < rdata.length; i++) p = lowerNameAt(rdata, p, out);
  return out;
}
