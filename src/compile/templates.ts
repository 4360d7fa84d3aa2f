// Decides what each kind of response contains (positive, CNAME chain, NODATA, NXDOMAIN,
// referral, ANY, DNAME), with and without DNSSEC records, and has template-writer.ts
// serialize it. Decide, then encode.

import type { WireName } from '../zone/model.ts';
import { lowerName, nameLength, parentName } from '../zone/name.ts';
import {
  TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_DS, TYPE_MX, TYPE_NS, TYPE_NSEC, TYPE_NSEC3, TYPE_RRSIG,
  TYPE_SOA, TYPE_SRV, TYPE_SVCB, TYPE_HTTPS,
} from '../zone/types.ts';
import { PROOF_ENCLOSER, PROOF_ENCLOSER_WILDCARD, PROOF_NODE, PROOF_QNAME } from '../image/layout.ts';
import type { Resolution, RRset, TreeNode, ZoneTree } from './zone-tree.ts';
import { DENIAL_NSEC, DENIAL_NSEC3, type Denial } from './denial.ts';
import {
  type PlacedRRset, SECTION_ADDITIONAL, SECTION_ANSWER, SECTION_AUTHORITY, type TemplateSpec,
  writeFragment, writeTemplate,
} from './template-writer.ts';

export const RCODE_NOERROR = 0;
export const RCODE_NXDOMAIN = 3;

/** Longest CNAME chain followed inside a zone (Knot and BIND stop well before loops matter). */
const MAX_CHAIN = 12;
/** How many record orders of a multi-address RRset are precomputed for round-robin. */
const MAX_ROTATIONS = 4;

export type Group = Uint8Array[];

export function belowName(name: WireName): WireName {
  const out = new Uint8Array(name.length + 2);
  out[0] = 1;
  out[1] = 0x2a;
  out.set(name, 2);
  return out;
}

function isWildcard(node: TreeNode): boolean {
  return node.name[0] === 1 && node.name[1] === 0x2a;
}

/** Where the types of records that trigger additional-section processing keep their target. */
function additionalTarget(type: number, rdata: Uint8Array): Uint8Array | null {
  if (type === TYPE_NS) return rdata;
  if (type === TYPE_MX) return rdata.subarray(2);
  if (type === TYPE_SRV) return rdata.subarray(6);
  if (type === TYPE_SVCB || type === TYPE_HTTPS) return rdata.subarray(2);
  return null;
}

/** A name a CNAME chain passes: the owner as asked for, the node answering it. */
interface ChainHop {
  owner: WireName;
  node: TreeNode;
  /** Answered by a wildcard. */
  wildcard: boolean;
}

/** Proof records collected for one response's authority section, each node once. */
class Proofs {
  readonly placed: PlacedRRset[] = [];
  private readonly seen = new Set<TreeNode>();
  add(node: TreeNode, type: number): void {
    if (this.seen.has(node)) return;
    this.seen.add(node);
    const set = node.rrsets.get(type);
    if (!set) return;
    this.placed.push({ rrset: set, section: SECTION_AUTHORITY, ownerIsQname: false });
    const sig = node.sigs.get(type);
    if (sig) this.placed.push({ rrset: sig, section: SECTION_AUTHORITY, ownerIsQname: false, signs: set });
  }
}

/** Fragment ids (1-based, 0 = none) a node record carries for the proofs about its name. */
export interface NodeProofs {
  proof: number;
  proof2: number;
  wildcard: number;
}

export class TemplateFactory {
  private readonly tree: ZoneTree;
  readonly denial: Denial;
  private readonly negativeSoa: RRset;
  private readonly negativeSoaSig: RRset | undefined;
  private readonly shared = new Map<string, Group>();
  /** Fragment id of each NSEC or NSEC3 owner node. */
  private readonly fragmentId = new Map<TreeNode, number>();

  constructor(tree: ZoneTree, denial: Denial) {
    this.tree = tree;
    this.denial = denial;
    const soa = tree.soa;
    const rdata = soa.rdatas[0];
    const m = nameLength(rdata, 0);
    const r = nameLength(rdata, m);
    const minimum = new DataView(rdata.buffer, rdata.byteOffset + m + r + 16, 4).getUint32(0);
    // RFC 2308 §5: the negative TTL is the lower of the SOA's TTL and its MINIMUM field.
    const ttl = Math.min(soa.ttl, minimum);
    this.negativeSoa = { ...soa, ttl };
    const sig = tree.apex.sigs.get(TYPE_SOA);
    this.negativeSoaSig = sig ? { ...sig, ttl } : undefined;
    denial.nsecChain.forEach((n, i) => this.fragmentId.set(n, i + 1));
    denial.nsec3Chain.forEach((e, i) => this.fragmentId.set(e.node, i + 1));
  }

  /** The groups `once` made: the same array serves many nodes (see isShared). */
  private readonly sharedGroups = new Set<Group>();

  private once(key: string, make: () => Group): Group {
    return once(this.shared, key, () => {
      const group = make();
      this.sharedGroups.add(group);
      return group;
    });
  }

  /**
   * Whether the group may come back for another node (NODATA, NXDOMAIN, referrals): the
   * compiler remembers where those are written, and forgets every other group once its node is
   * written, so a million nodes' templates are not all kept until the image is done.
   */
  isShared(group: Group): boolean {
    return this.sharedGroups.has(group);
  }

  /** The RRset, then its signatures when DNSSEC records are wanted. */
  private withSig(node: TreeNode, set: RRset, section: number, ownerIsQname: boolean, dnssec: boolean, owner?: WireName): PlacedRRset[] {
    const rrset = owner ? { ...set, owner } : set;
    const out: PlacedRRset[] = [{ rrset, section, ownerIsQname }];
    const sig = dnssec ? node.sigs.get(set.type) : undefined;
    if (sig) out.push({ rrset: owner ? { ...sig, owner } : sig, section, ownerIsQname, signs: rrset });
    return out;
  }

  private soaAuthority(dnssec: boolean): PlacedRRset[] {
    const out: PlacedRRset[] = [{ rrset: this.negativeSoa, section: SECTION_AUTHORITY, ownerIsQname: false }];
    if (dnssec && this.negativeSoaSig) {
      out.push({ rrset: this.negativeSoaSig, section: SECTION_AUTHORITY, ownerIsQname: false, signs: this.negativeSoa });
    }
    return out;
  }

  // --- proofs known at compile time -------------------------------------------------------

  private nsecOf(proofs: Proofs, node: TreeNode): void {
    proofs.add(node, TYPE_NSEC);
  }

  private nsec3Of(proofs: Proofs, node: TreeNode): void {
    proofs.add(node, TYPE_NSEC3);
  }

  /** Fragment id of an NSEC or NSEC3 owner (0: none); the incremental compiler reads it from the image it patches. */
  protected fragmentIdOf(node: TreeNode): number {
    return this.fragmentId.get(node) ?? 0;
  }

  /** The fragments a node record carries (see N_PROOF in image/layout.ts). */
  nodeProofs(node: TreeNode): NodeProofs {
    const d = this.denial;
    const id = (n: TreeNode) => this.fragmentIdOf(n);
    if (d.mode === DENIAL_NSEC) {
      return {
        proof: id(node.rrsets.has(TYPE_NSEC) ? node : d.nsecCovering(node.name)),
        proof2: 0,
        wildcard: id(d.nsecCovering(belowName(node.name))),
      };
    }
    if (d.mode === DENIAL_NSEC3) {
      const match = d.nsec3Matching(node.name);
      if (match) {
        return { proof: id(match.node), proof2: 0, wildcard: id(d.nsec3Covering(belowName(node.name)).node) };
      }
      // No NSEC3 of its own (an empty non-terminal in an opt-out span): proofs about names
      // below it start from the closest provable encloser (RFC 5155 §7.2.1), all known now.
      const ce = d.closestEncloserProof(node.name);
      return {
        proof: id(ce.encloser.node),
        proof2: id(ce.nextCloser.node),
        wildcard: id(d.nsec3Covering(belowName(ce.encloserName)).node),
      };
    }
    return { proof: 0, proof2: 0, wildcard: 0 };
  }

  /** The name exists but has no data of the type: NSEC of the name, or NSEC3 matching it. */
  private proveNodata(proofs: Proofs, node: TreeNode): void {
    const d = this.denial;
    if (d.mode === DENIAL_NSEC) {
      // An empty non-terminal has no NSEC: the one that covers its name proves it is empty.
      this.nsecOf(proofs, node.rrsets.has(TYPE_NSEC) ? node : d.nsecCovering(node.name));
    } else if (d.mode === DENIAL_NSEC3) {
      const match = d.nsec3Matching(node.name);
      if (match) {
        this.nsec3Of(proofs, match.node);
      } else {
        // Opt-out (RFC 5155 §7.2.4): closest provable encloser and the covering next closer.
        const ce = d.closestEncloserProof(node.name);
        this.nsec3Of(proofs, ce.encloser.node);
        this.nsec3Of(proofs, ce.nextCloser.node);
      }
    }
  }

  /** The name does not exist: RFC 4035 §3.1.3.2 / RFC 5155 §7.2.2, for a name known now. */
  private proveNxdomain(proofs: Proofs, name: WireName, ce: TreeNode): void {
    const d = this.denial;
    if (d.mode === DENIAL_NSEC) {
      this.nsecOf(proofs, d.nsecCovering(name));
      this.nsecOf(proofs, d.nsecCovering(belowName(ce.name)));
    } else if (d.mode === DENIAL_NSEC3) {
      const proof = d.closestEncloserProof(name);
      this.nsec3Of(proofs, proof.encloser.node);
      this.nsec3Of(proofs, proof.nextCloser.node);
      this.nsec3Of(proofs, d.nsec3Covering(belowName(proof.encloserName)).node);
    }
  }

  /** A wildcard expanded for a name known now: prove no closer match exists. */
  private proveExpansion(proofs: Proofs, name: WireName, wildcard: TreeNode): void {
    const d = this.denial;
    if (d.mode === DENIAL_NSEC) {
      this.nsecOf(proofs, d.nsecCovering(name));
    } else if (d.mode === DENIAL_NSEC3) {
      this.nsec3Of(proofs, d.nsec3Covering(nextCloser(name, parentName(wildcard.name))).node);
    }
  }

  /** What the worker adds for a query name answered by a wildcard: no closer match exists. */
  private expansionProof(dnssec: boolean): number {
    return dnssec && this.denial.signed ? PROOF_QNAME : 0;
  }

  private write(spec: Omit<TemplateSpec, 'rrsets'>, parts: PlacedRRset[][]): Uint8Array {
    return writeTemplate({ ...spec, rrsets: parts.flat() });
  }

  // --- templates ------------------------------------------------------------------------------

  /** A proof record alone (NSEC or NSEC3 and its RRSIGs), added by workers at query time. */
  fragment(node: TreeNode, type: number): Uint8Array {
    return writeFragment(node.rrsets.get(type)!, node.sigs.get(type));
  }

  /** A/AAAA of in-zone targets of NS, MX and SRV records (RFC 1035 §3.3 additional processing). */
  private additionals(sets: RRset[], dnssec: boolean, required = false): PlacedRRset[] {
    const out: PlacedRRset[] = [];
    const seen = new Set<string>();
    for (const set of sets) {
      for (const rdata of set.rdatas) {
        const target = additionalTarget(set.type, rdata);
        if (!target) continue;
        const node = this.tree.get(lowerName(target.subarray(0, nameLength(target, 0))));
        if (!node) continue;
        // Glue is not signed; authoritative addresses carry their signatures.
        const signed = dnssec && !node.occludedBy && !node.isCut;
        for (const type of [TYPE_A, TYPE_AAAA]) {
          const rr = node.rrsets.get(type);
          const key = `${node.key}/${type}`;
          if (!rr || seen.has(key)) continue;
          seen.add(key);
          // RFC 9471: only glue below the cut is required (TC when it does not fit); sibling
          // glue and signatures are optional, as in Knot.
          const needed = required && node.occludedBy !== null;
          for (const p of this.withSig(node, rr, SECTION_ADDITIONAL, false, signed)) {
            out.push({ ...p, required: needed && !p.signs, namedBy: rdata });
          }
        }
      }
    }
    return out;
  }

  /**
   * NODATA at an existing name, or at the wildcard that answers for the query name. The proofs
   * come from the node record (PROOF_NODE), so one template serves every name.
   */
  nodata(dnssec: boolean, wildcard: boolean): Group {
    if (!dnssec || !this.denial.signed) {
      return this.once('nodata', () => [this.write({
        nominal: belowName(this.tree.apex.name), belowMode: true, rcode: RCODE_NOERROR, aa: true,
      }, [this.soaAuthority(false)])]);
    }
    // RFC 5155 §7.2.5: a wildcard NODATA under NSEC3 also shows the closest encloser.
    let proof = PROOF_NODE;
    if (wildcard) proof |= PROOF_QNAME | (this.denial.mode === DENIAL_NSEC3 ? PROOF_ENCLOSER : 0);
    return this.once(`nodata/${proof}`, () => [this.write({
      nominal: belowName(this.tree.apex.name), belowMode: true, rcode: RCODE_NOERROR, aa: true, proof,
    }, [this.soaAuthority(true)])]);
  }

  /** NXDOMAIN for any name that does not exist; the proofs depend on it and are added by workers. */
  nxdomain(dnssec: boolean): Group {
    const signed = dnssec && this.denial.signed;
    const proof = !signed ? 0 : PROOF_QNAME | PROOF_ENCLOSER_WILDCARD
      | (this.denial.mode === DENIAL_NSEC3 ? PROOF_ENCLOSER : 0);
    return this.once(`nxdomain/${proof}`, () => [this.write({
      nominal: belowName(this.tree.apex.name), belowMode: true, rcode: RCODE_NXDOMAIN, aa: true, proof,
    }, [this.soaAuthority(signed)])]);
  }

  /** The node's own RRset, with as many record orders as round-robin wants. */
  positive(node: TreeNode, type: number, dnssec: boolean): Group {
    if (type === TYPE_RRSIG) return this.signatures(node, dnssec);
    const rrset = node.rrsets.get(type)!;
    const wildcard = isWildcard(node);
    // Knot sends a wildcard's NSEC without proving the expansion.
    const proof = wildcard && type !== TYPE_NSEC ? this.expansionProof(dnssec) : 0;
    return rotations(rrset).map((rdatas) => {
      const answer = this.withSig(node, rrset, SECTION_ANSWER, true, dnssec);
      answer[0] = { ...answer[0], rdatas };
      return this.write({
        nominal: node.name, belowMode: wildcard, rcode: RCODE_NOERROR, aa: true,
        proof,
      }, [answer, this.additionals([rrset], dnssec)]);
    });
  }

  /**
   * QTYPE=RRSIG: like ANY, one RRset — Knot sends the signatures of the lowest covered type,
   * with their own TTL.
   */
  private signatures(node: TreeNode, dnssec: boolean): Group {
    const lowest = Math.min(...node.sigs.keys());
    const sets = Number.isFinite(lowest) ? [node.sigs.get(lowest)!] : [];
    if (sets.length === 0) return this.nodata(dnssec, isWildcard(node));
    return [this.write({
      nominal: node.name, belowMode: isWildcard(node), rcode: RCODE_NOERROR, aa: true,
      proof: isWildcard(node) ? this.expansionProof(dnssec) : 0,
    }, [sets.map((rrset) => ({ rrset, section: SECTION_ANSWER, ownerIsQname: true }))])];
  }

  /**
   * Follow the node's CNAME inside the zone, as a worker would look each target up: the
   * names passed (each a CNAME, the last one possibly the data) and how the walk ended.
   */
  private followChain(node: TreeNode): { hops: ChainHop[]; end: Resolution | null } {
    const hops: ChainHop[] = [];
    const visited = new Set<TreeNode>([node]);
    let target = node.rrsets.get(TYPE_CNAME)!.rdatas[0];
    for (let step = 0; step < MAX_CHAIN; step++) {
      const r = this.tree.resolve(target);
      if (r.kind !== 'node') return { hops, end: r };
      if (visited.has(r.node)) break; // a loop: what was passed so far is the answer
      visited.add(r.node);
      hops.push({ owner: lowerName(target), node: r.node, wildcard: r.wildcard });
      const next = r.node.rrsets.get(TYPE_CNAME);
      if (!next) break;
      target = next.rdatas[0];
    }
    return { hops, end: null };
  }

  /**
   * The node's CNAME and the chain it starts. `qtype` null gives the chain for every type the
   * end of the chain does not have.
   */
  cnameChain(node: TreeNode, qtype: number | null, dnssec: boolean): Group {
    const wildcard = isWildcard(node);
    const answer = this.withSig(node, node.rrsets.get(TYPE_CNAME)!, SECTION_ANSWER, true, dnssec);
    const proofs = new Proofs();
    const negative: PlacedRRset[] = [];
    const finals: RRset[] = [];
    const glue: RRset[] = [];
    let rcode = RCODE_NOERROR;
    const { hops, end } = this.followChain(node);
    for (const { owner, node: n, wildcard: expanded } of hops) {
      const next = n.rrsets.get(TYPE_CNAME);
      const found = next ?? (qtype === null ? undefined : n.rrsets.get(qtype));
      if (dnssec && expanded) {
        this.proveExpansion(proofs, owner, n);
        // RFC 5155 §7.2.5: a wildcard NODATA also shows the closest encloser's NSEC3.
        if (!found && this.denial.mode === DENIAL_NSEC3) {
          const ce = this.denial.nsec3Matching(parentName(n.name));
          if (ce) this.nsec3Of(proofs, ce.node);
        }
      }
      if (found) {
        answer.push(...this.withSig(n, found, SECTION_ANSWER, false, dnssec, owner));
        if (!next) finals.push(found);
      } else {
        negative.push(...this.soaAuthority(dnssec));
        if (dnssec) this.proveNodata(proofs, n);
      }
    }
    if (end?.kind === 'referral') {
      // Knot goes on into the delegation: the answer so far, then the referral.
      const ns = end.cut.rrsets.get(TYPE_NS)!;
      negative.push({ rrset: ns, section: SECTION_AUTHORITY, ownerIsQname: false });
      if (dnssec && this.denial.signed) {
        const ds = end.cut.rrsets.get(TYPE_DS);
        if (ds) negative.push(...this.withSig(end.cut, ds, SECTION_AUTHORITY, false, true));
        else this.proveNodata(proofs, end.cut);
      }
      glue.push(ns);
    } else if (end?.kind === 'nxdomain') {
      rcode = RCODE_NXDOMAIN;
      negative.push(...this.soaAuthority(dnssec));
      if (dnssec) {
        const last = hops.length > 0 ? hops[hops.length - 1].node : node;
        const missing = lowerName(last.rrsets.get(TYPE_CNAME)!.rdatas[0]);
        this.proveNxdomain(proofs, missing, end.ce);
      }
    }
    return [this.write({
      nominal: node.name, belowMode: wildcard, rcode, aa: true,
      proof: wildcard ? this.expansionProof(dnssec) : 0,
    }, [answer, negative, proofs.placed, this.additionals(finals, dnssec), this.additionals(glue, dnssec, true)])];
  }

  /** The node a CNAME chain from `node` ends at, if it ends inside the zone on data. */
  chainEnd(node: TreeNode): TreeNode | null {
    const { hops, end } = this.followChain(node);
    const last = hops[hops.length - 1];
    return end === null && last !== undefined && !last.node.rrsets.has(TYPE_CNAME) ? last.node : null;
  }

  /**
   * Referral to the child zone at `cut`, for the cut's own name or (below) any name under it.
   * With DNSSEC: the DS RRset and its signature, or the proof that there is no DS.
   */
  referral(cut: TreeNode, below: boolean, dnssec: boolean): Group {
    return this.once(`referral/${cut.key}/${below}/${dnssec}`, () => {
      const ns = cut.rrsets.get(TYPE_NS)!;
      const authority: PlacedRRset[] = [{ rrset: ns, section: SECTION_AUTHORITY, ownerIsQname: !below }];
      const proofs = new Proofs();
      if (dnssec && this.denial.signed) {
        const ds = cut.rrsets.get(TYPE_DS);
        if (ds) authority.push(...this.withSig(cut, ds, SECTION_AUTHORITY, !below, true));
        else this.proveNodata(proofs, cut);
      }
      return [this.write({
        nominal: below ? belowName(cut.name) : cut.name, belowMode: below, rcode: RCODE_NOERROR,
        aa: false,
      }, [authority, proofs.placed, this.additionals([ns], dnssec, true)])];
    });
  }

  /**
   * RFC 8482 §4.1: the type whose RRset answers ANY, over UDP and TCP alike, with its
   * additional records (as Knot does: the lowest type code, never RRSIG or NSEC).
   */
  anyType(node: TreeNode): number | undefined {
    return pickMinimalAny(node)?.type;
  }

  /** The DNAME RRset for names below `node`; the worker appends the synthesized CNAME. */
  dname(node: TreeNode, dname: RRset, dnssec: boolean): Group {
    return [this.write({
      nominal: belowName(node.name), belowMode: true, rcode: RCODE_NOERROR, aa: true,
    }, [this.withSig(node, dname, SECTION_ANSWER, false, dnssec)])];
  }

  /** DS at a delegation point is the parent's data (RFC 4035 §3.1.4.1). */
  delegationDs(cut: TreeNode, dnssec: boolean): Group {
    return cut.rrsets.has(TYPE_DS) ? this.positive(cut, TYPE_DS, dnssec) : this.nodata(dnssec, false);
  }
}

/** The ancestor of `name` one label below `encloser` (RFC 5155 §1.3 "next closer name"). */
function nextCloser(name: WireName, encloser: WireName): WireName {
  let n = name;
  while (n.length > 0) {
    const p = parentName(n);
    if (p.length === encloser.length) return n;
    n = p;
  }
  return name;
}

function pickMinimalAny(node: TreeNode): RRset | undefined {
  let best: RRset | undefined;
  for (const set of node.rrsets.values()) {
    if (set.type === TYPE_RRSIG || set.type === TYPE_NSEC) continue;
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

/** The value under `key`, made by `make` the first time: templates shared between nodes are written once. */
export function once<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    cache.set(key, v);
  }
  return v;
}
