// Parses a query's header, question and EDNS into preallocated fields: the first step of the
// answer path, with every bound checked here so later steps read without checks. What is
// dropped and what gets FORMERR follows Knot DNS, the reference the interop suite holds us to.

import { hashSuffixes, ROOT_HASH } from '../image/name-hash.ts';

export const MAX_LABELS = 128;

export const PARSE_OK = 0;
/** Not worth an answer (no header, a response, no readable question): drop silently. */
export const PARSE_DROP = 1;
/** FORMERR; the OPT record is echoed only when the query's EDNS was read without fault. */
export const PARSE_FORMERR = 2;
export const PARSE_BADVERS = 3;

// Why a packet was dropped (ParsedQuery.dropReason), for the drop counters.
/** Shorter than the 12-byte header. */
export const DROP_SHORT_HEADER = 0;
/** QR=1: a response, never answered (no reflection loops between servers). */
export const DROP_RESPONSE = 1;
/** QDCOUNT > 1: no server answers several questions, Knot drops them. */
export const DROP_QDCOUNT = 2;
/** The question is unreadable: compression pointer, label > 63, name > 255, cut short. */
export const DROP_BAD_QUESTION = 3;

const TYPE_OPT = 41;
const OPTION_ECS = 8;
const TYPE_TSIG = 250;

/** A lowercased wire name with its label offsets and the hash of every suffix. */
export class NameScratch {
  readonly name = new Uint8Array(256);
  /** Offsets of each label in `name`; labelStarts[labelCount] is the root label. */
  readonly labelStarts = new Int32Array(MAX_LABELS + 1);
  /** hashes[k] = hashName of the suffix starting at labelStarts[k]. */
  readonly hashes = new Uint32Array(MAX_LABELS + 1);
  labelCount = 0;
  /** Wire length, root label included. */
  length = 0;

  /**
   * Copy and lowercase an uncompressed wire name from src[start, end). Returns the offset
   * just past it, or -1 if it is malformed (pointer, label > 63, > 255 bytes, past end).
   */
  read(src: Uint8Array, start: number, end: number): number {
    const name = this.name;
    let pos = start;
    let labels = 0;
    for (;;) {
      if (pos >= end) return -1;
      const l = src[pos];
      if (l === 0) break;
      if (l > 63 || labels === MAX_LABELS) return -1;
      const at = pos - start;
      if (at + l + 2 > 255 || pos + l + 1 > end) return -1;
      this.labelStarts[labels++] = at;
      name[at] = l;
      for (let i = 1; i <= l; i++) {
        const c = src[pos + i];
        name[at + i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
      }
      pos += l + 1;
    }
    const rootAt = pos - start;
    name[rootAt] = 0;
    this.labelStarts[labels] = rootAt;
    this.labelCount = labels;
    this.length = rootAt + 1;
    hashSuffixes(name, this.labelStarts, labels, rootAt, this.hashes);
    this.hashes[labels] = ROOT_HASH;
    return pos + 1;
  }
}

/** One query's parsed fields. Reused for every packet: no allocation per query. */
export class ParsedQuery {
  readonly qname = new NameScratch();
  /** Index in the packet just past QTYPE/QCLASS. */
  questionEnd = 0;
  /** The question section was read completely (so a response can echo it). */
  hasQuestion = false;
  qtype = 0;
  qclass = 0;
  opcode = 0;
  edns = false;
  ednsPayload = 0;
  ednsDo = false;
  ednsVersion = 0;
  /** Offset of the first EDNS Client Subnet option (its code), -1 if none (read by answer/ecs.ts). */
  ecsAt = -1;
  /** The OPT record's options: q[ednsOptionsStart, ednsOptionsEnd) (edns-options.ts reads them). */
  ednsOptionsStart = 0;
  ednsOptionsEnd = 0;
  /** One of DROP_*, when parse() returned PARSE_DROP. */
  dropReason = DROP_SHORT_HEADER;
  /** The query carries a TSIG record (checked by the primary, not here). */
  tsig = false;

  parse(q: Uint8Array, len: number): number {
    this.hasQuestion = false;
    this.edns = false;
    this.ednsDo = false;
    this.ecsAt = -1;
    this.tsig = false;
    if (len < 12) return this.drop(DROP_SHORT_HEADER);
    if ((q[2] & 0x80) !== 0) return this.drop(DROP_RESPONSE); // QR=1: never answer a response
    this.opcode = (q[2] >>> 3) & 0x0f;
    const qdcount = (q[4] << 8) | q[5];
    let pos = 12;
    if (qdcount > 1) return this.drop(DROP_QDCOUNT);
    if (qdcount === 1) {
      pos = this.qname.read(q, 12, len);
      if (pos < 0 || pos + 4 > len) return this.drop(DROP_BAD_QUESTION);
      this.qtype = (q[pos] << 8) | q[pos + 1];
      this.qclass = (q[pos + 2] << 8) | q[pos + 3];
      pos += 4;
      this.questionEnd = pos;
      this.hasQuestion = true;
    }
    const status = this.parseRecords(q, pos, len);
    if (status !== PARSE_OK) return status;
    // No question: FORMERR for QUERY; other opcodes are refused by opcode first (Knot).
    if (qdcount === 0 && this.opcode === 0) return PARSE_FORMERR;
    if (this.edns && this.ednsVersion !== 0) return PARSE_BADVERS;
    return PARSE_OK;
  }

  // Walks answer, authority and additional looking for the OPT record (RFC 6891 §6.1.1: at
  // most one, in additional; elsewhere or twice is FORMERR, as Knot answers). Records must fill the message exactly.
  private parseRecords(q: Uint8Array, start: number, len: number): number {
    const an = (q[6] << 8) | q[7];
    const ns = (q[8] << 8) | q[9];
    const ar = (q[10] << 8) | q[11];
    const total = an + ns + ar;
    let pos = start;
    for (let r = 0; r < total; r++) {
      // Skip the owner name (compression allowed outside the question).
      for (;;) {
        if (pos >= len) return this.formerr();
        const l = q[pos];
        if (l === 0) { pos++; break; }
        if ((l & 0xc0) === 0xc0) { pos += 2; break; }
        if (l > 63) return this.formerr();
        pos += l + 1;
      }
      if (pos + 10 > len) return this.formerr();
      const type = (q[pos] << 8) | q[pos + 1];
      const rdlen = (q[pos + 8] << 8) | q[pos + 9];
      const rdata = pos + 10;
      if (rdata + rdlen > len) return this.formerr();
      if (type === TYPE_TSIG) this.tsig = true;
      if (type === TYPE_OPT) {
        // Only in additional, and only once (Knot: FORMERR otherwise).
        if (this.edns || r < an + ns) return this.formerr();
        // Options must tile the RDATA exactly.
        let o = rdata;
        while (o + 4 <= rdata + rdlen) {
          if (q[o] === 0 && q[o + 1] === OPTION_ECS && this.ecsAt < 0) this.ecsAt = o;
          o += 4 + ((q[o + 2] << 8) | q[o + 3]);
        }
        if (o !== rdata + rdlen) return this.formerr();
        this.edns = true;
        this.ednsPayload = (q[pos + 2] << 8) | q[pos + 3];
        this.ednsVersion = q[pos + 5];
        this.ednsDo = (q[pos + 6] & 0x80) !== 0;
        this.ednsOptionsStart = rdata;
        this.ednsOptionsEnd = rdata + rdlen;
      }
      pos = rdata + rdlen;
    }
    if (pos !== len) return this.formerr();
    return PARSE_OK;
  }

  private drop(reason: number): number {
    this.dropReason = reason;
    return PARSE_DROP;
  }

  private formerr(): number {
    this.edns = false;
    return PARSE_FORMERR;
  }
}
