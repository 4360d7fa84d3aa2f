// DNSSEC signature health of a zone: signed or not, NSEC or NSEC3, the earliest RRSIG expiration,
// and which signatures have expired or will within a window (the classic DNSSEC outage).

import type { ResourceRecord, SourcePosition, Zone } from './model.ts';
import { lowerName, nameEquals, nameToText } from './name.ts';
import { TYPE_DNSKEY, TYPE_NSEC, TYPE_NSEC3, TYPE_NSEC3PARAM, TYPE_RRSIG } from './types.ts';

/** How long ahead `peregrine check` and the zone-load log warn of expiring signatures: 7 days. */
export const DEFAULT_EXPIRY_WARNING_SECONDS = 7 * 86400;

export type DenialKind = 'none' | 'nsec' | 'nsec3';

/** One RRset's signatures (same owner, class and covered type), shown by its earliest-expiring RRSIG. */
export interface SignatureIssue {
  /** Where that RRSIG is written. */
  source: SourcePosition;
  /** The type covered (a type number; typeToText for display). */
  covered: number;
  /** Owner name, presentation form, lowercase. */
  owner: string;
  expiration: Date;
}

export interface SignatureStatus {
  /** The apex has DNSKEY records and RRSIGs (the compiler's rule for serving DNSSEC). */
  signed: boolean;
  /**
   * The denial records present in a signed zone: NSEC3 when the apex has NSEC3PARAM and the zone
   * NSEC3 records, else NSEC when it has NSEC records; 'none' for an unsigned zone.
   */
  denial: DenialKind;
  /** The minimum expiration over every RRSIG in the zone; null when there is none. */
  earliestExpiration: Date | null;
  /** Signatures whose expiration is before `now`, earliest first. */
  expired: SignatureIssue[];
  /** Signatures valid at `now` that expire within the window, earliest first. */
  expiring: SignatureIssue[];
}

const TWO_32 = 0x1_0000_0000;
const HALF = 0x8000_0000;

/**
 * A 32-bit DNSSEC time (RFC 4034 §3.1.5: seconds since the epoch modulo 2^32, compared with RFC 1982
 * serial arithmetic) as the absolute time within 68 years of `now`.
 */
export function serialTime(value: number, now: Date): Date {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  let delta = (value - (nowSeconds % TWO_32) + TWO_32) % TWO_32;
  if (delta >= HALF) delta -= TWO_32;
  return new Date((nowSeconds + delta) * 1000);
}

/** The RRSIG fields this module reads: type covered (offset 0) and expiration (offset 8). */
function rrsigFields(rr: ResourceRecord): { covered: number; expiration: number } | null {
  const d = rr.rdata;
  if (d.length < 18) return null; // the parser never lets one through; other sources might
  return {
    covered: (d[0] << 8) | d[1],
    expiration: ((d[8] << 24) >>> 0) + (d[9] << 16) + (d[10] << 8) + d[11],
  };
}

/** Compare issues: earliest expiration first, then by file and line. */
function byExpiration(a: SignatureIssue, b: SignatureIssue): number {
  return (
    a.expiration.getTime() - b.expiration.getTime() ||
    (a.source.file < b.source.file ? -1 : a.source.file > b.source.file ? 1 : 0) ||
    a.source.line - b.source.line
  );
}

export function signatureStatus(zone: Zone, now: Date, windowSeconds: number): SignatureStatus {
  let apexKeys = false;
  let apexSigs = false;
  let nsec3param = false;
  let nsec = false;
  let nsec3 = false;
  let earliest = Infinity;
  // Per RRset: the earliest-expiring RRSIG among those covering it.
  const groups = new Map<string, { rr: ResourceRecord; covered: number; expiration: number }>();

  for (const rr of zone.records) {
    switch (rr.type) {
      case TYPE_DNSKEY:
        if (nameEquals(rr.owner, zone.origin)) apexKeys = true;
        break;
      case TYPE_NSEC3PARAM:
        if (nameEquals(rr.owner, zone.origin)) nsec3param = true;
        break;
      case TYPE_NSEC:
        nsec = true;
        break;
      case TYPE_NSEC3:
        nsec3 = true;
        break;
      case TYPE_RRSIG: {
        if (nameEquals(rr.owner, zone.origin)) apexSigs = true;
        const f = rrsigFields(rr);
        if (f === null) break;
        const expiration = serialTime(f.expiration, now).getTime();
        if (expiration < earliest) earliest = expiration;
        const key = `${rr.class}/${f.covered}/${lowerName(rr.owner).join(',')}`;
        const seen = groups.get(key);
        if (seen === undefined || expiration < seen.expiration) groups.set(key, { rr, covered: f.covered, expiration });
        break;
      }
    }
  }

  const nowMs = now.getTime();
  const horizon = nowMs + windowSeconds * 1000;
  const expired: SignatureIssue[] = [];
  const expiring: SignatureIssue[] = [];
  for (const g of groups.values()) {
    // RFC 4035 §5.3.1: a signature is still valid at its expiration time itself.
    if (g.expiration > horizon) continue;
    const issue: SignatureIssue = {
      source: g.rr.source,
      covered: g.covered,
      owner: nameToText(lowerName(g.rr.owner)),
      expiration: new Date(g.expiration),
    };
    (g.expiration < nowMs ? expired : expiring).push(issue);
  }
  expired.sort(byExpiration);
  expiring.sort(byExpiration);

  const signed = apexKeys && apexSigs;
  return {
    signed,
    denial: !signed ? 'none' : nsec3param && nsec3 ? 'nsec3' : nsec ? 'nsec' : 'none',
    earliestExpiration: earliest === Infinity ? null : new Date(earliest),
    expired,
    expiring,
  };
}
