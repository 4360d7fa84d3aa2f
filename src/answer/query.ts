// Parses a query's header, question and EDNS into preallocated fields: the first step of the
// answer path, with every bound checked here so later steps read without checks.

import { hashSuffixes, ROOT_HASH } from '../image/name-hash.ts';

export const MAX_LABELS = 128;

export const PARSE_OK = 0;
/** Not worth an answer (too short to carry an ID, or a response): drop silently. */
export const PARSE_DROP = 1;
export const PARSE_FORMERR = 2;
export const PARSE_NOTIMP = 3;
export const PARSE_BADVERS = 4;

const TYPE_OPT = 41;

/** One query's parsed fields. Reused for every packet: no allocation per query. */
export class ParsedQuery {
  /** The question name lowercased, in wire form. */
  readonly name = new Uint8Array(256);
  /** Offsets of each label in `name`; labelStarts[labelCount] is the root label. */
  readonly labelStarts = new Int32Array(MAX_LABELS + 1);
  /** hashes[k] = hashName of the suffix starting at labelStarts[k]. */
  readonly hashes = new Uint32Array(MAX_LABELS + 1);
  labelCount = 0;
  /** Wire length of the question name, root label included. */
  nameLength = 0;
  /** Index in the packet just past QTYPE/QCLASS. */
  questionEnd = 0;
  /** The question section was read completely (so an error response can echo it). */
  hasQuestion = false;
  qtype = 0;
  qclass = 0;
  opcode = 0;
  edns = false;
  ednsPayload = 0;
  ednsDo = false;
  ednsVersion = 0;

  parse(q: Uint8Array, len: number): number {
    this.hasQuestion = false;
    this.edns = false;
    if (len < 12) return PARSE_DROP;
    if ((q[2] & 0x80) !== 0) return PARSE_DROP; // QR=1: never answer a response
    this.opcode = (q[2] >>> 3) & 0x0f;
    const qdcount = (q[4] << 8) | q[5];
    if (qdcount !== 1) return this.opcode !== 0 ? PARSE_NOTIMP : PARSE_FORMERR;

    // Question name: no compression, labels ≤ 63, name ≤ 255, lowercased while copying.
    const name = this.name;
    let pos = 12;
    let labels = 0;
    for (;;) {
      if (pos >= len) return PARSE_FORMERR;
      const l = q[pos];
      if (l === 0) break;
      if (l > 63 || labels === MAX_LABELS) return PARSE_FORMERR;
      const at = pos - 12;
      if (at + l + 2 > 255 || pos + l + 1 > len) return PARSE_FORMERR;
      this.labelStarts[labels++] = at;
      name[at] = l;
      for (let i = 1; i <= l; i++) {
        const c = q[pos + i];
        name[at + i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
      }
      pos += l + 1;
    }
    const rootAt = pos - 12;
    name[rootAt] = 0;
    this.labelStarts[labels] = rootAt;
    this.labelCount = labels;
    this.nameLength = rootAt + 1;
    if (pos + 5 > len) return PARSE_FORMERR;
    this.qtype = (q[pos + 1] << 8) | q[pos + 2];
    this.qclass = (q[pos + 3] << 8) | q[pos + 4];
    this.questionEnd = pos + 5;
    this.hasQuestion = true;
    hashSuffixes(name, this.labelStarts, labels, rootAt, this.hashes);
    this.hashes[labels] = ROOT_HASH;
    if (this.opcode !== 0) return PARSE_NOTIMP;
    return this.parseRecords(q, len);
  }

  // Walks answer, authority and additional looking for the OPT record (RFC 6891 §6.1.1: at
  // most one, only in additional, owner the root).
  private parseRecords(q: Uint8Array, len: number): number {
    const an = (q[6] << 8) | q[7];
    const ns = (q[8] << 8) | q[9];
    const ar = (q[10] << 8) | q[11];
    const total = an + ns + ar;
    let pos = this.questionEnd;
    for (let r = 0; r < total; r++) {
      const ownerAt = pos;
      // Skip the owner name (compression allowed outside the question).
      for (;;) {
        if (pos >= len) return PARSE_FORMERR;
        const l = q[pos];
        if (l === 0) { pos++; break; }
        if ((l & 0xc0) === 0xc0) { pos += 2; break; }
        if (l > 63) return PARSE_FORMERR;
        pos += l + 1;
      }
      if (pos + 10 > len) return PARSE_FORMERR;
      const type = (q[pos] << 8) | q[pos + 1];
      const rdlen = (q[pos + 8] << 8) | q[pos + 9];
      if (pos + 10 + rdlen > len) return PARSE_FORMERR;
      if (type === TYPE_OPT) {
        if (r < an + ns || this.edns || q[ownerAt] !== 0) return PARSE_FORMERR;
        this.edns = true;
        this.ednsPayload = (q[pos + 2] << 8) | q[pos + 3];
        this.ednsVersion = q[pos + 5];
        this.ednsDo = (q[pos + 6] & 0x80) !== 0;
      }
      pos += 10 + rdlen;
    }
    if (this.edns && this.ednsVersion !== 0) return PARSE_BADVERS;
    return PARSE_OK;
  }
}
