// What each response of a tinydns-style zone contains (Zone.style 'tinydns'), decided the way
// tinydns (djbdns 1.05 tdlookup.c) answers:
//
// - A positive answer carries the zone's NS RRset in authority (unless the answer holds it) and
//   the addresses (A only) of every NS and MX target in answer and authority as additional data,
//   found anywhere in the data file, not only in the zone.
// - A CNAME is returned with the records of the asked type at the same name and not followed.
// - ANY returns every record at the name.
// - Wildcards: a name with no records of its own (an empty non-terminal included) is answered by
//   the nearest `*.` ancestor, whatever names lie between; without one, NXDOMAIN.
// - Negative answers carry the SOA with its own TTL (not lowered to its MINIMUM).
// - Delegations: every query at or below a cut (DS included) gets the referral.
// - Over 512 bytes, the additional section is left out whole, then the authority section.

import type { ResourceRecord, WireName } from '../zone/model.ts';
import { lowerName, nameLength } from '../zone/name.ts';
import { TYPE_A, TYPE_CNAME, TYPE_MX, TYPE_NS } from '../zone/types.ts';
import { belowName, once, RCODE_NOERROR, RCODE_NXDOMAIN, type Group } from './templates.ts';
import { type PlacedRRset, SECTION_ADDITIONAL, SECTION_ANSWER, SECTION_AUTHORITY, writeTemplate } from './template-writer.ts';
import { nameKey, type RRset, type TreeNode, type ZoneTree } from './zone-tree.ts';

/** The template groups of one node (the same without and with DO: tinydns data is never signed). */
export interface TinydnsNodePlan {
  types: { qtype: number; group: Group }[];
  defaultGroup: Group;
  any: Group;
  below: Group;
  /** The wildcard that answers names below this node that do not exist. */
  wildcard: TreeNode | null;
}

/** Orders of an address RRset served in turn (at most 4). */
function rotations(rdatas: Uint8Array[]): Uint8Array[][] {
  const n = rdatas.length;
  const count = Math.min(n, 4);
  const out: Uint8Array[][] = [];
  for (let k = 0; k < count; k++) {
    const start = Math.floor((k * n) / count);
    out.push([...rdatas.slice(start), ...rdatas.slice(0, start)]);
  }
  return out;
}

function isWildcard(node: TreeNode): boolean {
  return node.name[0] === 1 && node.name[1] === 0x2a;
}

export class TinydnsPlanner {
  private readonly tree: ZoneTree;
  /** A RRsets of names outside the zone, by lowercased name. */
  private readonly outside = new Map<string, RRset>();
  private readonly shared = new Map<string, Group>();
  private readonly apexNs: RRset;

  constructor(tree: ZoneTree, outsideAddresses: ResourceRecord[]) {
    this.tree = tree;
    for (const rr of outsideAddresses) {
      const owner = lowerName(rr.owner);
      const k = nameKey(owner);
      const set = this.outside.get(k);
      if (set) set.rdatas.push(rr.rdata);
      else this.outside.set(k, { owner, type: TYPE_A, ttl: rr.ttl, rdatas: [rr.rdata] });
    }
    this.apexNs = tree.apex.rrsets.get(TYPE_NS)!;
  }

  plan(node: TreeNode): TinydnsNodePlan {
    const cut = node.isCut ? node : node.occludedBy?.isCut ? node.occludedBy : null;
    if (cut) {
      const referral = this.referral(cut, cut !== node);
      return { types: [], defaultGroup: referral, any: referral, below: this.referral(cut, true), wildcard: null };
    }
    const wildcard = this.wildcardBelow(node);
    const below = this.negative(RCODE_NXDOMAIN);
    if (node.isEnt) {
      // No records of its own: the nearest wildcard above answers, else the name does not exist.
      const w = node.parent ? this.wildcardBelow(node.parent) : null;
      if (w) return { ...this.plan(w), below, wildcard };
      return { types: [], defaultGroup: below, any: below, below, wildcard };
    }
    const types: { qtype: number; group: Group }[] = [];
    for (const type of node.rrsets.keys()) types.push({ qtype: type, group: this.answer(node, [type]) });
    const cname = node.rrsets.has(TYPE_CNAME);
    const defaultGroup = cname ? this.answer(node, []) : this.negative(RCODE_NOERROR);
    // ANY: every RRset in the order the file gave them, addresses last (tinydns shuffles them there).
    const all = [...node.rrsets.keys()].filter((t) => t !== TYPE_A);
    if (node.rrsets.has(TYPE_A)) all.push(TYPE_A);
    return { types, defaultGroup, any: this.answer(node, all), below, wildcard };
  }

  /** `*.<n>` or the nearest wildcard above it, up to the apex; only one with records counts. */
  private wildcardBelow(node: TreeNode): TreeNode | null {
    for (let n: TreeNode | null = node; n; n = n.isApex ? null : n.parent) {
      if (n.wildcard && !n.wildcard.isEnt) return n.wildcard;
    }
    return null;
  }

  /** The RRsets of `types` at the node (and its CNAME, for any type), NS in authority, addresses in additional. */
  private answer(node: TreeNode, types: number[]): Group {
    const sets: RRset[] = [];
    const cname = node.rrsets.get(TYPE_CNAME);
    if (cname && !types.includes(TYPE_CNAME)) sets.push(cname);
    for (const t of types) sets.push(node.rrsets.get(t)!);
    const wildcard = isWildcard(node);
    const answer: PlacedRRset[] = sets.map((rrset) => ({ rrset, section: SECTION_ANSWER, ownerIsQname: true }));
    const authority: PlacedRRset[] = [];
    // tinydns adds the zone's NS RRset unless the answer holds it already.
    if (!(node.isApex && types.includes(TYPE_NS))) {
      authority.push({ rrset: this.apexNs, section: SECTION_AUTHORITY, ownerIsQname: false });
    }
    const named = [...sets, ...authority.map((p) => p.rrset)];
    // An address already in the answer is not repeated (tinydns: `want`).
    const inAnswer = types.includes(TYPE_A) && !wildcard ? nameKey(node.name) : null;
    const rest = [...authority, ...this.addresses(named, inAnswer)];
    // tinydns shuffles addresses: a few precomputed orders, served round-robin.
    const a = answer.findIndex((p) => p.rrset.type === TYPE_A);
    if (types.length === 1 && a >= 0) {
      return rotations(answer[a].rrset.rdatas).map((rdatas) => {
        const rotated = answer.map((p, i) => (i === a ? { ...p, rdatas } : p));
        return this.write(node.name, wildcard, RCODE_NOERROR, true, [...rotated, ...rest]);
      });
    }
    return [this.write(node.name, wildcard, RCODE_NOERROR, true, [...answer, ...rest])];
  }

  /** NXDOMAIN or NODATA: the SOA in authority, with its own TTL. */
  private negative(rcode: number): Group {
    return this.once(`negative/${rcode}`, () => {
      const soa: PlacedRRset = { rrset: this.tree.soa, section: SECTION_AUTHORITY, ownerIsQname: false };
      return [this.write(belowName(this.tree.apex.name), true, rcode, true, [soa])];
    });
  }

  /** The cut's NS RRset in authority, the addresses of its servers in additional; not authoritative. */
  private referral(cut: TreeNode, below: boolean): Group {
    return this.once(`referral/${cut.key}/${below}`, () => {
      const ns = cut.rrsets.get(TYPE_NS)!;
      const authority: PlacedRRset = { rrset: ns, section: SECTION_AUTHORITY, ownerIsQname: !below };
      return [this.write(below ? belowName(cut.name) : cut.name, below, RCODE_NOERROR, false, [authority, ...this.addresses([ns], null)])];
    });
  }

  /** A records of the NS and MX targets of these RRsets, each name once, from the zone or outside it. */
  private addresses(sets: RRset[], skip: string | null): PlacedRRset[] {
    const out: PlacedRRset[] = [];
    const seen = new Set<string>(skip === null ? [] : [skip]);
    for (const set of sets) {
      if (set.type !== TYPE_NS && set.type !== TYPE_MX) continue;
      for (const rdata of set.rdatas) {
        const at = set.type === TYPE_MX ? rdata.subarray(2) : rdata;
        const target = lowerName(at.subarray(0, nameLength(at, 0)));
        const k = nameKey(target);
        if (seen.has(k)) continue;
        seen.add(k);
        const a = this.tree.get(target)?.rrsets.get(TYPE_A) ?? this.outside.get(k);
        if (a) out.push({ rrset: a, section: SECTION_ADDITIONAL, ownerIsQname: false, namedBy: rdata });
      }
    }
    return out;
  }

  private write(nominal: WireName, belowMode: boolean, rcode: number, aa: boolean, rrsets: PlacedRRset[]): Uint8Array {
    return writeTemplate({ nominal, belowMode, rcode, aa, rrsets, tinydns: true });
  }

  private once(key: string, make: () => Group): Group {
    return once(this.shared, key, make);
  }
}
