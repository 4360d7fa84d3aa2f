// Query-time searches of a signed zone's denial chains: the NSEC covering a query name (by
// canonical order) and the NSEC3 covering a hash. Both are binary searches over the tables
// laid out in image/layout.ts, with no allocation.

import type { ZoneImage } from '../image/zone-image.ts';
import { H_NSEC3_TABLE, H_NSEC_TABLE } from '../image/layout.ts';
import { Sha1 } from './sha1.ts';
import { hashName } from '../image/name-hash.ts';

const CACHE_SIZE = 1024;
const CACHE_MASK = CACHE_SIZE - 1;

export class DenialSearch {
  /** The query name's labels right to left, [length][bytes] each. */
  private readonly key = new Uint8Array(256);
  private readonly hash = new Uint8Array(20);
  private readonly sha1 = new Sha1();
  private readonly cacheZones: (ZoneImage | null)[] = new Array(CACHE_SIZE).fill(null);
  /** Per slot: the name's length (byte 0) and bytes; names are at most 255 bytes. */
  private readonly cacheNames = new Uint8Array(CACHE_SIZE * 256);
  private readonly cacheIds = new Uint32Array(CACHE_SIZE);

  /**
   * Fragment id of the NSEC covering the lowercased name whose labels start at
   * labelStarts[from..count) (the greatest owner ≤ name, wrapping to the last).
   */
  nsecCovering(zone: ZoneImage, name: Uint8Array, labelStarts: Int32Array, from: number, count: number): number {
    const key = this.key;
    let keyLen = 0;
    for (let k = count - 1; k >= from; k--) {
      const s = labelStarts[k];
      const l = name[s];
      for (let i = 0; i <= l; i++) key[keyLen + i] = name[s + i];
      keyLen += l + 1;
    }
    const u32 = zone.u32;
    const table = u32[H_NSEC_TABLE] >>> 2;
    const n = u32[table];
    let lo = 0;
    let hi = n - 1;
    let found = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = table + 1 + mid * 3;
      if (compareKeys(zone.bytes, u32[e], u32[e + 1], key, keyLen) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return n === 0 ? 0 : u32[table + 1 + found * 3 + 2];
  }

  /**
   * Fragment id of the NSEC3 covering the hash of name[start, start+length) (lowercased).
   * Answers are cached per name (direct-mapped, preallocated): the same missing names come
   * back, and each costs iterations + 1 SHA-1 computations.
   */
  nsec3Covering(
    zone: ZoneImage, name: Uint8Array, start: number, length: number,
    hash = hashName(name, start, start + length - 1),
  ): number {
    const slot = (hash & CACHE_MASK) >>> 0;
    const at = slot * 256;
    const cached = this.cacheNames;
    if (this.cacheZones[slot] === zone && cached[at] === length) {
      let i = 0;
      while (i < length && cached[at + 1 + i] === name[start + i]) i++;
      if (i === length) return this.cacheIds[slot];
    }
    const id = this.searchNsec3(zone, name, start, length);
    this.cacheZones[slot] = zone;
    cached[at] = length;
    for (let i = 0; i < length; i++) cached[at + 1 + i] = name[start + i];
    this.cacheIds[slot] = id;
    return id;
  }

  private searchNsec3(zone: ZoneImage, name: Uint8Array, start: number, length: number): number {
    const u32 = zone.u32;
    const bytes = zone.bytes;
    const table = u32[H_NSEC3_TABLE] >>> 2;
    const n = u32[table];
    const iterations = u32[table + 1];
    const saltAt = u32[table + 2];
    const saltLen = u32[table + 3];
    const h = this.hash;
    this.sha1.digest(name, start, length, bytes, saltAt, saltLen, h);
    for (let i = 0; i < iterations; i++) this.sha1.digest(h, 0, 20, bytes, saltAt, saltLen, h);
    let lo = 0;
    let hi = n - 1;
    let found = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = u32[table + 4 + mid * 2];
      let c = 0;
      for (let i = 0; i < 20 && c === 0; i++) c = bytes[at + i] - h[i];
      if (c <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return n === 0 ? 0 : u32[table + 4 + found * 2 + 1];
  }
}

/** RFC 4034 §6.1 order of two reversed-label keys (labels already lowercased). */
function compareKeys(a: Uint8Array, aStart: number, aLen: number, b: Uint8Array, bLen: number): number {
  let i = aStart;
  const aEnd = aStart + aLen;
  let j = 0;
  while (i < aEnd && j < bLen) {
    const la = a[i];
    const lb = b[j];
    const n = la < lb ? la : lb;
    for (let k = 1; k <= n; k++) {
      const d = a[i + k] - b[j + k];
      if (d !== 0) return d;
    }
    if (la !== lb) return la - lb;
    i += la + 1;
    j += lb + 1;
  }
  return (i < aEnd ? 1 : 0) - (j < bLen ? 1 : 0);
}
