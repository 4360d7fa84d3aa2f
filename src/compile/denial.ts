// Authenticated denial at compile time: the NSEC chain in canonical order and the NSEC3 chain
// in hash order, and the proofs (RFC 4035 §3.1.3, RFC 5155 §7.2) for names known ahead of time.

import { createHash } from 'node:crypto';
import type { WireName } from '../zone/model.ts';
import { compareCanonical, parentName } from '../zone/name.ts';
import { TYPE_DNSKEY, TYPE_NSEC, TYPE_NSEC3, TYPE_NSEC3PARAM } from '../zone/types.ts';
import { decodeBase32Hex } from '../zone/rdata/common.ts';
import type { TreeNode, ZoneTree } from './zone-tree.ts';

import { DENIAL_NONE, DENIAL_NSEC, DENIAL_NSEC3 } from '../image/layout.ts';

export { DENIAL_NONE, DENIAL_NSEC, DENIAL_NSEC3 };

export interface Nsec3Params {
  iterations: number;
  salt: Uint8Array;
}

export interface Nsec3Entry {
  hash: Uint8Array;
  node: TreeNode;
  optOut: boolean;
}

/** RFC 5155 §5: IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt). */
export function nsec3Hash(name: WireName, params: Nsec3Params): Uint8Array {
  let digest = createHash('sha1').update(name).update(params.salt).digest();
  for (let i = 0; i < params.iterations; i++) {
    digest = createHash('sha1').update(digest).update(params.salt).digest();
  }
  return new Uint8Array(digest);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Index of the greatest element ≤ key (wrapping to the last when key is below all). */
function floorIndex<T>(sorted: T[], key: (item: T) => number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (key(sorted[mid]) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export class Denial {
  readonly mode: number;
  readonly nsecChain: TreeNode[] = [];
  readonly nsec3Chain: Nsec3Entry[] = [];
  readonly params: Nsec3Params = { iterations: 0, salt: new Uint8Array(0) };
  private readonly tree: ZoneTree;

  constructor(tree: ZoneTree) {
    this.tree = tree;
    const apex = tree.apex;
    const param = apex.rrsets.get(TYPE_NSEC3PARAM)?.rdatas[0];
    if (!apex.rrsets.has(TYPE_DNSKEY) || apex.sigs.size === 0) {
      this.mode = DENIAL_NONE;
    } else if (param && tree.nsec3Nodes.size > 0) {
      this.mode = DENIAL_NSEC3;
      this.params = { iterations: (param[2] << 8) | param[3], salt: param.subarray(5, 5 + param[4]) };
      for (const node of tree.nsec3Nodes.values()) {
        const rdata = node.rrsets.get(TYPE_NSEC3)?.rdatas[0];
        if (!rdata) continue;
        const label = String.fromCharCode(...node.name.subarray(1, 1 + node.name[0]));
        this.nsec3Chain.push({ hash: decodeBase32Hex(label, 'NSEC3 owner'), node, optOut: (rdata[1] & 1) !== 0 });
      }
      this.nsec3Chain.sort((a, b) => compareBytes(a.hash, b.hash));
    } else {
      this.mode = DENIAL_NSEC;
      for (const node of tree.nodes.values()) if (node.rrsets.has(TYPE_NSEC)) this.nsecChain.push(node);
      this.nsecChain.sort((a, b) => compareCanonical(a.name, b.name));
    }
  }

  get signed(): boolean {
    return this.mode !== DENIAL_NONE;
  }

  /** The NSEC whose owner is the name or, failing that, precedes it in canonical order. */
  nsecCovering(name: WireName): TreeNode {
    return this.nsecChain[floorIndex(this.nsecChain, (n) => compareCanonical(n.name, name))];
  }

  hash(name: WireName): Uint8Array {
    return nsec3Hash(name, this.params);
  }

  nsec3Matching(name: WireName): Nsec3Entry | undefined {
    const h = this.hash(name);
    const e = this.nsec3Chain[floorIndex(this.nsec3Chain, (x) => compareBytes(x.hash, h))];
    return e && compareBytes(e.hash, h) === 0 ? e : undefined;
  }

  /** The NSEC3 whose hash interval contains the name's hash (the name must not match one). */
  nsec3Covering(name: WireName): Nsec3Entry {
    const h = this.hash(name);
    return this.nsec3Chain[floorIndex(this.nsec3Chain, (x) => compareBytes(x.hash, h))];
  }

  /**
   * RFC 5155 §7.2.1 closest (provable) encloser proof for a name that has no NSEC3 of its own:
   * the NSEC3 matching the closest ancestor that has one, and the one covering the next closer.
   */
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
