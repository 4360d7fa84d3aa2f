// The zone tree and its denial chains as the incremental compiler sees them: nodes made on demand
// from a RecordStore (only the names a change touches and what their templates look up), with
// the same fields and lookup rules as ZoneTree and Denial, so TemplateFactory and planNode build
// exactly the templates a full compile would.

import type { WireName } from '../zone/model.ts';
import { isSubdomain, lowerName, parentName } from '../zone/name.ts';
import {
  CLASS_IN, TYPE_DNAME, TYPE_DNSKEY, TYPE_NS, TYPE_NSEC, TYPE_NSEC3, TYPE_NSEC3PARAM, TYPE_RRSIG,
} from '../zone/types.ts';
import { decodeBase32Hex } from '../zone/rdata/common.ts';
import { DENIAL_NONE, DENIAL_NSEC, DENIAL_NSEC3, compareBytes, nsec3Hash, type Nsec3Entry, type Nsec3Params } from './denial.ts';
import { nameKey, sameBytes, type Resolution, type RRset, type TreeNode } from './zone-tree.ts';
import type { RecordStore } from './record-store.ts';

const B32 = '0123456789abcdefghijklmnopqrstuv';

/** RFC 4648 base32hex, lowercase, no padding (an NSEC3 owner label). */
export function encodeBase32Hex(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32[(acc >>> bits) & 31];
    }
    acc &= 0xff;
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  return out;
}

function covered(type: number, rdata: Uint8Array): number {
  return type === TYPE_RRSIG && rdata.length >= 2 ? (rdata[0] << 8) | rdata[1] : 0;
}

function addTo(map: Map<number, RRset>, key: number, owner: WireName, type: number, ttl: number, rdata: Uint8Array): boolean {
  let set = map.get(key);
  if (!set) {
    set = { owner, type, ttl, rdatas: [] };
    map.set(key, set);
  } else if (ttl < set.ttl) {
    set.ttl = ttl;
  }
  for (const r of set.rdatas) if (sameBytes(r, rdata)) return false;
  set.rdatas.push(rdata);
  return true;
}

export class LazyTree {
  readonly apex: TreeNode;
  readonly soa: RRset;
  readonly recordCount: number;
  readonly store: RecordStore;
  /** ZoneTree's maps; here only the nodes made so far (null: looked up, does not exist). */
  private readonly made = new Map<string, TreeNode | null>();
  private readonly madeNsec3 = new Map<string, TreeNode | null>();
  private readonly indexOf: (name: WireName) => number;
  private readonly apexName: WireName;
  readonly nodes = new Map<string, TreeNode>();
  readonly nsec3Nodes = new Map<string, TreeNode>();

  /** `indexOf`: a node's index in the image being patched, -1 for a name new to it. */
  constructor(store: RecordStore, apex: WireName, indexOf: (name: WireName) => number) {
    this.store = store;
    this.indexOf = indexOf;
    this.apexName = apex;
    this.recordCount = store.count;
    const node = this.get(apex);
    if (!node) throw new Error('zone has no apex');
    this.apex = node;
    this.soa = node.rrsets.get(6)!;
  }

  /** The node of a lowercased name, made from its records on first use. */
  get(lowered: WireName): TreeNode | undefined {
    const key = nameKey(lowered);
    const known = this.made.get(key);
    if (known !== undefined) return known ?? undefined;
    const node = this.make(lowered, key, false);
    return node ?? undefined;
  }

  /** The node holding an NSEC3 owner's NSEC3 records (apart from the zone's names, as in ZoneTree). */
  getNsec3(lowered: WireName): TreeNode | undefined {
    const key = nameKey(lowered);
    const known = this.madeNsec3.get(key);
    if (known !== undefined) return known ?? undefined;
    return this.make(lowered, key, true) ?? undefined;
  }

  private make(lowered: WireName, key: string, apart: boolean): TreeNode | null {
    const map = apart ? this.madeNsec3 : this.made;
    const apexName = this.apexName;
    if (!isSubdomain(lowered, apexName)) {
      map.set(key, null);
      return null;
    }
    const name = lowered.slice();
    const node: TreeNode = {
      name, key, rrsets: new Map(), sigs: new Map(), parent: null, isApex: lowered.length === apexName.length,
      isCut: false, occludedBy: null, isEnt: false, wildcard: null, index: -1,
    };
    const s = this.store;
    const [from, to] = s.rangeOf(name);
    const take = (i: number): void => {
      const r = s.record(i);
      if (r.class !== CLASS_IN) return;
      const c = covered(r.type, r.rdata);
      const isApart = r.type === TYPE_NSEC3 || c === TYPE_NSEC3;
      if (isApart !== apart) return;
      if (addTo(node.rrsets, r.type, name, r.type, r.ttl, r.rdata) && c !== 0) addTo(node.sigs, c, name, TYPE_RRSIG, r.ttl, r.rdata);
    };
    if (node.isApex && !apart) take(0);
    for (let i = from; i < to; i++) take(i);
    if (apart) {
      if (node.rrsets.size === 0) {
        map.set(key, null);
        return null;
      }
      map.set(key, node);
      this.nsec3Nodes.set(key, node);
      return node;
    }
    if (node.rrsets.size === 0 && !this.hasDescendant(name, to)) {
      map.set(key, null);
      return null;
    }
    map.set(key, node);
    this.nodes.set(key, node);
    node.isEnt = node.rrsets.size === 0;
    node.index = this.indexOf(name);
    if (!node.isApex) {
      const p = this.get(parentName(name))!;
      node.parent = p;
      node.isCut = node.rrsets.has(TYPE_NS);
      if (p.occludedBy) node.occludedBy = p.occludedBy;
      else if (p.isCut || p.rrsets.has(TYPE_DNAME)) node.occludedBy = p;
    }
    const star = new Uint8Array(name.length + 2);
    star[0] = 1;
    star[1] = 0x2a;
    star.set(name, 2);
    node.wildcard = this.get(star) ?? null;
    return node;
  }

  /** A name below `name` has records other than NSEC3 ones (so `name` exists, maybe as an empty non-terminal). */
  private hasDescendant(name: WireName, from: number): boolean {
    const end = this.store.subtreeEnd(name);
    for (let i = from; i < end; i++) {
      const t = this.store.type(i);
      if (t !== TYPE_NSEC3 && covered(t, this.store.rdata(i)) !== TYPE_NSEC3) return true;
    }
    return false;
  }

  /** ZoneTree.resolve over the nodes made on demand. */
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

/** Denial's answers (same rules, same results) searched in the record store instead of a chain in memory. */
export class LazyDenial {
  readonly mode: number;
  readonly nsecChain: TreeNode[] = [];
  readonly nsec3Chain: Nsec3Entry[] = [];
  readonly params: Nsec3Params = { iterations: 0, salt: new Uint8Array(0) };
  private readonly tree: LazyTree;
  private readonly store: RecordStore;

  /** `hasNsec3`: the zone holds NSEC3 records. */
  constructor(tree: LazyTree, hasNsec3: boolean) {
    this.tree = tree;
    this.store = tree.store;
    const apex = tree.apex;
    const param = apex.rrsets.get(TYPE_NSEC3PARAM)?.rdatas[0];
    if (!apex.rrsets.has(TYPE_DNSKEY) || apex.sigs.size === 0) {
      this.mode = DENIAL_NONE;
    } else if (param && hasNsec3) {
      this.mode = DENIAL_NSEC3;
      this.params = { iterations: (param[2] << 8) | param[3], salt: param.subarray(5, 5 + param[4]) };
    } else {
      this.mode = DENIAL_NSEC;
    }
  }

  get signed(): boolean {
    return this.mode !== DENIAL_NONE;
  }

  /** Walk back from record `from` - 1 to the nearest record of `type` (wrapping to the end once). */
  private previousOfType(from: number, type: number): number {
    const s = this.store;
    for (let i = from - 1; i >= 1; i--) if (s.type(i) === type) return i;
    for (let i = s.count - 1; i >= from; i--) if (s.type(i) === type) return i;
    return -1;
  }

  nsecCovering(name: WireName): TreeNode {
    const [, to] = this.store.rangeOf(name);
    const i = this.previousOfType(to, TYPE_NSEC);
    return this.tree.get(lowerName(this.store.owner(i)))!;
  }

  hash(name: WireName): Uint8Array {
    return nsec3Hash(name, this.params);
  }

  private hashOwner(h: Uint8Array): Uint8Array {
    const label = encodeBase32Hex(h);
    const apex = this.tree.apex.name;
    const out = new Uint8Array(1 + label.length + apex.length);
    out[0] = label.length;
    for (let i = 0; i < label.length; i++) out[1 + i] = label.charCodeAt(i);
    out.set(apex, 1 + label.length);
    return out;
  }

  private entry(i: number): Nsec3Entry {
    const owner = lowerName(this.store.owner(i));
    const node = this.tree.getNsec3(owner)!;
    const rdata = node.rrsets.get(TYPE_NSEC3)!.rdatas[0];
    const label = String.fromCharCode(...owner.subarray(1, 1 + owner[0]));
    return { hash: decodeBase32Hex(label, 'NSEC3 owner'), node, optOut: (rdata[1] & 1) !== 0 };
  }

  nsec3Matching(name: WireName): Nsec3Entry | undefined {
    const h = this.hash(name);
    const [from, to] = this.store.rangeOf(this.hashOwner(h));
    for (let i = from; i < to; i++) if (this.store.type(i) === TYPE_NSEC3) return this.entry(i);
    return undefined;
  }

  nsec3Covering(name: WireName): Nsec3Entry {
    const h = this.hash(name);
    const [from, to] = this.store.rangeOf(this.hashOwner(h));
    for (let i = from; i < to; i++) if (this.store.type(i) === TYPE_NSEC3) return this.entry(i);
    // Hash owners are one label below the apex, all of one length: canonical order is hash order.
    return this.entry(this.previousOfType(from, TYPE_NSEC3));
  }

  closestEncloserProof(name: WireName): { encloser: Nsec3Entry; nextCloser: Nsec3Entry; encloserName: WireName } {
    let child = name;
    for (let n = parentName(name); ; n = parentName(n)) {
      const match = this.nsec3Matching(n);
      if (match || n.length <= this.tree.apex.name.length) {
        return { encloser: match ?? this.nsec3Matching(this.tree.apex.name)!, nextCloser: this.nsec3Covering(child), encloserName: n };
      }
      child = n;
    }
  }
}

export { compareBytes };
