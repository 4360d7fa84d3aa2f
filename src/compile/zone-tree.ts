// The zone as a tree of nodes with RRsets, adjusted once at load (apex, cuts, occluded names,
// empty non-terminals, wildcard children) so template building never searches twice.

import type { ResourceRecord, WireName, Zone } from '../zone/model.ts';
import { isSubdomain, lowerName, parentName } from '../zone/name.ts';
import {
  TYPE_DNAME, TYPE_NS, TYPE_NSEC3, TYPE_RRSIG, TYPE_SOA, CLASS_IN,
} from '../zone/types.ts';

export interface RRset {
  /** Lowercased owner. */
  owner: WireName;
  type: number;
  ttl: number;
  rdatas: Uint8Array[];
}

export interface TreeNode {
  name: WireName;
  key: string;
  rrsets: Map<number, RRset>;
  /** RRSIG records split by the type they cover (read-only: shared while empty). */
  sigs: Map<number, RRset>;
  parent: TreeNode | null;
  isApex: boolean;
  /** Has NS and is not the apex: a delegation point. */
  isCut: boolean;
  /** The nearest cut or DNAME node strictly above this one, if any. */
  occludedBy: TreeNode | null;
  /** No RRsets of its own (exists only because a descendant does). */
  isEnt: boolean;
  wildcard: TreeNode | null;
  index: number;
}

export function nameKey(lowered: WireName): string {
  // One flat string in one call (a name is at most 255 bytes): concatenating a char at a time
  // left a rope of a dozen strings per name to flatten, for a million names.
  return String.fromCharCode.apply(null, lowered as unknown as number[]);
}

/** The name itself when it has no upper-case letter (most names), else a lowercased copy. */
function lowered(name: WireName): WireName {
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c >= 0x41 && c <= 0x5a) return lowerName(name);
  }
  return name;
}

/**
 * The `sigs` of every node without signatures (all of an unsigned zone's): one empty map, never
 * written (ZoneTree.add gives a node its own map at its first RRSIG). Two maps per node were
 * ~200 bytes of a million-name zone's nodes each.
 */
const NO_SIGS: Map<number, RRset> = new Map();

function isWildcardLabel(name: WireName): boolean {
  return name[0] === 1 && name[1] === 0x2a;
}

/** The outcome of looking a name up at compile time, with the same rules workers apply. */
export type Resolution =
  | { kind: 'node'; node: TreeNode; wildcard: boolean }
  | { kind: 'referral'; cut: TreeNode }
  | { kind: 'dname'; node: TreeNode }
  /** `ce`: the closest encloser, the longest existing suffix of the name. */
  | { kind: 'nxdomain'; ce: TreeNode }
  | { kind: 'outside' };

export class ZoneTree {
  readonly apex: TreeNode;
  readonly nodes = new Map<string, TreeNode>();
  /**
   * NSEC3 records and their signatures live apart: their owners are hashes, not names of the
   * zone (RFC 5155 §7.2.8 — a query for one is answered as for any name that does not exist).
   */
  readonly nsec3Nodes = new Map<string, TreeNode>();
  readonly soa: RRset;
  readonly recordCount: number;

  /** An RRset whose records have different TTLs takes its last record's, as Knot serves it (tinydns style: the lowest). */
  private readonly lastTtlWins: boolean;

  constructor(zone: Zone) {
    this.lastTtlWins = zone.style !== 'tinydns';
    const origin = lowerName(zone.origin);
    let count = 0;
    for (const rr of zone.records) {
      if (rr.class !== CLASS_IN) continue;
      this.add(rr);
      count++;
    }
    this.recordCount = count;
    const apex = this.nodes.get(nameKey(origin));
    const soa = apex?.rrsets.get(TYPE_SOA);
    if (!apex || !soa) throw new Error('zone has no SOA at its apex');
    this.apex = apex;
    this.soa = soa;
    this.adjust(origin);
  }

  /** The last record's owner (the same array for every line of one owner) and its node. */
  private lastOwner: WireName | null = null;
  private lastNode: TreeNode | null = null;

  private add(rr: ResourceRecord): void {
    const covered = rr.type === TYPE_RRSIG && rr.rdata.length >= 2 ? (rr.rdata[0] << 8) | rr.rdata[1] : 0;
    const apart = rr.type === TYPE_NSEC3 || covered === TYPE_NSEC3;
    let node: TreeNode;
    if (rr.owner === this.lastOwner && !apart) {
      node = this.lastNode!;
    } else {
      node = this.nodeFor(lowered(rr.owner), apart ? this.nsec3Nodes : this.nodes);
      this.lastOwner = apart ? null : rr.owner;
      this.lastNode = node;
    }
    const owner = node.name;
    if (addTo(node.rrsets, rr.type, owner, rr.type, rr, this.lastTtlWins) && covered !== 0) {
      if (node.sigs === NO_SIGS) node.sigs = new Map();
      addTo(node.sigs, covered, owner, TYPE_RRSIG, rr, this.lastTtlWins);
    }
  }

  private nodeFor(lowered: WireName, map = this.nodes): TreeNode {
    const key = nameKey(lowered);
    let node = map.get(key);
    if (!node) {
      node = {
        name: lowered, key, rrsets: new Map(), sigs: NO_SIGS, parent: null, isApex: false,
        isCut: false, occludedBy: null, isEnt: false, wildcard: null, index: 0,
      };
      map.set(key, node);
    }
    return node;
  }

  private adjust(origin: WireName): void {
    // Create empty non-terminals and link parents.
    for (const node of [...this.nodes.values()]) {
      let child = node;
      while (child.name.length > origin.length) {
        // A copy, not parentName's view: a view of a small on-heap name moves its bytes into a
        // malloc()ed buffer of their own, a million of them for a million names.
        const parentLowered = child.name.slice(child.name[0] + 1);
        const existed = this.nodes.has(nameKey(parentLowered));
        const parent = this.nodeFor(parentLowered);
        child.parent = parent;
        if (isWildcardLabel(child.name)) parent.wildcard = child;
        if (existed) break;
        child = parent;
      }
    }
    this.apex.isApex = true;
    // Breadth by depth so a parent's occlusion is known before its children.
    const ordered = [...this.nodes.values()].sort((a, b) => a.name.length - b.name.length);
    let index = 0;
    for (const node of ordered) {
      node.index = index++;
      node.isEnt = node.rrsets.size === 0;
      node.isCut = !node.isApex && node.rrsets.has(TYPE_NS);
      const p = node.parent;
      if (p) {
        if (p.occludedBy) node.occludedBy = p.occludedBy;
        else if (p.isCut || p.rrsets.has(TYPE_DNAME)) node.occludedBy = p;
      }
    }
  }

  get(lowered: WireName): TreeNode | undefined {
    return this.nodes.get(nameKey(lowered));
  }

  /** Look a name up as a worker would for a query (used for CNAME chains and additionals). */
  resolve(name: WireName): Resolution {
    const lowered = lowerName(name);
    if (!isSubdomain(lowered, this.apex.name)) return { kind: 'outside' };
    const exact = this.get(lowered);
    if (exact) {
      if (exact.occludedBy) return exact.occludedBy.isCut ? { kind: 'referral', cut: exact.occludedBy } : { kind: 'dname', node: exact.occludedBy };
      if (exact.isCut) return { kind: 'referral', cut: exact };
      return { kind: 'node', node: exact, wildcard: false };
    }
    let ce: TreeNode | undefined;
    for (let n = parentName(lowered); ce === undefined; n = parentName(n)) {
      ce = n.length <= this.apex.name.length ? this.apex : this.get(n);
    }
    if (ce.occludedBy) return ce.occludedBy.isCut ? { kind: 'referral', cut: ce.occludedBy } : { kind: 'dname', node: ce.occludedBy };
    if (ce.isCut) return { kind: 'referral', cut: ce };
    if (ce.rrsets.has(TYPE_DNAME)) return { kind: 'dname', node: ce };
    if (ce.wildcard) return { kind: 'node', node: ce.wildcard, wildcard: true };
    return { kind: 'nxdomain', ce };
  }

}

/** Adds a record to the RRset under `key`; false when the same record was there already. */
function addTo(map: Map<number, RRset>, key: number, owner: WireName, type: number, rr: ResourceRecord, lastTtlWins: boolean): boolean {
  let set = map.get(key);
  if (!set) {
    // A literal of one: `[]` and a push reserve room for 17 (≈130 bytes per RRset of one record).
    map.set(key, { owner, type, ttl: rr.ttl, rdatas: [rr.rdata] });
    return true;
  } else if (lastTtlWins ? rr.ttl !== set.ttl : rr.ttl < set.ttl) {
    // RFC 2181 §5.2: one TTL per RRset; `check` warns of the mismatch. Knot (and so Peregrine)
    // serves the TTL of the RRset's last record in the file (test/interop/zone-acceptance.test.ts).
    set.ttl = rr.ttl;
  }
  for (const r of set.rdatas) if (sameBytes(r, rr.rdata)) return false;
  set.rdatas.push(rr.rdata);
  return true;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
