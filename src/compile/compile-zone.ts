// Compiles a zone into its immutable image: a SharedArrayBuffer of names, node records, a hash
// index and precomputed response templates (format in image/layout.ts).

import type { Zone } from '../zone/model.ts';
import { nameToText } from '../zone/name.ts';
import { TYPE_CNAME, TYPE_DNAME, TYPE_DS, TYPE_NSEC, TYPE_NSEC3 } from '../zone/types.ts';
import {
  HEADER_WORDS, H_APEX, H_APEX_LEN, H_FLAGS, H_HASH, H_HASH_MASK, H_LENGTH, H_MAGIC, H_NODES,
  H_NODE_COUNT, H_RECORDS, H_SERIAL, H_VERSION, IMAGE_MAGIC, IMAGE_NSEC3, IMAGE_SIGNED,
  IMAGE_VERSION, NODE_APEX, NODE_AUTH, NODE_CUT, NODE_ENT, NODE_OCCLUDED, NODE_WORDS, N_ANY,
  N_ANY_DO, N_BELOW, N_BELOW_DO, N_DEFAULT, N_DEFAULT_DO, N_DNAME,
  N_HASH, N_NAME, N_NAMELEN, N_PROOF, N_PROOF2, N_TYPES, N_WILDCARD, N_WILD_PROOF, H_DENIAL,
  H_FRAGMENTS, H_NSEC_TABLE, H_NSEC3_TABLE, H_LOCATION, H_LOCATION_TABLE, IMAGE_TINYDNS,
} from '../image/layout.ts';
import { TinydnsPlanner } from './tinydns-plan.ts';
import { locationCode } from '../image/location.ts';
import { Denial, DENIAL_NSEC, DENIAL_NSEC3 } from './denial.ts';
import { hashName } from '../image/name-hash.ts';
import { ImageLimitError } from '../errors.ts';
import { type Group, type NodeProofs, TemplateFactory } from './templates.ts';
import { type TreeNode, ZoneTree } from './zone-tree.ts';
import { nameLength } from '../zone/name.ts';
import { releaseTemplateChunks, TemplateTooLargeError } from './template-writer.ts';

export interface CompiledZone {
  image: SharedArrayBuffer;
  origin: string;
  serial: number;
  records: number;
  nodes: number;
  signed: boolean;
}

/** The template groups of one node, without (index 0) and with (index 1) DNSSEC records. */
export interface NodePlan {
  types: { qtype: number; groups: Group[] }[];
  defaultGroup: Group[];
  any: Group[];
  below: Group[];
  dname: { ttl: number; target: Uint8Array } | null;
  proofs: NodeProofs;
}

export function planNode(node: TreeNode, f: TemplateFactory): NodePlan {
  // An unsigned zone's answers are the same with and without DO: one group serves both.
  const signed = f.denial.signed;
  const both = (make: (dnssec: boolean) => Group): Group[] => {
    const plain = make(false);
    return [plain, signed ? make(true) : plain];
  };
  const wildcard = node.name[0] === 1 && node.name[1] === 0x2a;
  const cut = node.isCut ? node : node.occludedBy?.isCut ? node.occludedBy : null;
  const plan: NodePlan = {
    types: [],
    defaultGroup: both((d) => f.nodata(d, wildcard)),
    any: [],
    below: both((d) => f.nxdomain(d)),
    dname: null,
    proofs: f.nodeProofs(node),
  };
  plan.any = plan.defaultGroup;
  if (cut) {
    const referral = both((d) => f.referral(cut, cut !== node, d));
    plan.defaultGroup = plan.any = referral;
    plan.below = both((d) => f.referral(cut, true, d));
    if (cut === node) plan.types.push({ qtype: TYPE_DS, groups: both((d) => f.delegationDs(node, d)) });
    return plan;
  }
  if (node.occludedBy) {
    // Below a DNAME: `check` rejects data here; answer as the DNAME would.
    return planNode(node.occludedBy, f);
  }
  for (const type of node.rrsets.keys()) {
    plan.types.push({ qtype: type, groups: both((d) => f.positive(node, type, d)) });
  }
  if (node.rrsets.has(TYPE_CNAME)) {
    plan.defaultGroup = both((d) => f.cnameChain(node, null, d));
    // Knot answers NSEC at a CNAME without an NSEC (NSEC3 zones) as NODATA, not by the chain.
    if (!node.rrsets.has(TYPE_NSEC)) {
      plan.types.push({ qtype: TYPE_NSEC, groups: both((d) => f.nodata(d, wildcard)) });
    }
    const end = f.chainEnd(node);
    if (end) {
      for (const type of end.rrsets.keys()) {
        if (node.rrsets.has(type)) continue;
        plan.types.push({ qtype: type, groups: both((d) => f.cnameChain(node, type, d)) });
      }
    }
  }
  const anyType = f.anyType(node);
  if (anyType !== undefined) {
    // RFC 8482 minimal ANY is the answer for one of the node's types: share its templates.
    plan.any = plan.types.find((t) => t.qtype === anyType)!.groups;
  }
  const dname = node.rrsets.get(TYPE_DNAME);
  if (dname) {
    plan.below = both((d) => f.dname(node, dname, d));
    const target = dname.rdatas[0];
    plan.dname = { ttl: dname.ttl, target: target.subarray(0, nameLength(target, 0)) };
  }
  return plan;
}

/** One growing buffer the image is written into, 4-aligned pieces, handing out offsets. */
class ImageBuilder {
  private bytes: Uint8Array;
  private u32: Uint32Array;
  length = HEADER_WORDS * 4;

  /** `expected`: a guess at the image's size, so a large zone's image is not copied a dozen times while it grows. */
  constructor(expected = 1 << 20) {
    let size = 1 << 20;
    while (size < expected && size < 1 << 30) size *= 2;
    this.bytes = new Uint8Array(size);
    this.u32 = new Uint32Array(this.bytes.buffer);
  }

  private reserve(n: number): number {
    const at = this.length;
    const end = at + ((n + 3) & ~3);
    if (end > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < end) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bytes.subarray(0, this.length));
      this.bytes = next;
      this.u32 = new Uint32Array(next.buffer);
    }
    this.length = end;
    return at;
  }

  add(bytes: Uint8Array): number {
    const at = this.reserve(bytes.length);
    this.bytes.set(bytes, at);
    return at;
  }

  /** Room for `count` u32 words; write them with word(). */
  words(count: number): number {
    return this.reserve(count * 4);
  }

  word(at: number, index: number, value: number): void {
    this.u32[(at >>> 2) + index] = value;
  }

  list(values: number[]): number {
    const at = this.words(values.length);
    for (let i = 0; i < values.length; i++) this.word(at, i, values[i]);
    return at;
  }

  /** The image: the bytes written, in shared memory. */
  finish(): SharedArrayBuffer {
    const image = new SharedArrayBuffer(this.length);
    new Uint8Array(image).set(this.bytes.subarray(0, this.length));
    return image;
  }
}

export function compile(zone: Zone): CompiledZone {
  const tree = new ZoneTree(zone);
  const origin = nameToText(tree.apex.name);
  const denial = new Denial(tree);
  const factory = new TemplateFactory(tree, denial);
  const nodes = [...tree.nodes.values()].sort((a, b) => a.index - b.index);
  // ≈ 150 bytes per record in zones of one or two records per name (see bench/NOTES.md).
  const b = new ImageBuilder(tree.recordCount * 160);

  const nameOffsets = nodes.map((n) => b.add(n.name));
  const tinydns = zone.style === 'tinydns' ? new TinydnsPlanner(tree, zone.outsideAddresses ?? []) : null;
  // Groups shared between nodes are written once and remembered for the whole build; any other
  // group only while its node is written (the same group can serve several types, DO and not).
  const sharedOffsets = new Map<Group, number>();
  const nodeOffsets = new Map<Group, number>();
  const groupAt = (group: Group): number => {
    const groupOffsets = tinydns || factory.isShared(group) ? sharedOffsets : nodeOffsets;
    let at = groupOffsets.get(group);
    if (at === undefined) {
      const templates = group.map((t) => b.add(t));
      at = b.words(templates.length + 1);
      b.word(at, 0, templates.length);
      for (let i = 0; i < templates.length; i++) b.word(at, i + 1, templates[i]);
      groupOffsets.set(group, at);
    }
    return at;
  };

  const records = new Uint32Array(nodes.length * NODE_WORDS);
  const wildcardOf = new Map<TreeNode, TreeNode | null>();
  for (const node of nodes) {
    nodeOffsets.clear();
    let plan: NodePlan;
    try {
      if (tinydns) {
        const p = tinydns.plan(node);
        const pair = (g: Group): Group[] => [g, g];
        plan = {
          types: p.types.map((t) => ({ qtype: t.qtype, groups: pair(t.group) })),
          defaultGroup: pair(p.defaultGroup),
          any: pair(p.any),
          below: pair(p.below),
          dname: null,
          proofs: { proof: 0, proof2: 0, wildcard: 0 },
        };
        wildcardOf.set(node, p.wildcard);
      } else {
        plan = planNode(node, factory);
      }
    } catch (e) {
      if (e instanceof TemplateTooLargeError) {
        throw new ImageLimitError(`${nameToText(e.rrset.owner)} ${e.rrset.type}: ${e.message}`, origin);
      }
      throw e;
    }
    const typesAt = b.words(1 + plan.types.length * 3);
    b.word(typesAt, 0, plan.types.length);
    plan.types.forEach((t, i) => {
      b.word(typesAt, 1 + i * 3, t.qtype);
      b.word(typesAt, 2 + i * 3, groupAt(t.groups[0]));
      b.word(typesAt, 3 + i * 3, groupAt(t.groups[1]));
    });
    const dnameAt = plan.dname
      ? b.list([plan.dname.ttl, b.add(plan.dname.target), plan.dname.target.length])
      : 0;
    let flags = 0;
    if (!node.isCut && !node.occludedBy) flags |= NODE_AUTH;
    if (node.isApex) flags |= NODE_APEX;
    if (node.isCut) flags |= NODE_CUT;
    if (node.occludedBy) flags |= NODE_OCCLUDED;
    if (node.isEnt) flags |= NODE_ENT;
    const r = node.index * NODE_WORDS;
    records[r + N_NAME] = nameOffsets[node.index];
    records[r + N_NAMELEN] = node.name.length | (flags << 16);
    records[r + N_HASH] = hashName(node.name, 0, node.name.length - 1);
    records[r + N_TYPES] = typesAt;
    records[r + N_DEFAULT] = groupAt(plan.defaultGroup[0]);
    records[r + N_DEFAULT_DO] = groupAt(plan.defaultGroup[1]);
    records[r + N_ANY] = groupAt(plan.any[0]);
    records[r + N_ANY_DO] = groupAt(plan.any[1]);
    records[r + N_BELOW] = groupAt(plan.below[0]);
    records[r + N_BELOW_DO] = groupAt(plan.below[1]);
    const wildcard = tinydns ? wildcardOf.get(node) : node.wildcard;
    records[r + N_WILDCARD] = wildcard ? wildcard.index + 1 : 0;
    records[r + N_DNAME] = dnameAt;
    records[r + N_PROOF] = plan.proofs.proof;
    records[r + N_PROOF2] = plan.proofs.proof2;
    records[r + N_WILD_PROOF] = plan.proofs.wildcard;
  }
  const nodesAt = b.add(new Uint8Array(records.buffer));
  const prefixes = zone.locationPrefixes ?? [];
  const locationTableAt = prefixes.length === 0 ? 0 : b.list([prefixes.length, ...prefixes.flatMap((p) => {
    let bytes = 0;
    for (let i = 0; i < 4; i++) bytes = (bytes << 8) | (p.prefix[i] ?? 0);
    return [bytes >>> 0, p.prefix.length, locationCode(p.location)];
  })]);
  const denialAt = writeDenialTables(b, denial, factory);

  let slots = 16;
  while (slots < nodes.length * 2) slots *= 2;
  const table = new Uint32Array(slots);
  for (const node of nodes) {
    let i = hashName(node.name, 0, node.name.length - 1) & (slots - 1);
    while (table[i] !== 0) i = (i + 1) & (slots - 1);
    table[i] = node.index + 1;
  }
  const hashAt = b.add(new Uint8Array(table.buffer));

  const total = b.length;
  if (total > 0x7fffffff) throw new ImageLimitError(`image of ${total} bytes is too large`, origin);
  const image = b.finish();
  const soa = tree.soa.rdatas[0];
  const m = nameLength(soa, 0);
  const r = nameLength(soa, m);
  const serial = new DataView(soa.buffer, soa.byteOffset + m + r, 4).getUint32(0);
  const h = new Uint32Array(image, 0, HEADER_WORDS);
  h[H_MAGIC] = IMAGE_MAGIC;
  h[H_VERSION] = IMAGE_VERSION;
  h[H_LENGTH] = total;
  h[H_APEX] = nameOffsets[tree.apex.index];
  h[H_APEX_LEN] = tree.apex.name.length;
  h[H_HASH] = hashAt;
  h[H_HASH_MASK] = slots - 1;
  h[H_NODES] = nodesAt;
  h[H_NODE_COUNT] = nodes.length;
  h[H_SERIAL] = serial;
  h[H_FLAGS] = (denial.signed ? IMAGE_SIGNED : 0) | (denial.mode === DENIAL_NSEC3 ? IMAGE_NSEC3 : 0)
    | (tinydns ? IMAGE_TINYDNS : 0);
  h[H_LOCATION] = locationCode(zone.location ?? '');
  h[H_LOCATION_TABLE] = locationTableAt;
  h[H_RECORDS] = tree.recordCount;
  h[H_DENIAL] = denial.mode;
  h[H_FRAGMENTS] = denialAt.fragments;
  h[H_NSEC_TABLE] = denialAt.nsec;
  h[H_NSEC3_TABLE] = denialAt.nsec3;
  releaseTemplateChunks();
  return { image, origin, serial, records: tree.recordCount, nodes: nodes.length, signed: denial.signed };
}

/** Canonical-order key: labels right to left, each [length][bytes] (see image/layout.ts). */
export function reversedLabels(name: Uint8Array): Uint8Array {
  const starts: number[] = [];
  for (let i = 0; name[i] !== 0; i += name[i] + 1) starts.push(i);
  const out = new Uint8Array(name.length - 1);
  let p = 0;
  for (let k = starts.length - 1; k >= 0; k--) {
    const s = starts[k];
    out.set(name.subarray(s, s + name[s] + 1), p);
    p += name[s] + 1;
  }
  return out;
}

function writeDenialTables(b: ImageBuilder, denial: Denial, f: TemplateFactory): { fragments: number; nsec: number; nsec3: number } {
  if (!denial.signed) return { fragments: 0, nsec: 0, nsec3: 0 };
  if (denial.mode === DENIAL_NSEC) {
    const chain = denial.nsecChain;
    const fragments = b.list([chain.length, ...chain.map((n) => b.add(f.fragment(n, TYPE_NSEC)))]);
    const entries: number[] = [chain.length];
    chain.forEach((n, i) => {
      const key = reversedLabels(n.name);
      entries.push(b.add(key), key.length, i + 1);
    });
    return { fragments, nsec: b.list(entries), nsec3: 0 };
  }
  const chain = denial.nsec3Chain;
  const fragments = b.list([chain.length, ...chain.map((e) => b.add(f.fragment(e.node, TYPE_NSEC3)))]);
  const salt = denial.params.salt;
  const entries: number[] = [chain.length, denial.params.iterations, b.add(salt), salt.length];
  chain.forEach((e, i) => entries.push(b.add(e.hash), i + 1));
  return { fragments, nsec: 0, nsec3: b.list(entries) };
}
