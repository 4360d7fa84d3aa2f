// Incremental compile: a change of a few records rebuilds only the templates it affects and
// publishes a new image that is a copy of the old one with those templates appended and the
// affected node records, shared groups, hash slots and denial tables repointed. A change costs
// what it changes (plus one memcpy of the image), not what the zone weighs.
//
// What a change at name C affects (each rebuilt with planNode, as a full compile would):
// - C itself and its ancestors up to the apex (existence, empty non-terminal, wildcard child,
//   and for a cut or DNAME above C: its referral with glue, or its DNAME templates);
// - when C becomes or stops being a cut or a DNAME, or holds a DNAME: every name below C;
// - the owners of NS, MX, SRV, SVCB and HTTPS records naming C or a name below a changed cut
//   (additional data and glue);
// - the cut above any name replanned (so the cut's shared referral group is rewritten in place);
// - every CNAME owner: a chain's template holds the SOA (negative ends) and, signed, proofs;
// - signed zones: every wildcard (their NODATA is a shared template of their own), and every
//   node whose proof fragments (N_PROOF, N_PROOF2, N_WILD_PROOF) name an NSEC/NSEC3 that changed,
//   was removed, or precedes one that was added.
// Shared templates (NODATA, NXDOMAIN: one group for the whole zone; a cut's referral: one group
// for every name below it) are rewritten in place in the copy — their group's template offsets
// repointed — so the nodes that use them need no change.
//
// What is kept between changes is small: the image and the transfer form (both shared buffers,
// both needed anyway) and an IncrementalState of two numbers. Each change leaves garbage (the
// superseded templates) in the image; past GARBAGE_RATIO of its size the caller compiles afresh.
//
// Returns null (with a reason) when the change is not worth or not possible doing in place; the
// caller then compiles the new records fully (same answers, more time).

import { H_DENIAL, H_FLAGS, H_FRAGMENTS, H_HASH, H_HASH_MASK, H_LENGTH, H_LOCATION, H_LOCATION_TABLE,
  H_NODES, H_NODE_COUNT, H_NSEC3_TABLE, H_NSEC_TABLE, H_RECORDS, H_SERIAL, IMAGE_EXPIRED, IMAGE_TINYDNS,
  NODE_APEX, NODE_AUTH, NODE_CUT, NODE_ENT, NODE_OCCLUDED, NODE_WORDS, N_ANY, N_ANY_DO, N_BELOW, N_BELOW_DO,
  N_DEFAULT, N_DEFAULT_DO, N_DNAME, N_HASH, N_NAME, N_NAMELEN, N_PROOF, N_PROOF2, N_TYPES, N_WILDCARD, N_WILD_PROOF,
  DENIAL_NONE, DENIAL_NSEC, DENIAL_NSEC3, H_APEX, H_APEX_LEN,
} from '../image/layout.ts';
import { hashName } from '../image/name-hash.ts';
import { lowerName, nameLength, parentName } from '../zone/name.ts';
import {
  TYPE_CNAME, TYPE_DNAME, TYPE_HTTPS, TYPE_MX, TYPE_NS, TYPE_NSEC, TYPE_NSEC3, TYPE_RRSIG, TYPE_SRV, TYPE_SVCB,
} from '../zone/types.ts';
import { decodeBase32Hex } from '../zone/rdata/common.ts';
import { planNode, reversedLabels, type NodePlan } from './compile-zone.ts';
import { LazyDenial, LazyTree } from './lazy-tree.ts';
import type { NetChange, RecordStore } from './record-store.ts';
import { TemplateFactory, type Group } from './templates.ts';
import { TemplateTooLargeError } from './template-writer.ts';
import { nameKey, type TreeNode, type ZoneTree } from './zone-tree.ts';
import type { Denial } from './denial.ts';

/** Kept with a zone between incremental changes. */
export interface IncrementalState {
  /** Bytes of the image no longer referenced (superseded templates, tables, node arrays). */
  garbage: number;
  /** Node records the node array has room for (≥ H_NODE_COUNT). */
  nodeCapacity: number;
}

export interface IncrementalLimits {
  /** Rebuild fully when more nodes than this would be replanned (default max(2000, nodes / 10)). */
  maxNodes?: number;
}

/** Past this share of garbage in the image (and at least GARBAGE_MIN bytes) the caller compiles afresh. */
export const GARBAGE_RATIO = 0.25;
export const GARBAGE_MIN = 1 << 20;

export type IncrementalResult =
  | { ok: true; image: SharedArrayBuffer; state: IncrementalState; replanned: number; serial: number; records: number; signed: boolean }
  | { ok: false; reason: string };

/** Does the image carry enough garbage that a full compile should replace it? */
export function needsCompaction(image: SharedArrayBuffer, state: IncrementalState): boolean {
  return state.garbage > Math.max(GARBAGE_MIN, GARBAGE_RATIO * image.byteLength);
}

function typeCovered(type: number, rdata: Uint8Array): number {
  return type === TYPE_RRSIG && rdata.length >= 2 ? (rdata[0] << 8) | rdata[1] : 0;
}

function additionalTargetOf(type: number, rdata: Uint8Array): Uint8Array | null {
  let t: Uint8Array;
  if (type === TYPE_NS) t = rdata;
  else if (type === TYPE_MX) t = rdata.subarray(2);
  else if (type === TYPE_SRV) t = rdata.subarray(6);
  else if (type === TYPE_SVCB || type === TYPE_HTTPS) t = rdata.subarray(2);
  else return null;
  try {
    return t.subarray(0, nameLength(t, 0));
  } catch {
    return null;
  }
}

/** [len][bytes] keys of the image's NSEC table, compared label by label (answer/denial-search.ts). */
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

/** Bytes appended after the old image, 4-aligned pieces at absolute offsets. */
class Appender {
  bytes = new Uint8Array(1 << 16);
  length = 0;
  readonly base: number;
  constructor(base: number) {
    this.base = base;
  }
  reserve(n: number): number {
    const at = this.length;
    const end = at + ((n + 3) & ~3);
    if (end > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < end) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bytes.subarray(0, this.length));
      this.bytes = next;
    }
    this.length = end;
    return this.base + at;
  }
  add(b: Uint8Array): number {
    const at = this.reserve(b.length);
    this.bytes.set(b, at - this.base);
    return at;
  }
  list(values: ArrayLike<number>): number {
    const at = this.reserve(values.length * 4);
    const u32 = new Uint32Array(this.bytes.buffer, at - this.base, values.length);
    for (let i = 0; i < values.length; i++) u32[i] = values[i];
    return at;
  }
}

/** A TemplateFactory whose fragment ids come from the image being patched (and the ids given to new NSEC/NSEC3 owners). */
class PatchFactory extends TemplateFactory {
  idOf: (node: TreeNode) => number = () => 0;
  protected override fragmentIdOf(node: TreeNode): number {
    return this.idOf(node);
  }
}

/**
 * Apply `change` (already folded against `oldStore`; `newStore` holds the result) to `image`.
 * `state` is what the last call returned (absent after a full compile).
 */
export function compileIncremental(
  image: SharedArrayBuffer, newStore: RecordStore, change: NetChange, state: IncrementalState | undefined,
  limits: IncrementalLimits = {},
): IncrementalResult {
  const old32 = new Uint32Array(image);
  const old8 = new Uint8Array(image);
  if ((old32[H_FLAGS] & (IMAGE_TINYDNS | IMAGE_EXPIRED)) !== 0 || old32[H_LOCATION] !== 0 || old32[H_LOCATION_TABLE] !== 0) {
    return { ok: false, reason: 'tinydns or expired image' };
  }
  const oldCount = old32[H_NODE_COUNT];
  const oldNodes = old32[H_NODES] >>> 2;
  const oldHash = old32[H_HASH] >>> 2;
  const oldMask = old32[H_HASH_MASK];
  const st: IncrementalState = state ?? { garbage: 0, nodeCapacity: oldCount };
  const maxNodes = limits.maxNodes ?? Math.max(2000, Math.floor(oldCount / 10));

  // --- node records: the old ones, and the ones written by this change ----------------------
  const written = new Map<number, Uint32Array>();
  const rec = (index: number, field: number): number => {
    const w = written.get(index);
    return w !== undefined ? w[field] : old32[oldNodes + index * NODE_WORDS + field];
  };
  const nameOfIndex = new Map<number, Uint8Array>();
  const nameEq = (index: number, name: Uint8Array): boolean => {
    const own = nameOfIndex.get(index);
    if (own !== undefined) return own.length === name.length && own.every((b, i) => b === name[i]);
    const len = rec(index, N_NAMELEN) & 0xffff;
    if (len !== name.length) return false;
    const off = rec(index, N_NAME);
    for (let i = 0; i < len; i++) if (old8[off + i] !== name[i]) return false;
    return true;
  };
  const oldIndexOf = (name: Uint8Array): number => {
    const h = hashName(name, 0, name.length - 1);
    for (let slot = h & oldMask; ; slot = (slot + 1) & oldMask) {
      const e = old32[oldHash + slot];
      if (e === 0) return -1;
      const r = oldNodes + (e - 1) * NODE_WORDS;
      if (old32[r + N_HASH] === h && (old32[r + N_NAMELEN] & 0xffff) === name.length) {
        const off = old32[r + N_NAME];
        let i = 0;
        while (i < name.length && old8[off + i] === name[i]) i++;
        if (i === name.length) return e - 1;
      }
    }
  };
  const oldFlags = (index: number): number => old32[oldNodes + index * NODE_WORDS + N_NAMELEN] >>> 16;

  const apexName = old8.slice(old32[H_APEX], old32[H_APEX] + old32[H_APEX_LEN]);
  let tree: LazyTree;
  try {
    tree = new LazyTree(newStore, apexName, oldIndexOf);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }

  // --- one pass over the records: referrers, CNAME owners, wildcards, NSEC3 presence ---------
  const referrers: { owner: Uint8Array; target: string }[] = [];
  const cnames: Uint8Array[] = [];
  const wildcards: Uint8Array[] = [];
  let hasNsec3 = false;
  for (let i = 1; i < newStore.count; i++) {
    const type = newStore.type(i);
    if (type === TYPE_NSEC3) {
      hasNsec3 = true;
      continue;
    }
    if (type === TYPE_CNAME) cnames.push(newStore.owner(i));
    const owner = newStore.owner(i);
    // Wildcards, also those that are only empty non-terminals (`x.*.w`): any `*` label.
    for (let p = 0; owner[p] !== 0; p += owner[p] + 1) {
      if (owner[p] === 1 && owner[p + 1] === 0x2a) {
        const w = owner.subarray(p);
        if (wildcards.length === 0 || !sameName(wildcards[wildcards.length - 1], w)) wildcards.push(w);
      }
    }
    const target = additionalTargetOf(type, newStore.rdata(i));
    if (target !== null) referrers.push({ owner, target: nameKey(lowerName(target)) });
  }
  const denial = new LazyDenial(tree, hasNsec3);
  if (denial.mode !== old32[H_DENIAL]) return { ok: false, reason: 'denial mode changed' };
  const signed = denial.mode !== DENIAL_NONE;
  if (denial.mode === DENIAL_NSEC3) {
    const t = old32[H_NSEC3_TABLE] >>> 2;
    const salt = old8.subarray(old32[t + 2], old32[t + 2] + old32[t + 3]);
    if (old32[t + 1] !== denial.params.iterations || !sameName(salt, denial.params.salt)) return { ok: false, reason: 'NSEC3 parameters changed' };
  }
  if (tree.apex.rrsets.has(TYPE_CNAME) || tree.apex.rrsets.has(TYPE_DNAME) || old32[oldNodes + N_DNAME] !== 0) {
    return { ok: false, reason: 'CNAME or DNAME at the apex' };
  }

  // --- the names the change touches --------------------------------------------------------
  const affected = new Map<string, Uint8Array>();
  const add = (lowered: Uint8Array): void => {
    const k = nameKey(lowered);
    if (!affected.has(k)) affected.set(k, lowered);
  };
  /** Names whose own records or status changed (for additional-data referrers). */
  const touched = new Set<string>();
  const changedNames = new Map<string, Uint8Array>();
  const nsecChanged = new Map<string, Uint8Array>();
  const nsec3Changed = new Map<string, Uint8Array>();
  const noteRecord = (owner: Uint8Array, type: number, rdata: Uint8Array): void => {
    const lowered = lowerName(owner);
    const k = nameKey(lowered);
    const c = typeCovered(type, rdata);
    if (type === TYPE_NSEC3 || c === TYPE_NSEC3) {
      nsec3Changed.set(k, lowered);
      return;
    }
    if (type === TYPE_NSEC || c === TYPE_NSEC) nsecChanged.set(k, lowered);
    changedNames.set(k, lowered);
  };
  for (const r of change.removedRecords) noteRecord(r.owner, r.type, r.rdata);
  for (const r of change.inserted) noteRecord(r.owner, r.type, r.rdata);
  changedNames.set(nameKey(apexName), apexName); // the SOA

  const subtree = (name: Uint8Array): void => {
    const [, to] = newStore.rangeOf(name);
    const end = newStore.subtreeEnd(name);
    for (let i = to; i < end; i++) {
      let n = lowerName(newStore.owner(i));
      while (n.length > name.length) {
        touched.add(nameKey(n));
        add(n);
        n = parentName(n);
      }
    }
  };
  for (const name of changedNames.values()) {
    touched.add(nameKey(name));
    add(name);
    for (let n = name; n.length > apexName.length;) {
      n = parentName(n);
      add(n);
    }
    const now = tree.get(name);
    const oi = oldIndexOf(name);
    const was = oi < 0 ? 0 : oldFlags(oi);
    const wasDname = oi >= 0 && old32[oldNodes + oi * NODE_WORDS + N_DNAME] !== 0;
    const isCut = now !== undefined && now.isCut;
    const hasDname = now !== undefined && now.rrsets.has(TYPE_DNAME);
    if (((was & NODE_CUT) !== 0) !== isCut || wasDname || hasDname) subtree(name);
    if (affected.size > maxNodes) return { ok: false, reason: 'too many names affected' };
  }
  for (const r of referrers) {
    if (touched.has(r.target)) add(lowerName(r.owner));
  }
  for (const c of cnames) add(lowerName(c));
  if (signed) for (const w of wildcards) add(lowerName(w));

  // --- denial chain: fragment ids kept, given, freed ----------------------------------------
  const fragTable = old32[H_FRAGMENTS] >>> 2;
  const fragCount = signed ? old32[fragTable] : 0;
  const oldNsecId = (lowered: Uint8Array): { id: number; floor: number } => {
    // The table entry of this owner (id, or 0) and the id of the greatest owner ≤ it.
    const t = old32[H_NSEC_TABLE] >>> 2;
    const n = old32[t];
    const key = reversedLabels(lowered);
    let lo = 0;
    let hi = n - 1;
    let found = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = t + 1 + mid * 3;
      if (compareKeys(old8, old32[e], old32[e + 1], key, key.length) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (n === 0) return { id: 0, floor: 0 };
    const e = t + 1 + found * 3;
    const same = compareKeys(old8, old32[e], old32[e + 1], key, key.length) === 0;
    return { id: same ? old32[e + 2] : 0, floor: old32[e + 2] };
  };
  const hashOfOwner = (lowered: Uint8Array): Uint8Array => {
    const label = String.fromCharCode(...lowered.subarray(1, 1 + lowered[0]));
    return decodeBase32Hex(label, 'NSEC3 owner');
  };
  const oldNsec3Id = (hash: Uint8Array): { id: number; floor: number } => {
    const t = old32[H_NSEC3_TABLE] >>> 2;
    const n = old32[t];
    let lo = 0;
    let hi = n - 1;
    let found = n - 1;
    const cmp = (mid: number): number => {
      const at = old32[t + 4 + mid * 2];
      for (let i = 0; i < 20; i++) if (old8[at + i] !== hash[i]) return old8[at + i] - hash[i];
      return 0;
    };
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(mid) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (n === 0) return { id: 0, floor: 0 };
    return { id: cmp(found) === 0 ? old32[t + 5 + found * 2] : 0, floor: old32[t + 5 + found * 2] };
  };
  const newIds = new Map<string, number>();
  let nextId = fragCount + 1;
  /** Fragment ids whose users must be replanned. */
  const staleIds = new Set<number>();
  /** Owners whose fragment is rewritten, with their id; ids of owners gone. */
  const rewrite: { node: TreeNode; id: number; type: number; fresh: boolean; key: Uint8Array }[] = [];
  const freed = new Set<number>();
  if (denial.mode === DENIAL_NSEC) {
    for (const [k, name] of nsecChanged) {
      const { id, floor } = oldNsecId(name);
      const node = tree.get(name);
      const has = node !== undefined && node.rrsets.has(TYPE_NSEC);
      if (id !== 0) staleIds.add(id);
      if (has && id !== 0) rewrite.push({ node, id, type: TYPE_NSEC, fresh: false, key: reversedLabels(name) });
      else if (has) {
        staleIds.add(floor);
        newIds.set(k, nextId);
        rewrite.push({ node, id: nextId++, type: TYPE_NSEC, fresh: true, key: reversedLabels(name) });
      } else if (id !== 0) freed.add(id);
    }
  } else if (denial.mode === DENIAL_NSEC3) {
    for (const [k, name] of nsec3Changed) {
      const hash = hashOfOwner(name);
      const { id, floor } = oldNsec3Id(hash);
      const node = tree.getNsec3(name);
      const has = node !== undefined && node.rrsets.has(TYPE_NSEC3);
      if (id !== 0) staleIds.add(id);
      if (has && id !== 0) rewrite.push({ node, id, type: TYPE_NSEC3, fresh: false, key: hash });
      else if (has) {
        staleIds.add(floor);
        newIds.set(k, nextId);
        rewrite.push({ node, id: nextId++, type: TYPE_NSEC3, fresh: true, key: hash });
      } else if (id !== 0) freed.add(id);
    }
  }
  if (staleIds.size > 0) {
    for (let i = 0; i < oldCount; i++) {
      const r = oldNodes + i * NODE_WORDS;
      if ((old32[r + N_NAMELEN] & 0xffff) === 0) continue; // removed by an earlier change
      if (staleIds.has(old32[r + N_PROOF]) || staleIds.has(old32[r + N_PROOF2]) || staleIds.has(old32[r + N_WILD_PROOF])) {
        add(old8.slice(old32[r + N_NAME], old32[r + N_NAME] + (old32[r + N_NAMELEN] & 0xffff)));
      }
    }
  }
  if (affected.size > maxNodes) return { ok: false, reason: 'too many names affected' };

  const factory = new PatchFactory(tree as unknown as ZoneTree, denial as unknown as Denial);
  factory.idOf = (node) => {
    const fresh = newIds.get(node.key);
    if (fresh !== undefined) return fresh;
    if (denial.mode === DENIAL_NSEC) return node.rrsets.has(TYPE_NSEC) ? oldNsecId(node.name).id : 0;
    if (denial.mode === DENIAL_NSEC3) return oldNsec3Id(hashOfOwner(node.name)).id;
    return 0;
  };

  // --- nodes: which exist now, which are gone, indexes for new ones ---------------------------
  const live: TreeNode[] = [];
  const gone: number[] = [];
  let count = oldCount;
  for (const name of affected.values()) {
    const node = tree.get(name);
    if (node === undefined) {
      const oi = oldIndexOf(name);
      if (oi >= 0) gone.push(oi);
      continue;
    }
    if (node.index < 0) node.index = count++;
    live.push(node);
  }
  // A wildcard child made on demand but outside `affected` exists in the old image (else it
  // would be a changed name): its index came from there.
  // A name below a cut answers with the cut's shared referral group: replan the cut with it, so
  // that group is rewritten in place (paired below) rather than copied for this name alone.
  const planned = new Set(live.map((n) => n.key));
  for (let i = 0; i < live.length; i++) {
    const c = live[i].occludedBy;
    if (c !== null && c.isCut && !planned.has(c.key)) {
      planned.add(c.key);
      live.push(c);
    }
  }

  const app = new Appender(image.byteLength);
  const inPlace = new Map<number, number>(); // word index in the new image → value
  const groupOffsets = new Map<Group, number>();
  const pairs = new Map<Group, number[]>();
  const writeGroup = (group: Group): number => {
    let at = groupOffsets.get(group);
    if (at !== undefined) return at;
    const templates = group.map((t) => app.add(t));
    const olds = pairs.get(group);
    if (olds !== undefined) {
      // A shared group: its old copy gets the new templates, so every node using it sees them.
      for (const o of olds) templates.forEach((t, i) => inPlace.set((o >>> 2) + 1 + i, t));
      at = olds[0];
    } else {
      at = app.list([templates.length, ...templates]);
    }
    groupOffsets.set(group, at);
    return at;
  };

  let plans: { node: TreeNode; plan: NodePlan }[];
  try {
    plans = live.map((node) => ({ node, plan: planNode(node, factory) }));
  } catch (e) {
    if (e instanceof TemplateTooLargeError) return { ok: false, reason: e.message };
    throw e;
  }
  // Pair shared groups with their old copies: NODATA and NXDOMAIN through the apex, a cut's
  // referrals through the cut (when it was a cut before as well).
  let unpaired = false;
  const pair = (group: Group, oldGroup: number): void => {
    if (old32[oldGroup >>> 2] !== group.length) {
      unpaired = true;
      return;
    }
    const list = pairs.get(group) ?? [];
    if (!list.includes(oldGroup)) list.push(oldGroup);
    pairs.set(group, list);
  };
  for (const { node, plan } of plans) {
    if (node.index >= oldCount) continue;
    const r = oldNodes + node.index * NODE_WORDS;
    const shared = node.isApex || (node.isCut && (oldFlags(node.index) & NODE_CUT) !== 0);
    if (!shared) continue;
    pair(plan.defaultGroup[0], old32[r + N_DEFAULT]);
    pair(plan.defaultGroup[1], old32[r + N_DEFAULT_DO]);
    pair(plan.below[0], old32[r + N_BELOW]);
    pair(plan.below[1], old32[r + N_BELOW_DO]);
  }
  if (unpaired) return { ok: false, reason: 'a shared template group changed size' };

  const flagsOf = (node: TreeNode): number => {
    let flags = 0;
    if (!node.isCut && !node.occludedBy) flags |= NODE_AUTH;
    if (node.isApex) flags |= NODE_APEX;
    if (node.isCut) flags |= NODE_CUT;
    if (node.occludedBy) flags |= NODE_OCCLUDED;
    if (node.isEnt) flags |= NODE_ENT;
    return flags;
  };
  for (const { node, plan } of plans) {
    const typesAt = app.list([plan.types.length, ...plan.types.flatMap((t) => [t.qtype, writeGroup(t.groups[0]), writeGroup(t.groups[1])])]);
    const dnameAt = plan.dname ? app.list([plan.dname.ttl, app.add(plan.dname.target), plan.dname.target.length]) : 0;
    const r = new Uint32Array(NODE_WORDS);
    if (node.index < oldCount) {
      r[N_NAME] = old32[oldNodes + node.index * NODE_WORDS + N_NAME];
    } else {
      r[N_NAME] = app.add(node.name);
      nameOfIndex.set(node.index, node.name);
    }
    r[N_NAMELEN] = node.name.length | (flagsOf(node) << 16);
    r[N_HASH] = hashName(node.name, 0, node.name.length - 1);
    r[N_TYPES] = typesAt;
    r[N_DEFAULT] = writeGroup(plan.defaultGroup[0]);
    r[N_DEFAULT_DO] = writeGroup(plan.defaultGroup[1]);
    r[N_ANY] = writeGroup(plan.any[0]);
    r[N_ANY_DO] = writeGroup(plan.any[1]);
    r[N_BELOW] = writeGroup(plan.below[0]);
    r[N_BELOW_DO] = writeGroup(plan.below[1]);
    const w = node.wildcard;
    r[N_WILDCARD] = w ? w.index + 1 : 0;
    r[N_DNAME] = dnameAt;
    r[N_PROOF] = plan.proofs.proof;
    r[N_PROOF2] = plan.proofs.proof2;
    r[N_WILD_PROOF] = plan.proofs.wildcard;
    written.set(node.index, r);
  }
  // Shared groups paired but not written by any plan (cannot happen: pairs come from plans).

  // --- denial tables -----------------------------------------------------------------------
  let fragmentsAt = old32[H_FRAGMENTS];
  let nsecAt = old32[H_NSEC_TABLE];
  let nsec3At = old32[H_NSEC3_TABLE];
  if (signed && (rewrite.length > 0 || freed.size > 0)) {
    const offsets = new Map<number, number>();
    for (const x of rewrite) offsets.set(x.id, app.add(factory.fragment(x.node, x.type)));
    const fresh = rewrite.filter((x) => x.fresh);
    if (fresh.length > 0) {
      const total = nextId - 1;
      const table = new Uint32Array(1 + total);
      table[0] = total;
      table.set(old32.subarray(fragTable + 1, fragTable + 1 + fragCount), 1);
      for (const [id, at] of offsets) table[id] = at;
      fragmentsAt = app.list(table);
      st.garbage += 4 * (1 + fragCount);
    } else {
      for (const [id, at] of offsets) inPlace.set(fragTable + id, at);
    }
    if (fresh.length > 0 || freed.size > 0) {
      if (denial.mode === DENIAL_NSEC) {
        const t = old32[H_NSEC_TABLE] >>> 2;
        const n = old32[t];
        const adds = fresh.map((x) => ({ keyAt: app.add(x.key), key: x.key, id: x.id }))
          .sort((a, b) => compareKeys(a.key, 0, a.key.length, b.key, b.key.length));
        const out: number[] = [0];
        let k = 0;
        for (let i = 0; i < n; i++) {
          const e = t + 1 + i * 3;
          while (k < adds.length && compareKeys(old8, old32[e], old32[e + 1], adds[k].key, adds[k].key.length) > 0) {
            out.push(adds[k].keyAt, adds[k].key.length, adds[k].id);
            k++;
          }
          if (!freed.has(old32[e + 2])) out.push(old32[e], old32[e + 1], old32[e + 2]);
        }
        for (; k < adds.length; k++) out.push(adds[k].keyAt, adds[k].key.length, adds[k].id);
        out[0] = (out.length - 1) / 3;
        nsecAt = app.list(out);
        st.garbage += 4 * (1 + n * 3);
      } else {
        const t = old32[H_NSEC3_TABLE] >>> 2;
        const n = old32[t];
        const adds = fresh.map((x) => ({ at: app.add(x.key), key: x.key, id: x.id }))
          .sort((a, b) => compareHash(a.key, 0, b.key));
        const out: number[] = [0, old32[t + 1], old32[t + 2], old32[t + 3]];
        let k = 0;
        for (let i = 0; i < n; i++) {
          const at = old32[t + 4 + i * 2];
          while (k < adds.length && compareHash(old8, at, adds[k].key) > 0) {
            out.push(adds[k].at, adds[k].id);
            k++;
          }
          if (!freed.has(old32[t + 5 + i * 2])) out.push(at, old32[t + 5 + i * 2]);
        }
        for (; k < adds.length; k++) out.push(adds[k].at, adds[k].id);
        out[0] = (out.length - 4) / 2;
        nsec3At = app.list(out);
        st.garbage += 4 * (4 + n * 2);
      }
    }
  }

  // --- node array and hash table -----------------------------------------------------------
  /** Appended bytes that are live structures, not replacements (a moved node array, a grown hash table). */
  let live32 = 0;
  let nodesAt = old32[H_NODES];
  let capacity = Math.max(st.nodeCapacity, oldCount);
  if (count > capacity) {
    // Move the node array to the end, with room to grow, so the next new names need no move.
    capacity = count + Math.max(256, count >>> 3);
    nodesAt = app.reserve(capacity * NODE_WORDS * 4);
    live32 += capacity * NODE_WORDS * 4;
    st.garbage += oldCount * NODE_WORDS * 4;
  }
  let slots = oldMask + 1;
  let hashAt = old32[H_HASH];
  const liveCount = count - gone.length; // an upper bound: earlier removals still count
  const table = old32.slice(oldHash, oldHash + slots);
  const hashOf = (index: number): number => rec(index, N_HASH);
  const removeSlot = (index: number): void => {
    const mask = slots - 1;
    let i = hashOf(index) & mask;
    while (table[i] !== index + 1) i = (i + 1) & mask;
    table[i] = 0;
    // Backward-shift deletion keeps every probe sequence unbroken.
    for (let j = (i + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const home = hashOf(table[j] - 1) & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        table[i] = table[j];
        table[j] = 0;
        i = j;
      }
    }
  };
  for (const index of gone) {
    removeSlot(index);
    const r = new Uint32Array(NODE_WORDS);
    r.set(old32.subarray(oldNodes + index * NODE_WORDS, oldNodes + (index + 1) * NODE_WORDS));
    r[N_NAMELEN] = 0; // dead: no name has length 0
    written.set(index, r);
  }
  let finalTable = table;
  if (liveCount * 2 > slots) {
    while (slots < liveCount * 2) slots *= 2;
    finalTable = new Uint32Array(slots);
    for (let i = 0; i < count; i++) {
      if ((rec(i, N_NAMELEN) & 0xffff) === 0) continue; // removed
      let s = hashOf(i) & (slots - 1);
      while (finalTable[s] !== 0) s = (s + 1) & (slots - 1);
      finalTable[s] = i + 1;
    }
    hashAt = app.reserve(slots * 4);
    live32 += slots * 4;
    st.garbage += (oldMask + 1) * 4;
  } else {
    for (let i = oldCount; i < count; i++) {
      let s = hashOf(i) & (slots - 1);
      while (finalTable[s] !== 0) s = (s + 1) & (slots - 1);
      finalTable[s] = i + 1;
    }
  }

  // --- the new image -----------------------------------------------------------------------
  st.garbage += app.length - live32; // roughly what the appended templates and tables supersede
  const total = image.byteLength + app.length;
  if (total > 0x7fffffff) return { ok: false, reason: 'image too large' };
  const out = new SharedArrayBuffer(total);
  const o8 = new Uint8Array(out);
  o8.set(old8);
  o8.set(app.bytes.subarray(0, app.length), image.byteLength);
  const o32 = new Uint32Array(out);
  for (const [w, v] of inPlace) o32[w] = v;
  if (nodesAt !== old32[H_NODES]) o32.set(old32.subarray(oldNodes, oldNodes + oldCount * NODE_WORDS), nodesAt >>> 2);
  for (const [index, r] of written) o32.set(r, (nodesAt >>> 2) + index * NODE_WORDS);
  o32.set(finalTable, hashAt >>> 2);
  const h = o32;
  h[H_LENGTH] = total;
  h[H_NODES] = nodesAt;
  h[H_NODE_COUNT] = count;
  h[H_HASH] = hashAt;
  h[H_HASH_MASK] = slots - 1;
  h[H_RECORDS] = newStore.count;
  h[H_SERIAL] = newStore.serial;
  h[H_FRAGMENTS] = fragmentsAt;
  h[H_NSEC_TABLE] = nsecAt;
  h[H_NSEC3_TABLE] = nsec3At;
  return {
    ok: true, image: out, state: { garbage: st.garbage, nodeCapacity: capacity }, replanned: plans.length,
    serial: newStore.serial, records: newStore.count, signed,
  };
}

function compareHash(a: Uint8Array, at: number, b: Uint8Array): number {
  for (let i = 0; i < 20; i++) if (a[at + i] !== b[i]) return a[at + i] - b[i];
  return 0;
}

function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

