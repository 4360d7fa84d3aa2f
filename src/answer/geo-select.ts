// Which geo view answers a query: built once per generation from a zone's view images (the
// selector blocks of image/geo-view.ts), then asked per query without allocating. An owner is
// found by the query name's hash (exact), else by a wildcard owner `*.P` for the closest P among
// the name's ancestors that the geo file names (Knot's trie_get_try_wildcard); its views are
// tried most specific first — subnet views by prefix length, then the order written; geodb views
// as the networks compiled from the MaxMind DB — and the first that holds the address answers,
// its prefix length being the ECS scope. Weighted views are drawn at random by weight.

import {
  GEO_PREFIXES, GEO_WEIGHTED, PREFIX_WORDS, selectorWord, V_ADDRESS, V_BITS, V_FAMILY, V_MODE, V_ORDER,
  V_OWNER_LEN, V_PREFIXES, V_WEIGHT, V_WILDCARD, V_WORDS,
} from '../image/geo-view.ts';
import { hashName } from '../image/name-hash.ts';
import type { ZoneImage } from '../image/zone-image.ts';
import type { NameScratch } from './query.ts';

interface Owner {
  name: Uint8Array;
  /** Hash of the name (exact owners) or of the name without its `*` label (wildcards). */
  hash: number;
  wildcard: boolean;
  weighted: boolean;
  /** Networks, most specific first: family, bits, 4 address words, and the view each selects. */
  family: Uint8Array;
  bits: Uint8Array;
  address: Uint32Array;
  view: ZoneImage[];
  /** Weighted: cumulative weights (exclusive upper bounds), their total. */
  cumulative: Uint32Array;
  total: number;
}

export class GeoSelector {
  private readonly owners: Owner[];
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly hasWildcards: boolean;
  /** ECS scope of the last select() that found a view (0 when none did). */
  scope = 0;
  private seed = (Math.random() * 0xffffffff) >>> 0 || 1;

  constructor(views: readonly ZoneImage[]) {
    const byOwner = new Map<string, { name: Uint8Array; wildcard: boolean; weighted: boolean; nets: { family: number; bits: number; w: number[]; view: ZoneImage; order: number; weight: number }[] }>();
    for (const view of views) {
      const u32 = view.u32;
      const v = selectorWord(u32);
      const name = view.bytes.slice((v + V_WORDS) * 4, (v + V_WORDS) * 4 + u32[v + V_OWNER_LEN]);
      const key = Buffer.from(name).toString('latin1');
      let o = byOwner.get(key);
      if (o === undefined) byOwner.set(key, (o = { name, wildcard: u32[v + V_WILDCARD] === 1, weighted: u32[v + V_MODE] === GEO_WEIGHTED, nets: [] }));
      const order = u32[v + V_ORDER];
      const weight = u32[v + V_WEIGHT];
      if (u32[v + V_MODE] === GEO_PREFIXES) {
        const count = u32[v + V_PREFIXES];
        let p = v + V_WORDS + ((name.length + 3) >> 2);
        for (let i = 0; i < count; i++, p += PREFIX_WORDS) {
          o.nets.push({ family: u32[p], bits: u32[p + 1], w: [u32[p + 2], u32[p + 3], u32[p + 4], u32[p + 5]], view, order, weight });
        }
      } else {
        o.nets.push({ family: u32[v + V_FAMILY], bits: u32[v + V_BITS], w: [u32[v + V_ADDRESS], u32[v + V_ADDRESS + 1], u32[v + V_ADDRESS + 2], u32[v + V_ADDRESS + 3]], view, order, weight });
      }
    }
    this.owners = [...byOwner.values()].map((o) => {
      const nets = o.weighted ? o.nets.sort((a, b) => a.order - b.order) : o.nets.sort((a, b) => b.bits - a.bits || a.order - b.order);
      const cumulative = new Uint32Array(nets.length);
      let total = 0;
      nets.forEach((n, i) => (cumulative[i] = total += n.weight));
      const start = o.wildcard ? 2 : 0;
      return {
        name: o.name,
        hash: hashName(o.name, start, o.name.length - 1),
        wildcard: o.wildcard,
        weighted: o.weighted,
        family: Uint8Array.from(nets.map((n) => n.family)),
        bits: Uint8Array.from(nets.map((n) => n.bits)),
        address: Uint32Array.from(nets.flatMap((n) => n.w)),
        view: nets.map((n) => n.view),
        cumulative,
        total,
      };
    });
    let size = 8;
    while (size < this.owners.length * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.owners.forEach((o, i) => {
      let slot = o.hash & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = i + 1;
    });
    this.hasWildcards = this.owners.some((o) => o.wildcard);
  }

  /**
   * The view image answering `name` for a client at `address` (family 4: bytes 0..3), or null
   * (no owner, or no view holds the address): then the zone answers as usual. Sets `scope`.
   */
  select(name: NameScratch, family: number, address: Uint8Array): ZoneImage | null {
    this.scope = 0;
    let owner = this.find(name, 0, false);
    if (owner === null && this.hasWildcards) {
      for (let k = 1; k < name.labelCount && owner === null; k++) {
        if (this.find(name, k, false) !== null) return null; // the geo file names this ancestor itself
        owner = this.find(name, k, true);
      }
    }
    if (owner === null) return null;
    if (owner.weighted) {
      if (owner.total === 0) return null;
      const r = this.next() % owner.total;
      for (let i = 0; i < owner.cumulative.length; i++) if (r < owner.cumulative[i]) return owner.view[i];
      return null;
    }
    const a0 = ((address[0] << 24) | (address[1] << 16) | (address[2] << 8) | address[3]) >>> 0;
    const a1 = family === 6 ? ((address[4] << 24) | (address[5] << 16) | (address[6] << 8) | address[7]) >>> 0 : 0;
    const a2 = family === 6 ? ((address[8] << 24) | (address[9] << 16) | (address[10] << 8) | address[11]) >>> 0 : 0;
    const a3 = family === 6 ? ((address[12] << 24) | (address[13] << 16) | (address[14] << 8) | address[15]) >>> 0 : 0;
    const w = owner.address;
    for (let i = 0; i < owner.view.length; i++) {
      if (owner.family[i] !== family) continue;
      const bits = owner.bits[i];
      if (!prefixMatch(a0, w[i * 4], bits) || !prefixMatch(a1, w[i * 4 + 1], bits - 32) || !prefixMatch(a2, w[i * 4 + 2], bits - 64) || !prefixMatch(a3, w[i * 4 + 3], bits - 96)) continue;
      this.scope = bits;
      return owner.view[i];
    }
    return null;
  }

  /** The owner named by the suffix of `name` at label k (exact), or whose `*.` parent it is. */
  private find(name: NameScratch, k: number, wildcard: boolean): Owner | null {
    const hash = name.hashes[k];
    const start = name.labelStarts[k];
    const length = name.length - start;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.table[slot];
      if (entry === 0) return null;
      const o = this.owners[entry - 1];
      if (o.hash !== hash || o.wildcard !== wildcard || o.name.length - (wildcard ? 2 : 0) !== length) continue;
      const off = wildcard ? 2 : 0;
      let i = 0;
      while (i < length && o.name[off + i] === name.name[start + i]) i++;
      if (i === length) return o;
    }
  }

  /** xorshift32: weighted draws, no allocation. */
  private next(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }
}

/** Do the top `bits` (≤ 0: none, ≥ 32: all) bits of a and b agree? */
function prefixMatch(a: number, b: number, bits: number): boolean {
  if (bits <= 0) return true;
  if (bits >= 32) return a === b;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}
