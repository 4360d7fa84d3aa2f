// Read-only view of one compiled zone image, as workers use it: node lookup by name hash
// and access to template groups. Built once per image per generation, never per query.

import type { GeoSelector } from '../answer/geo-select.ts';
import { IMAGE_GEO_VIEW } from './geo-view.ts';
import {
  H_APEX, H_APEX_LEN, H_FLAGS, H_HASH, H_HASH_MASK, H_LOCATION, H_MAGIC, H_METRICS_SLOT, H_NODES, H_NODE_COUNT, H_SERIAL,
  H_VERSION, IMAGE_MAGIC, IMAGE_EXPIRED, IMAGE_TINYDNS, IMAGE_VERSION, NODE_WORDS, N_HASH, N_NAME, N_NAMELEN,
} from './layout.ts';

export class ZoneImage {
  readonly image: SharedArrayBuffer;
  readonly bytes: Uint8Array;
  readonly u32: Uint32Array;
  readonly u16: Uint16Array;
  readonly apexOffset: number;
  readonly apexLength: number;
  readonly serial: number;
  /** An expired secondary zone: answered SERVFAIL (layout.ts IMAGE_EXPIRED). */
  readonly expired: boolean;
  private readonly hashWord: number;
  private readonly mask: number;
  /** Word index of node 0's record. */
  readonly nodesWord: number;
  readonly nodeCount: number;
  /** Answers as tinydns does (its DS at the apex is its own). */
  readonly tinydns: boolean;
  /** tinydns location this image answers (0: clients of no other image of the zone). */
  readonly location: number;
  /** A view of a zone's geo file (image/geo-view.ts), not a zone of its own. */
  readonly geoView: boolean;
  /** The zone's geo views, by owner (set on the zone's main image); null: none. */
  geo: GeoSelector | null = null;
  /** Cell of the per-zone query counters (src/worker/counters.ts), -1: not counted. */
  readonly metricsSlot: number;
  /** The zone's images for other locations (set on the image for every other client); null: none. */
  variants: ZoneImage[] | null = null;

  constructor(image: SharedArrayBuffer) {
    this.image = image;
    this.bytes = new Uint8Array(image);
    this.u32 = new Uint32Array(image);
    this.u16 = new Uint16Array(image);
    const h = this.u32;
    if (h[H_MAGIC] !== IMAGE_MAGIC || h[H_VERSION] !== IMAGE_VERSION) {
      throw new Error('not a Peregrine zone image of this version');
    }
    this.apexOffset = h[H_APEX];
    this.apexLength = h[H_APEX_LEN];
    this.serial = h[H_SERIAL];
    this.expired = (h[H_FLAGS] & IMAGE_EXPIRED) !== 0;
    this.hashWord = h[H_HASH] >>> 2;
    this.mask = h[H_HASH_MASK];
    this.nodesWord = h[H_NODES] >>> 2;
    this.nodeCount = h[H_NODE_COUNT];
    this.tinydns = (h[H_FLAGS] & IMAGE_TINYDNS) !== 0;
    this.location = h[H_LOCATION];
    this.geoView = (h[H_FLAGS] & IMAGE_GEO_VIEW) !== 0;
    this.metricsSlot = h[H_METRICS_SLOT] - 1;
  }

  /** Same apex? */
  sameApex(other: ZoneImage): boolean {
    return this.isApex(other.bytes, other.apexOffset, other.apexLength);
  }

  /**
   * Index of the node whose lowercased name equals name[start .. start+length), or -1.
   * `hash` is hashName of that name.
   */
  findNode(name: Uint8Array, start: number, length: number, hash: number): number {
    const u32 = this.u32;
    const bytes = this.bytes;
    let slot = hash & this.mask;
    for (;;) {
      const entry = u32[this.hashWord + slot];
      if (entry === 0) return -1;
      const rec = this.nodesWord + (entry - 1) * NODE_WORDS;
      if (u32[rec + N_HASH] === hash && (u32[rec + N_NAMELEN] & 0xffff) === length) {
        const off = u32[rec + N_NAME];
        let i = 0;
        while (i < length && bytes[off + i] === name[start + i]) i++;
        if (i === length) return entry - 1;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Word index of a node's record. */
  node(index: number): number {
    return this.nodesWord + index * NODE_WORDS;
  }

  /** The apex name equals name[start .. start+length)? */
  isApex(name: Uint8Array, start: number, length: number): boolean {
    if (length !== this.apexLength) return false;
    const bytes = this.bytes;
    const off = this.apexOffset;
    for (let i = 0; i < length; i++) if (bytes[off + i] !== name[start + i]) return false;
    return true;
  }
}

/** A copy of `image` flagged expired (the original stays untouched: workers may still read it). */
export function expiredCopy(image: SharedArrayBuffer): SharedArrayBuffer {
  const copy = new SharedArrayBuffer(image.byteLength);
  new Uint8Array(copy).set(new Uint8Array(image));
  new Uint32Array(copy)[H_FLAGS] |= IMAGE_EXPIRED;
  return copy;
}
