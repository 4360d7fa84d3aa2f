// The records a compiled image serves, read back from it: a node's RRsets, found by asking the
// answer engine each type of the node's type table and keeping the records the node owns (a
// delegation's NS come back in the authority section of its referral). The image holds templates,
// not records; this turns them into RRsets again for the console and for geo views (which compile
// small zones out of the main zone's data). Not the hot path: it allocates freely.

import { AnswerEngine, type AnswerOptions } from '../answer/answer.ts';
import { NODE_CUT, N_NAME, N_NAMELEN, N_TYPES } from './layout.ts';
import { hashName } from './name-hash.ts';
import type { ZoneImage } from './zone-image.ts';
import { parseMessage } from '../transfer/message.ts';
import { lowerName } from '../zone/name.ts';
import { TYPE_NS } from '../zone/types.ts';

/** One RRset as the image answers it: owner as the node holds it (lowercase), RDATA uncompressed. */
export interface ImageRRset {
  owner: Uint8Array;
  type: number;
  ttl: number;
  rdata: Uint8Array[];
}

const MAX_MESSAGE = 65535;

export class ImageRecords {
  private readonly engine: AnswerEngine;
  private readonly out = new Uint8Array(MAX_MESSAGE);

  /** An engine over `images` (transfers, TSIG and NOTIFY answered as by an unconfigured server). */
  constructor(images: SharedArrayBuffer[], options: AnswerOptions) {
    this.engine = new AnswerEngine({ ...options, handoff: false });
    this.engine.setZones(images);
    this.engine.client.setText('127.0.0.1');
  }

  /** The answer to one question (EDNS, payload 65535, DO as asked), as over TCP; null if dropped. */
  ask(name: Uint8Array, type: number, dnssec: boolean): Uint8Array | null {
    const query = buildQuery(name, type, dnssec);
    const n = this.engine.answer(query, query.length, this.out, true);
    return n <= 0 ? null : this.out.slice(0, n);
  }

  /** Every RRset of the node at word `node` of `zone`. */
  nodeRRsets(zone: ZoneImage, node: number): ImageRRset[] {
    const u32 = zone.u32;
    const nameAt = u32[node + N_NAME];
    const owner = zone.bytes.slice(nameAt, nameAt + (u32[node + N_NAMELEN] & 0xffff));
    const table = u32[node + N_TYPES] >>> 2;
    const types: number[] = [];
    for (let k = 0; k < u32[table]; k++) types.push(u32[table + 1 + k * 3]);
    if (((u32[node + N_NAMELEN] >>> 16) & NODE_CUT) !== 0 && !types.includes(TYPE_NS)) types.unshift(TYPE_NS);
    const sets: ImageRRset[] = [];
    for (const type of types) {
      const answer = this.ask(owner, type, false);
      if (answer === null) continue;
      const parsed = parseMessage(answer);
      const found = [...parsed.answers, ...parsed.authority].filter((r) => r.type === type && sameName(r.owner, owner));
      if (found.length === 0) continue;
      const seen = new Set<string>();
      const rdata: Uint8Array[] = [];
      for (const r of found) {
        const key = Buffer.from(r.rdata).toString('hex');
        if (seen.has(key)) continue;
        seen.add(key);
        rdata.push(r.rdata);
      }
      sets.push({ owner, type, ttl: found[0].ttl, rdata });
    }
    return sets;
  }

  /** Every RRset owned by `name` (absolute wire name) in `zone`; [] if the name has no node. */
  rrsetsAt(zone: ZoneImage, name: Uint8Array): ImageRRset[] {
    const lower = lowerName(name);
    const index = zone.findNode(lower, 0, lower.length, hashName(lower, 0, lower.length - 1));
    return index < 0 ? [] : this.nodeRRsets(zone, zone.node(index));
  }
}

export function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] >= 0x41 && a[i] <= 0x5a ? a[i] | 0x20 : a[i];
    const y = b[i] >= 0x41 && b[i] <= 0x5a ? b[i] | 0x20 : b[i];
    if (x !== y) return false;
  }
  return true;
}

/** A query for (name, type, IN) with an OPT record: payload 65535, DO as asked. */
export function buildQuery(name: Uint8Array, type: number, dnssec: boolean): Uint8Array {
  const q = new Uint8Array(12 + name.length + 4 + 11);
  q[5] = 1; // QDCOUNT
  q[11] = 1; // ARCOUNT: the OPT record
  q.set(name, 12);
  let p = 12 + name.length;
  q[p++] = type >> 8;
  q[p++] = type & 0xff;
  q[p++] = 0;
  q[p++] = 1; // IN
  // OPT: root owner, type 41, payload 65535, extended RCODE 0, version 0, DO as asked, no options.
  q.set([0, 0, 41, 0xff, 0xff, 0, 0, dnssec ? 0x80 : 0, 0, 0, 0], p);
  return q;
}
