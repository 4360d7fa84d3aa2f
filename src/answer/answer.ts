// Bytes in, bytes out: the transport-independent answer function. It classifies the query
// (error, CHAOS, refused, or a template from a zone image), then copies the question and the
// template into the response buffer and patches ID, flags, counts and pointers.

import { ZoneImage } from '../image/zone-image.ts';
import { hashName } from '../image/name-hash.ts';
import {
  CUT_TC, DENIAL_NSEC, H_DENIAL, H_FRAGMENTS, NODE_AUTH, N_ANY, N_ANY_DO, N_BELOW, N_BELOW_DO, N_DEFAULT, N_DEFAULT_DO, N_DNAME, N_NAMELEN, N_PROOF,
  N_PROOF2, N_TYPES, N_WILDCARD, N_WILD_PROOF, PROOF_ENCLOSER, PROOF_ENCLOSER_WILDCARD,
  PROOF_NODE, PROOF_QNAME, T_AA, T_HEADER_U16, T_PROOF, T_SPLIT,
} from '../image/layout.ts';
import { DenialSearch } from './denial-search.ts';
import {
  ParsedQuery, PARSE_BADVERS, PARSE_DROP, PARSE_FORMERR, PARSE_NOTIMP, PARSE_OK,
} from './query.ts';
import { ChaosAnswers, type ChaosOptions } from './chaos.ts';

export type { ChaosOptions } from './chaos.ts';

export interface AnswerOptions {
  /** Largest UDP response to an EDNS client (RFC 9715 recommends 1232). */
  maxUdpPayload: number;
  chaos: ChaosOptions;
}

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;
export const RCODE_YXDOMAIN = 6;
export const RCODE_BADVERS = 16;

const CLASS_IN = 1;
const CLASS_CH = 3;
const QTYPE_ANY = 255;
const OPT_LENGTH = 11;
const TYPE_CNAME = 5;
/** Where a fragment's body starts in the message it was written for (question name `.`). */
const FRAGMENT_BASE = 12 + 1 + 4;
const NO_SHIFT = 0x7fffffff;

/** What the last answer() did, for counters (read by the transport after each call). */
export const OUTCOME_ANSWERED = 0;
export const OUTCOME_DROPPED = 1;

export class AnswerEngine {
  private readonly options: AnswerOptions;
  private readonly query = new ParsedQuery();
  private readonly chaos: ChaosAnswers;
  private zones: ZoneImage[] = [];
  /** Open-addressed table of apex hashes → zone index + 1. */
  private zoneTable = new Int32Array(1);
  private zoneMask = 0;
  private rotation = 0;
  private readonly denial = new DenialSearch();
  /** Proof fragments for the response being written (ids, count). */
  private readonly fragments = new Uint32Array(6);
  private fragmentCount = 0;
  // What the lookup found, for the proofs a DNSSEC template asks for: the node answering
  // (exact or wildcard), the closest encloser and its label index in the query name.
  private proofNode = -1;
  private ceNode = -1;
  private ceLabel = -1;
  // Results of the last template write (fields, not a returned object: no allocation).
  private pos = 0;
  private an = 0;
  private ns = 0;
  private ar = 0;
  private tc = false;
  private aa = false;
  private rcode = 0;
  /** The rcode of the last response, -1 when it was dropped. */
  lastRcode = 0;

  constructor(options: AnswerOptions) {
    this.options = options;
    this.chaos = new ChaosAnswers(options.chaos);
  }

  /** Switch to a new set of zone images. Called between packets, never during one. */
  setZones(images: SharedArrayBuffer[]): void {
    const zones = images.map((image) => new ZoneImage(image));
    let size = 4;
    while (size < zones.length * 2) size *= 2;
    const table = new Int32Array(size);
    zones.forEach((z, i) => {
      let slot = hashName(z.bytes, z.apexOffset, z.apexOffset + z.apexLength - 1) & (size - 1);
      while (table[slot] !== 0) slot = (slot + 1) & (size - 1);
      table[slot] = i + 1;
    });
    this.zones = zones;
    this.zoneTable = table;
    this.zoneMask = size - 1;
  }

  /** Number of zones currently served. */
  get zoneCount(): number {
    return this.zones.length;
  }

  /**
   * Answer one query. `out` must hold 65535 bytes. Returns the response length, or 0 when the
   * packet is dropped. Never throws on any input.
   */
  answer(q: Uint8Array, len: number, out: Uint8Array, tcp: boolean): number {
    const query = this.query;
    const status = query.parse(q, len);
    if (status !== PARSE_OK) {
      if (status === PARSE_DROP) {
        this.lastRcode = -1;
        return 0;
      }
      const rcode = status === PARSE_FORMERR ? RCODE_FORMERR
        : status === PARSE_NOTIMP ? RCODE_NOTIMP : RCODE_BADVERS;
      return this.errorResponse(q, out, rcode);
    }
    if (query.qclass === CLASS_IN) return this.answerIn(q, out, tcp);
    if (query.qclass === CLASS_CH) {
      const body = this.chaos.find(query.name, query.nameLength, query.qtype);
      if (body !== null) return this.answerChaos(q, out, tcp, body);
    }
    return this.errorResponse(q, out, RCODE_REFUSED);
  }

  private answerIn(q: Uint8Array, out: Uint8Array, tcp: boolean): number {
    const query = this.query;
    // Longest-suffix zone match: try the whole name first, the root last.
    let zone: ZoneImage | null = null;
    let zoneLabel = 0;
    for (let k = 0; k <= query.labelCount; k++) {
      const start = query.labelStarts[k];
      const length = query.nameLength - start;
      let slot = query.hashes[k] & this.zoneMask;
      for (;;) {
        const entry = this.zoneTable[slot];
        if (entry === 0) break;
        const z = this.zones[entry - 1];
        if (z.isApex(query.name, start, length)) {
          zone = z;
          break;
        }
        slot = (slot + 1) & this.zoneMask;
      }
      if (zone !== null) {
        zoneLabel = k;
        break;
      }
    }
    if (zone === null) return this.errorResponse(q, out, RCODE_REFUSED);

    const u32 = zone.u32;
    const dnssec = query.ednsDo;
    let index = zone.findNode(query.name, 0, query.nameLength, query.hashes[0]);
    if (index >= 0) {
      this.proofNode = zone.node(index);
      this.ceNode = this.ceLabel = -1;
      return this.writeGroup(q, out, tcp, zone, this.groupFor(zone, this.proofNode));
    }

    // Closest encloser: the longest existing suffix (the apex always exists).
    let k = 1;
    for (; k <= zoneLabel; k++) {
      const start = query.labelStarts[k];
      index = zone.findNode(query.name, start, query.nameLength - start, query.hashes[k]);
      if (index >= 0) break;
    }
    if (index < 0) return this.errorResponse(q, out, RCODE_SERVFAIL); // image without apex node
    const ce = zone.node(index);
    this.ceNode = ce;
    this.ceLabel = k;
    this.proofNode = -1;
    if ((u32[ce + N_NAMELEN] >>> 16 & NODE_AUTH) !== 0) {
      const dname = u32[ce + N_DNAME];
      if (dname !== 0) return this.answerDname(q, out, tcp, zone, ce, dname, query.labelStarts[k]);
      const wildcard = u32[ce + N_WILDCARD];
      if (wildcard !== 0) {
        this.proofNode = zone.node(wildcard - 1);
        return this.writeGroup(q, out, tcp, zone, this.groupFor(zone, this.proofNode));
      }
    }
    return this.writeGroup(q, out, tcp, zone, u32[ce + (dnssec ? N_BELOW_DO : N_BELOW)]);
  }

  /** The template group answering this query's type at a node. */
  private groupFor(zone: ZoneImage, node: number): number {
    const u32 = zone.u32;
    const qtype = this.query.qtype;
    const dnssec = this.query.ednsDo;
    if (qtype === QTYPE_ANY) return u32[node + (dnssec ? N_ANY_DO : N_ANY)];
    const table = u32[node + N_TYPES] >>> 2;
    const count = u32[table];
    for (let i = 0, e = table + 1; i < count; i++, e += 3) {
      if (u32[e] === qtype) return u32[e + (dnssec ? 2 : 1)];
    }
    return u32[node + (dnssec ? N_DEFAULT_DO : N_DEFAULT)];
  }

  private responseLimit(tcp: boolean): number {
    if (tcp) return 65535;
    const query = this.query;
    if (!query.edns) return 512;
    const size = Math.min(query.ednsPayload, this.options.maxUdpPayload);
    return size < 512 ? 512 : size;
  }

  private writeGroup(q: Uint8Array, out: Uint8Array, tcp: boolean, zone: ZoneImage, group: number): number {
    const u32 = zone.u32;
    const g = group >>> 2;
    const count = u32[g];
    const template = count === 1 ? u32[g + 1] : u32[g + 1 + (this.rotation++ % count)];
    const query = this.query;
    this.copyQuestion(q, out);
    const limit = this.responseLimit(tcp) - (query.edns ? OPT_LENGTH : 0);
    const proof = zone.u16[(template >>> 1) + T_PROOF];
    if (proof === 0 || !query.ednsDo) {
      this.writeTemplate(zone, template, query.questionEnd, limit, out);
    } else {
      this.writeWithProofs(zone, template, proof, limit, out);
    }
    return this.finish(q, out);
  }

  private addFragment(id: number): void {
    if (id === 0) return;
    for (let i = 0; i < this.fragmentCount; i++) if (this.fragments[i] === id) return;
    this.fragments[this.fragmentCount++] = id;
  }

  /**
   * A DNSSEC template whose denial proofs depend on the query: the answer and authority part,
   * the proof fragments (from the node records, or searched for the query name), then the
   * additional part with its pointers moved past the inserted fragments.
   */
  private writeWithProofs(zone: ZoneImage, template: number, proof: number, limit: number, out: Uint8Array): void {
    const u32 = zone.u32;
    const u16 = zone.u16;
    const query = this.query;
    this.fragmentCount = 0;
    if ((proof & PROOF_NODE) !== 0 && this.proofNode >= 0) {
      this.addFragment(u32[this.proofNode + N_PROOF]);
      this.addFragment(u32[this.proofNode + N_PROOF2]);
    }
    if (this.ceNode >= 0) {
      if ((proof & PROOF_ENCLOSER) !== 0) this.addFragment(u32[this.ceNode + N_PROOF]);
      if ((proof & PROOF_QNAME) !== 0 && this.ceLabel >= 1) {
        if (u32[H_DENIAL] === DENIAL_NSEC) {
          this.addFragment(this.denial.nsecCovering(zone, query.name, query.labelStarts, 0, query.labelCount));
        } else {
          const start = query.labelStarts[this.ceLabel - 1];
          this.addFragment(this.denial.nsec3Covering(zone, query.name, start, query.nameLength - start));
        }
      }
      if ((proof & PROOF_ENCLOSER_WILDCARD) !== 0) this.addFragment(u32[this.ceNode + N_WILD_PROOF]);
    }
    const fragmentTable = (u32[H_FRAGMENTS] >>> 2) + 1;
    const t = template >>> 1;
    const bodyLen = u16[t + 5];
    let total = bodyLen;
    for (let i = 0; i < this.fragmentCount; i++) total += u16[(u32[fragmentTable + this.fragments[i] - 1] >>> 1) + 5];
    const pos = query.questionEnd;
    if (pos + total > limit) {
      // Proofs that do not fit may not be left out silently: send what fits with TC=1.
      this.writeTemplate(zone, template, pos, limit, out);
      this.tc = true;
      return;
    }
    const split = u16[t + T_SPLIT];
    const delta = query.nameLength - u16[t + 1];
    this.copyBody(zone, template, 0, split, pos, out, delta, NO_SHIFT, 0);
    let p = pos + split;
    let ns = u16[t + 3];
    for (let i = 0; i < this.fragmentCount; i++) {
      const f = u32[fragmentTable + this.fragments[i] - 1];
      const len = u16[(f >>> 1) + 5];
      this.copyBody(zone, f, 0, len, p, out, p - FRAGMENT_BASE, NO_SHIFT, 0);
      ns += u16[(f >>> 1) + 3];
      p += len;
    }
    const inserted = p - pos - split;
    const splitTarget = 12 + u16[t + 1] + 4 + split;
    this.copyBody(zone, template, split, bodyLen, p, out, delta, splitTarget, inserted);
    this.pos = p + bodyLen - split;
    this.an = u16[t + 2];
    this.ns = ns;
    this.ar = u16[t + 4];
    this.tc = false;
    this.aa = (u16[t] & T_AA) !== 0;
    this.rcode = u16[t] & 0x0f;
  }

  /**
   * Copy body[from, to) of a template to out[at], moving each listed compression pointer in
   * that range by `delta`, plus `extra` when its target (as written) is at or past `shiftFrom`.
   */
  private copyBody(
    zone: ZoneImage, template: number, from: number, to: number, at: number, out: Uint8Array,
    delta: number, shiftFrom: number, extra: number,
  ): void {
    const u16 = zone.u16;
    const bytes = zone.bytes;
    const t = template >>> 1;
    const relocs = u16[t + 6];
    const body = template + 2 * (T_HEADER_U16 + relocs + u16[t + 7] * 4) + from;
    const n = to - from;
    if (n > 256) {
      out.set(bytes.subarray(body, body + n), at);
    } else {
      for (let i = 0; i < n; i++) out[at + i] = bytes[body + i];
    }
    if (delta === 0 && extra === 0) return;
    for (let r = t + T_HEADER_U16, end = r + relocs; r < end; r++) {
      const off = u16[r];
      if (off < from || off >= to) continue;
      const p = at + off - from;
      let target = ((out[p] & 0x3f) << 8) | out[p + 1];
      if (target >= shiftFrom) target += extra;
      target += delta;
      out[p] = 0xc0 | (target >>> 8);
      out[p + 1] = target & 0xff;
    }
  }

  /**
   * Copy a template's body after the question, cut to fit `limit`, and move its relocatable
   * pointers by the difference between the query name's length and the template's nominal one.
   * Leaves counts, flags and the write position in fields.
   */
  private writeTemplate(zone: ZoneImage, template: number, pos: number, limit: number, out: Uint8Array): void {
    const u16 = zone.u16;
    const t = template >>> 1;
    const flags = u16[t];
    const relocs = u16[t + 6];
    const cuts = u16[t + 7];
    const bodyLen = u16[t + 5];
    let keep = bodyLen;
    this.an = u16[t + 2];
    this.ns = u16[t + 3];
    this.ar = u16[t + 4];
    this.tc = false;
    if (pos + bodyLen > limit) {
      // Cut at the last RRset boundary that fits (a cut point 0 always exists if any RRset does).
      let c = t + T_HEADER_U16 + relocs + (cuts - 1) * 4;
      keep = 0;
      this.an = this.ns = this.ar = 0;
      this.tc = cuts > 0;
      for (let i = cuts - 1; i >= 0; i--, c -= 4) {
        if (pos + u16[c] <= limit) {
          keep = u16[c];
          this.an = u16[c + 1];
          this.ns = u16[c + 2];
          this.ar = u16[c + 3] & ~CUT_TC;
          this.tc = (u16[c + 3] & CUT_TC) !== 0;
          break;
        }
      }
    }
    this.copyBody(zone, template, 0, keep, pos, out, this.query.nameLength - u16[t + 1], NO_SHIFT, 0);
    this.pos = pos + keep;
    this.aa = (flags & T_AA) !== 0;
    this.rcode = flags & 0x0f;
  }

  /**
   * RFC 6672: the DNAME RRset from its template, then a CNAME synthesized from the query name
   * with the DNAME owner's suffix replaced by the target.
   */
  private answerDname(
    q: Uint8Array, out: Uint8Array, tcp: boolean, zone: ZoneImage, ce: number, dname: number,
    ownerStart: number,
  ): number {
    const u32 = zone.u32;
    const query = this.query;
    const limit = this.responseLimit(tcp) - (query.edns ? OPT_LENGTH : 0);
    const ttl = u32[dname >>> 2];
    const targetAt = u32[(dname >>> 2) + 1];
    const targetLen = u32[(dname >>> 2) + 2];
    this.copyQuestion(q, out);
    this.writeTemplate(zone, this.firstTemplate(zone, u32[ce + (query.ednsDo ? N_BELOW_DO : N_BELOW)]), query.questionEnd, limit, out);
    if (this.tc) return this.finish(q, out);
    const newLength = ownerStart + targetLen;
    if (newLength > 255) {
      this.rcode = RCODE_YXDOMAIN;
      return this.finish(q, out);
    }
    let p = this.pos;
    if (p + 12 + newLength > limit) {
      this.tc = true;
      return this.finish(q, out);
    }
    out[p++] = 0xc0; out[p++] = 0x0c;
    out[p++] = 0; out[p++] = TYPE_CNAME;
    out[p++] = 0; out[p++] = CLASS_IN;
    out[p++] = ttl >>> 24; out[p++] = (ttl >>> 16) & 0xff; out[p++] = (ttl >>> 8) & 0xff; out[p++] = ttl & 0xff;
    out[p++] = newLength >>> 8; out[p++] = newLength & 0xff;
    for (let i = 0; i < ownerStart; i++) out[p++] = q[12 + i];
    const bytes = zone.bytes;
    for (let i = 0; i < targetLen; i++) out[p++] = bytes[targetAt + i];
    this.pos = p;
    this.an++;
    return this.finish(q, out);
  }

  private firstTemplate(zone: ZoneImage, group: number): number {
    return zone.u32[(group >>> 2) + 1];
  }

  private answerChaos(q: Uint8Array, out: Uint8Array, tcp: boolean, body: Uint8Array): number {
    const query = this.query;
    this.copyQuestion(q, out);
    const limit = this.responseLimit(tcp) - (query.edns ? OPT_LENGTH : 0);
    let pos = query.questionEnd;
    this.an = this.ns = this.ar = 0;
    this.tc = false;
    if (body.length > 0 && pos + body.length <= limit) {
      out.set(body, pos);
      pos += body.length;
      this.an = 1;
    } else if (body.length > 0) {
      this.tc = true;
    }
    this.pos = pos;
    this.aa = true;
    this.rcode = RCODE_NOERROR;
    return this.finish(q, out);
  }

  private copyQuestion(q: Uint8Array, out: Uint8Array): void {
    const end = this.query.questionEnd;
    for (let i = 12; i < end; i++) out[i] = q[i];
  }

  /** An answer with no records: the question echoed when it could be read. */
  private errorResponse(q: Uint8Array, out: Uint8Array, rcode: number): number {
    const query = this.query;
    this.an = this.ns = this.ar = 0;
    this.tc = false;
    this.aa = false;
    this.rcode = rcode;
    if (query.hasQuestion) {
      this.copyQuestion(q, out);
      this.pos = query.questionEnd;
    } else {
      this.pos = 12;
    }
    return this.finish(q, out);
  }

  /** Header, then the OPT record when the query had one. */
  private finish(q: Uint8Array, out: Uint8Array): number {
    const query = this.query;
    const rcode = this.rcode;
    out[0] = q[0];
    out[1] = q[1];
    // QR, the query's opcode and RD; AA and TC as decided. RA is never set (no recursion);
    // CD is copied (RFC 4035 §3.1.6 leaves it to the resolver).
    out[2] = 0x80 | (q[2] & 0x79) | (this.aa ? 0x04 : 0) | (this.tc ? 0x02 : 0);
    out[3] = (q[3] & 0x10) | (rcode & 0x0f);
    out[4] = 0;
    out[5] = query.hasQuestion ? 1 : 0;
    out[6] = this.an >>> 8; out[7] = this.an & 0xff;
    out[8] = this.ns >>> 8; out[9] = this.ns & 0xff;
    let ar = this.ar;
    let p = this.pos;
    if (query.edns) {
      const size = this.options.maxUdpPayload;
      out[p++] = 0;
      out[p++] = 0; out[p++] = 41;
      out[p++] = size >>> 8; out[p++] = size & 0xff;
      out[p++] = rcode >>> 4; // extended RCODE, upper 8 bits
      out[p++] = 0; // version
      out[p++] = query.ednsDo ? 0x80 : 0; out[p++] = 0;
      out[p++] = 0; out[p++] = 0;
      ar++;
    }
    out[10] = ar >>> 8; out[11] = ar & 0xff;
    this.lastRcode = rcode;
    return p;
  }
}
