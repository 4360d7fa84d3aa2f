// Decides what each kind of response contains (positive, CNAME chain, NODATA, NXDOMAIN,
// referral, ANY, DNAME) and has template-writer.ts serialize it. Decide, then encode.

import type { WireName } from '../zone/model.ts';
import { nameLength } from '../zone/name.ts';
import {
  TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_DS, TYPE_MX, TYPE_NS, TYPE_SRV, TYPE_SOA, TYPE_RRSIG,
  TYPE_NSEC,
} from '../zone/types.ts';
import type { RRset, TreeNode, ZoneTree } from './zone-tree.ts';
import { lowerName } from '../zone/name.ts';
import {
  type PlacedRRset, SECTION_ADDITIONAL, SECTION_ANSWER, SECTION_AUTHORITY, writeTemplate,
} from './template-writer.ts';

export const RCODE_NOERROR = 0;
export const RCODE_NXDOMAIN = 3;

/** Longest CNAME chain followed inside a zone (Knot and BIND stop well before loops matter). */
const MAX_CHAIN = 12;
/** How many record orders of a multi-address RRset are precomputed for round-robin. */
const MAX_ROTATIONS = 4;

export type Group = Uint8Array[];

function belowName(name: WireName): WireName {
  const out = new Uint8Array(name.length + 2);
  out[0] = 1;
  out[1] = 0x2a;
  out.set(name, 2);
  return out;
}

/** Where the types of records that trigger additional-section processing keep their target. */
function additionalTarget(type: number, rdata: Uint8Array): Uint8Array | null {
  if (type === TYPE_NS) return rdata;
  if (type === TYPE_MX) return rdata.subarray(2);
  if (type === TYPE_SRV) return rdata.subarray(6);
  return null;
}

export class TemplateFactory {
  private readonly tree: ZoneTree;
  private readonly negativeSoa: RRset;
  private nodataGroup: Group | null = null;
  private nxdomainGroup: Group | null = null;
  private readonly referralGroups = new Map<TreeNode, Group>();

  constructor(tree: ZoneTree) {
    this.tree = tree;
    const soa = tree.soa;
    const rdata = soa.rdatas[0];
    const m = nameLength(rdata, 0);
    const r = nameLength(rdata, m);
    const minimum = new DataView(rdata.buffer, rdata.byteOffset + m + r + 16, 4).getUint32(0);
    // RFC 2308 §5: the negative TTL is the lower of the SOA's TTL and its MINIMUM field.
    this.negativeSoa = { ...soa, ttl: Math.min(soa.ttl, minimum) };
  }

  private soaAuthority(): PlacedRRset {
    return { rrset: this.negativeSoa, section: SECTION_AUTHORITY, ownerIsQname: false };
  }

  nodata(): Group {
    this.nodataGroup ??= [writeTemplate({
      nominal: belowName(this.tree.apex.name), belowMode: true, rcode: RCODE_NOERROR, aa: true,
      rrsets: [this.soaAuthority()],
    })];
    return this.nodataGroup;
  }

  nxdomain(): Group {
    this.nxdomainGroup ??= [writeTemplate({
      nominal: belowName(this.tree.apex.name), belowMode: true, rcode: RCODE_NXDOMAIN, aa: true,
      rrsets: [this.soaAuthority()],
    })];
    return this.nxdomainGroup;
  }

  /** A/AAAA of in-zone targets of NS, MX and SRV records (RFC 1035 §3.3 additional processing). */
  private additionals(sets: RRset[], seen: Set<string>): PlacedRRset[] {
    const out: PlacedRRset[] = [];
    for (const set of sets) {
      for (const rdata of set.rdatas) {
        const target = additionalTarget(set.type, rdata);
        if (!target) continue;
        const node = this.tree.get(lowerName(target));
        if (!node) continue;
        for (const type of [TYPE_A, TYPE_AAAA]) {
          const rr = node.rrsets.get(type);
          const key = `${node.key}/${type}`;
          if (!rr || seen.has(key)) continue;
          seen.add(key);
          out.push({ rrset: rr, section: SECTION_ADDITIONAL, ownerIsQname: false });
        }
      }
    }
    return out;
  }

  /** The node's own RRset, with as many record orders as round-robin wants. */
  positive(node: TreeNode, type: number, wildcard: boolean): Group {
    const rrset = node.rrsets.get(type)!;
    const nominal = wildcard ? node.name : node.name;
    const orders = rotations(rrset);
    return orders.map((rdatas) => {
      const answer: PlacedRRset = { rrset, section: SECTION_ANSWER, ownerIsQname: true, rdatas };
      return writeTemplate({
        nominal, belowMode: wildcard, rcode: RCODE_NOERROR, aa: true,
        rrsets: [answer, ...this.additionals([rrset], new Set())],
      });
    });
  }

  /**
   * Follow the node's CNAME inside the zone. `qtype` null gives the chain for every type the
   * end of the chain does not have. Returns the template and the end node (to know its types).
   */
  cnameChain(node: TreeNode, qtype: number | null, wildcard: boolean): Group {
    const rrsets: PlacedRRset[] = [];
    const cname = node.rrsets.get(TYPE_CNAME)!;
    rrsets.push({ rrset: cname, section: SECTION_ANSWER, ownerIsQname: true });
    let rcode = RCODE_NOERROR;
    const visited = new Set<TreeNode>([node]);
    let target = cname.rdatas[0];
    const tail: PlacedRRset[] = [];
    const answers: RRset[] = [];
    for (let step = 0; step < MAX_CHAIN; step++) {
      const r = this.tree.resolve(target);
      if (r.kind === 'outside' || r.kind === 'referral' || r.kind === 'dname') break;
      if (r.kind === 'nxdomain') {
        rcode = RCODE_NXDOMAIN;
        tail.push(this.soaAuthority());
        break;
      }
      const n = r.node;
      if (visited.has(n)) break; // a loop: what was written so far is the answer
      visited.add(n);
      const owner = lowerName(target);
      const next = n.rrsets.get(TYPE_CNAME);
      if (next) {
        const set = { ...next, owner };
        rrsets.push({ rrset: set, section: SECTION_ANSWER, ownerIsQname: false });
        target = next.rdatas[0];
        continue;
      }
      const found = qtype === null ? undefined : n.rrsets.get(qtype);
      if (found) {
        const set = { ...found, owner };
        rrsets.push({ rrset: set, section: SECTION_ANSWER, ownerIsQname: false });
        answers.push(set);
      } else {
        tail.push(this.soaAuthority());
      }
      break;
    }
    const all = [...rrsets, ...tail, ...this.additionals(answers, new Set())];
    return [writeTemplate({
      nominal: node.name, belowMode: wildcard, rcode, aa: true, rrsets: all,
    })];
  }

  /** The node a CNAME chain from `node` ends at, if it ends inside the zone on data. */
  chainEnd(node: TreeNode): TreeNode | null {
    const visited = new Set<TreeNode>([node]);
    let target = node.rrsets.get(TYPE_CNAME)!.rdatas[0];
    for (let step = 0; step < MAX_CHAIN; step++) {
      const r = this.tree.resolve(target);
      if (r.kind !== 'node' || visited.has(r.node)) return null;
      visited.add(r.node);
      const next = r.node.rrsets.get(TYPE_CNAME);
      if (!next) return r.node;
      target = next.rdatas[0];
    }
    return null;
  }

  /** Referral to the child zone at `cut`, for the cut's own name or (below) any name under it. */
  referral(cut: TreeNode, below: boolean): Group {
    if (below) {
      const cached = this.referralGroups.get(cut);
      if (cached) return cached;
    }
    const ns = cut.rrsets.get(TYPE_NS)!;
    const seen = new Set<string>();
    const group = [writeTemplate({
      nominal: below ? belowName(cut.name) : cut.name, belowMode: below, rcode: RCODE_NOERROR,
      aa: false,
      rrsets: [
        { rrset: ns, section: SECTION_AUTHORITY, ownerIsQname: !below },
        ...this.additionals([ns], seen),
      ],
    })];
    if (below) this.referralGroups.set(cut, group);
    return group;
  }

  /** RFC 8482: one RRset answers ANY over UDP. */
  anyMinimal(node: TreeNode, wildcard: boolean): Group {
    const set = pickMinimalAny(node);
    if (!set) return this.nodata();
    return [writeTemplate({
      nominal: node.name, belowMode: wildcard, rcode: RCODE_NOERROR, aa: true,
      rrsets: [{ rrset: set, section: SECTION_ANSWER, ownerIsQname: true }],
    })];
  }

  /** Every RRset of the node, for ANY over TCP. */
  anyFull(node: TreeNode, wildcard: boolean): Group {
    const sets = [...node.rrsets.values()].sort((a, b) => a.type - b.type);
    if (sets.length === 0) return this.nodata();
    return [writeTemplate({
      nominal: node.name, belowMode: wildcard, rcode: RCODE_NOERROR, aa: true,
      rrsets: sets.map((rrset) => ({ rrset, section: SECTION_ANSWER, ownerIsQname: true })),
    })];
  }

  /** The DNAME RRset for names below `node`; the worker appends the synthesized CNAME. */
  dname(node: TreeNode, dname: RRset): Group {
    return [writeTemplate({
      nominal: belowName(node.name), belowMode: true, rcode: RCODE_NOERROR, aa: true,
      rrsets: [{ rrset: dname, section: SECTION_ANSWER, ownerIsQname: false }],
    })];
  }

  /** DS at a delegation point is the parent's data (RFC 4035 §3.1.4.1). */
  delegationDs(cut: TreeNode): Group {
    return cut.rrsets.has(TYPE_DS) ? this.positive(cut, TYPE_DS, false) : this.nodata();
  }
}

function pickMinimalAny(node: TreeNode): RRset | undefined {
  let best: RRset | undefined;
  for (const set of node.rrsets.values()) {
    if (set.type === TYPE_RRSIG || set.type === TYPE_NSEC) continue;
    // Prefer the SOA at the apex, else the lowest type code: stable and usually small.
    if (set.type === TYPE_SOA) return set;
    if (!best || set.type < best.type) best = set;
  }
  return best;
}

function rotations(rrset: RRset): Uint8Array[][] {
  const n = rrset.rdatas.length;
  if (n < 2 || (rrset.type !== TYPE_A && rrset.type !== TYPE_AAAA)) return [rrset.rdatas];
  const count = Math.min(n, MAX_ROTATIONS);
  const out: Uint8Array[][] = [];
  for (let k = 0; k < count; k++) {
    const start = Math.floor((k * n) / count);
    out.push([...rrset.rdatas.slice(start), ...rrset.rdatas.slice(0, start)]);
  }
  return out;
}
