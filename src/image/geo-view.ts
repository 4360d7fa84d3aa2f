// Geo views in images. A zone with a geo file (`--geo`) is published as its main image plus one
// image per (owner, view): a small zone compiled from the main zone's apex, the view's RRsets at
// the owner and what a CNAME there leads to, flagged IMAGE_GEO_VIEW. Its selector — which owner
// it answers for, and for which clients — is a block of u32 words appended after the image proper
// (at H_LENGTH, 4-aligned), written once by the primary, read by workers when a generation is set
// (src/answer/geo-select.ts) to build the zone's per-owner view table.
//
// Selector block (u32 words, machine order, at word V = align4(H_LENGTH) / 4):
//   V+0  GEO_MAGIC 'PGEV'
//   V+1  mode: GEO_SUBNET, GEO_WEIGHTED, GEO_PREFIXES (geodb, compiled to prefixes)
//   V+2  order: the view's index in its owner's list, as written (ties go to the first)
//   V+3  owner length L (lowercased wire name, at V+WORDS, padded to 4 bytes)
//   V+4  family 4 or 6 (subnet), 0 otherwise
//   V+5  prefix bits (subnet)
//   V+6..V+9  network address, 4 words, big-endian bytes packed high first (IPv4: V+6 only)
//   V+10 weight (weighted)
//   V+11 wildcard: 1 if the owner is `*.` something (matches names below its parent)
//   V+12 prefix count P (GEO_PREFIXES: the networks this view answers, found in the MaxMind DB)
//   then the owner name (L bytes, padded), then P × {u32 family, u32 bits, 4 × u32 address}

import { H_FLAGS, H_LENGTH } from './layout.ts';

export const GEO_MAGIC = 0x50474556; // 'PGEV'
/** H_FLAGS bit: this image is one view of a zone's geo file (see above). */
export const IMAGE_GEO_VIEW = 16;
export const GEO_SUBNET = 1;
export const GEO_WEIGHTED = 2;
export const GEO_PREFIXES = 3;

export const V_MAGIC = 0;
export const V_MODE = 1;
export const V_ORDER = 2;
export const V_OWNER_LEN = 3;
export const V_FAMILY = 4;
export const V_BITS = 5;
export const V_ADDRESS = 6;
export const V_WEIGHT = 10;
export const V_WILDCARD = 11;
export const V_PREFIXES = 12;
export const V_WORDS = 13;
export const PREFIX_WORDS = 6;

export interface GeoNetwork {
  family: 4 | 6;
  bits: number;
  /** 4 (IPv4) or 16 bytes. */
  bytes: number[];
}

export interface ViewSelector {
  mode: number;
  order: number;
  owner: Uint8Array;
  net?: GeoNetwork;
  weight?: number;
  prefixes?: GeoNetwork[];
}

/** Four words from 4 or 16 address bytes (IPv4 in word 0). */
export function addressWords(bytes: ArrayLike<number>): [number, number, number, number] {
  const w: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < bytes.length; i++) w[i >> 2] = (w[i >> 2] | (bytes[i] << (24 - 8 * (i & 3)))) >>> 0;
  return w;
}

/** A copy of `image` with the view's selector block appended and IMAGE_GEO_VIEW set. */
export function withSelector(image: SharedArrayBuffer, s: ViewSelector): SharedArrayBuffer {
  const src = new Uint32Array(image);
  const base = (src[H_LENGTH] + 3) & ~3;
  const prefixes = s.prefixes ?? [];
  const words = V_WORDS + ((s.owner.length + 3) >> 2) + prefixes.length * PREFIX_WORDS;
  const out = new SharedArrayBuffer(base + words * 4);
  new Uint8Array(out).set(new Uint8Array(image, 0, src[H_LENGTH]));
  const u32 = new Uint32Array(out);
  u32[H_FLAGS] |= IMAGE_GEO_VIEW;
  const v = base >> 2;
  u32[v + V_MAGIC] = GEO_MAGIC;
  u32[v + V_MODE] = s.mode;
  u32[v + V_ORDER] = s.order;
  u32[v + V_OWNER_LEN] = s.owner.length;
  if (s.net !== undefined) {
    u32[v + V_FAMILY] = s.net.family;
    u32[v + V_BITS] = s.net.bits;
    u32.set(addressWords(s.net.bytes), v + V_ADDRESS);
  }
  u32[v + V_WEIGHT] = s.weight ?? 0;
  u32[v + V_WILDCARD] = s.owner[0] === 1 && s.owner[1] === 0x2a ? 1 : 0;
  u32[v + V_PREFIXES] = prefixes.length;
  new Uint8Array(out).set(s.owner, (v + V_WORDS) * 4);
  let p = v + V_WORDS + ((s.owner.length + 3) >> 2);
  for (const n of prefixes) {
    u32[p] = n.family;
    u32[p + 1] = n.bits;
    u32.set(addressWords(n.bytes), p + 2);
    p += PREFIX_WORDS;
  }
  return out;
}

/** Word index of an image's selector block (valid only when IMAGE_GEO_VIEW is set). */
export function selectorWord(u32: Uint32Array): number {
  return ((u32[H_LENGTH] + 3) & ~3) >> 2;
}
