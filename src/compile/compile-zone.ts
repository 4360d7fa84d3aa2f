// Compiles a zone into its immutable image: a SharedArrayBuffer of names, node records, a hash
// index and precomputed response templates (format in image/layout.ts).

import type { Zone } from '../zone/model.ts';
import { nameToText } from '../zone/name.ts';
import { TYPE_CNAME, TYPE_DNAME, TYPE_DS, TYPE_NSEC3, TYPE_RRSIG } from '../zone/types.ts';
import {
  HEADER_WORDS, H_APEX, H_APEX_LEN, H_FLAGS, H_HASH, H_HASH_MASK, H_LENGTH, H_MAGIC, H_NODES,
  H_NODE_COUNT, H_RECORDS, H_SERIAL, H_VERSION, IMAGE_MAGIC, IMAGE_NSEC3, IMAGE_SIGNED,
  IMAGE_VERSION, NODE_APEX, NODE_AUTH, NODE_CUT, NODE_ENT, NODE_OCCLUDED, NODE_WORDS, N_ANY,
  N_ANY_DO, N_ANY_TCP, N_BELOW, N_BELOW_DO, N_DEFAULT, N_DEFAULT_DO, N_DNAME, N_HASH, N_NAME,
  N_NAMELEN, N_TYPES, N_WILDCARD,
} from '../image/layout.ts';
import { hashName } from '../image/name-hash.ts';
import { ImageLimitError } from '../errors.ts';
import { type Group, TemplateFactory } from './templates.ts';
import { type TreeNode, ZoneTree } from './zone-tree.ts';
import { nameLength } from '../zone/name.ts';
import { TemplateTooLargeError } from './template-writer.ts';

export interface CompiledZone {
  image: SharedArrayBuffer;
  origin: string;
  serial: number;
  records: number;
  nodes: number;
}

interface NodePlan {
  node: TreeNode;
  types: { qtype: number; group: Group }[];
  defaultGroup: Group;
  anyUdp: Group;
  anyTcp: Group;
  below: Group;
  dname: { ttl: number; target: Uint8Array } | null;
}

function planNode(node: TreeNode, f: TemplateFactory, tree: ZoneTree): NodePlan {
  const types: { qtype: number; group: Group }[] = [];
  const plan: NodePlan = {
    node, types, defaultGroup: f.nodata(), anyUdp: f.nodata(), anyTcp: f.nodata(),
    below: f.nxdomain(), dname: null,
  };
  const cut = node.isCut ? node : node.occludedBy?.isCut ? node.occludedBy : null;
  if (cut) {
    const referral = f.referral(cut, cut !== node);
    plan.defaultGroup = plan.anyUdp = plan.anyTcp = referral;
    plan.below = f.referral(cut, true);
    if (cut === node) types.push({ qtype: TYPE_DS, group: f.delegationDs(node) });
    return plan;
  }
  if (node.occludedBy) {
    // Below a DNAME: `check` rejects data here; answer as the DNAME would.
    return planNode(node.occludedBy, f, tree);
  }
  const wildcard = node.name[0] === 1 && node.name[1] === 0x2a;
  const cname = node.rrsets.get(TYPE_CNAME);
  for (const type of node.rrsets.keys()) {
    types.push({ qtype: type, group: f.positive(node, type, wildcard) });
  }
  if (cname) {
    plan.defaultGroup = f.cnameChain(node, null, wildcard);
    const end = f.chainEnd(node);
    if (end) {
      for (const type of end.rrsets.keys()) {
        if (node.rrsets.has(type)) continue;
        types.push({ qtype: type, group: f.cnameChain(node, type, wildcard) });
      }
    }
  }
  if (node.rrsets.size > 0) {
    plan.anyUdp = f.anyMinimal(node, wildcard);
    plan.anyTcp = f.anyFull(node, wildcard);
  }
  const dname = node.rrsets.get(TYPE_DNAME);
  if (dname) {
    plan.below = f.dname(node, dname);
    const target = dname.rdatas[0];
    plan.dname = { ttl: dname.ttl, target: target.subarray(0, nameLength(target, 0)) };
  }
  return plan;
}

/** Appends 4-aligned chunks and hands out their offsets. */
class ImageBuilder {
  readonly chunks: Uint8Array[] = [];
  length = HEADER_WORDS * 4;
  add(bytes: Uint8Array): number {
    const at = this.length;
    this.chunks.push(bytes);
    this.length += (bytes.length + 3) & ~3;
    return at;
  }
  words(values: number[]): number {
    return this.add(new Uint8Array(Uint32Array.from(values).buffer));
  }
}

export function compile(zone: Zone): CompiledZone {
  const tree = new ZoneTree(zone);
  const origin = nameToText(tree.apex.name);
  const factory = new TemplateFactory(tree);
  const nodes = [...tree.nodes.values()].sort((a, b) => a.index - b.index);
  const b = new ImageBuilder();

  const nameOffsets = nodes.map((n) => b.add(n.name));
  const groupOffsets = new Map<Group, number>();
  const groupAt = (group: Group): number => {
    let at = groupOffsets.get(group);
    if (at === undefined) {
      const templates = group.map((t) => b.add(t));
      at = b.words([templates.length, ...templates]);
      groupOffsets.set(group, at);
    }
    return at;
  };

  const records = new Uint32Array(nodes.length * NODE_WORDS);
  for (const node of nodes) {
    let plan: NodePlan;
    try {
      plan = planNode(node, factory, tree);
    } catch (e) {
      if (e instanceof TemplateTooLargeError) {
        throw new ImageLimitError(`${nameToText(e.rrset.owner)} ${e.rrset.type}: ${e.message}`, origin);
      }
      throw e;
    }
    const table = [plan.types.length];
    for (const t of plan.types) {
      const g = groupAt(t.group);
      table.push(t.qtype, g, g);
    }
    const typesAt = b.words(table);
    const dnameAt = plan.dname
      ? b.words([plan.dname.ttl, b.add(plan.dname.target), plan.dname.target.length])
      : 0;
    let flags = 0;
    if (!node.isCut && !node.occludedBy) flags |= NODE_AUTH;
    if (node.isApex) flags |= NODE_APEX;
    if (node.isCut) flags |= NODE_CUT;
    if (node.occludedBy) flags |= NODE_OCCLUDED;
    if (node.isEnt) flags |= NODE_ENT;
    const rec = records.subarray(node.index * NODE_WORDS, (node.index + 1) * NODE_WORDS);
    rec[N_NAME] = nameOffsets[node.index];
    rec[N_NAMELEN] = node.name.length | (flags << 16);
    rec[N_HASH] = hashName(node.name, 0, node.name.length - 1);
    rec[N_TYPES] = typesAt;
    rec[N_DEFAULT] = rec[N_DEFAULT_DO] = groupAt(plan.defaultGroup);
    rec[N_ANY] = rec[N_ANY_DO] = groupAt(plan.anyUdp);
    rec[N_ANY_TCP] = groupAt(plan.anyTcp);
    rec[N_BELOW] = rec[N_BELOW_DO] = groupAt(plan.below);
    rec[N_WILDCARD] = node.wildcard ? node.wildcard.index + 1 : 0;
    rec[N_DNAME] = dnameAt;
  }
  const nodesAt = b.add(new Uint8Array(records.buffer));

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
  const image = new SharedArrayBuffer(total);
  const bytes = new Uint8Array(image);
  let at = HEADER_WORDS * 4;
  for (const chunk of b.chunks) {
    bytes.set(chunk, at);
    at += (chunk.length + 3) & ~3;
  }
  const soa = tree.soa.rdatas[0];
  const m = nameLength(soa, 0);
  const r = nameLength(soa, m);
  const serial = new DataView(soa.buffer, soa.byteOffset + m + r, 4).getUint32(0);
  const signed = [...tree.apex.rrsets.keys()].includes(TYPE_RRSIG);
  const nsec3 = nodes.some((n) => n.rrsets.has(TYPE_NSEC3));
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
  h[H_FLAGS] = (signed ? IMAGE_SIGNED : 0) | (nsec3 ? IMAGE_NSEC3 : 0);
  h[H_RECORDS] = tree.recordCount;
  return { image, origin, serial, records: tree.recordCount, nodes: nodes.length };
}

/** The image alone, for callers that need nothing else. */
export function compileZone(zone: Zone): SharedArrayBuffer {
  return compile(zone).image;
}
