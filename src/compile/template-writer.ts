// Writes one response template: the answer, authority and additional sections as they follow
// the question, compressed the way Knot DNS compresses (so sizes, and with them truncation,
// match), with the pointer, unit and additional tables workers need to patch, cut and trim it
// without parsing (layout in image/layout.ts).

import type { WireName } from '../zone/model.ts';
import { lowerName as lowerNameOf, nameLength } from '../zone/name.ts';
import {
  TYPE_CNAME, TYPE_HTTPS, TYPE_MX, TYPE_NAPTR, TYPE_NS, TYPE_PTR, TYPE_SOA, TYPE_SRV, TYPE_SVCB,
  CLASS_IN,
} from '../zone/types.ts';
import { ADD_REQUIRED, MAX_POINTER_TARGET, T_AA, T_AUTH_OPTIONAL, T_HEADER_U16 } from '../image/layout.ts';
import type { RRset } from './zone-tree.ts';
import { ByteArena } from '../zone/byte-arena.ts';

export const SECTION_ANSWER = 0;
export const SECTION_AUTHORITY = 1;
export const SECTION_ADDITIONAL = 2;

export interface PlacedRRset {
  rrset: RRset;
  section: number;
  /** Write the owner as a pointer to the question name (exact and wildcard answers). */
  ownerIsQname: boolean;
  /** Record order to write (a rotation); defaults to rrset.rdatas. */
  rdatas?: Uint8Array[];
  /** For RRSIGs: the RRset they sign. Written after all RRsets of the section, as Knot does. */
  signs?: RRset;
  /** Additional data whose absence makes the response truncated (glue of a referral). */
  required?: boolean;
  /** Additional data: the record whose RDATA names this owner (its name is pointed to). */
  namedBy?: Uint8Array;
}

export interface TemplateSpec {
  /** Question name this template is written for: the node itself, or `*.X` for names below X. */
  nominal: WireName;
  /** Nominal is `*.X` standing for any name below X: never compress to the full name. */
  belowMode: boolean;
  rcode: number;
  aa: boolean;
  rrsets: PlacedRRset[];
  /** PROOF_* bits: fragments the worker appends after the authority section. */
  proof?: number;
  /**
   * tinydns style: names in RDATA keep the case they were written in; the additional section
   * goes out whole or not at all, and the authority section is left out (without TC) when it
   * does not fit, as tinydns trims a response over 512 bytes.
   */
  tinydns?: boolean;
}

// Largest body that leaves room for header, a 255-byte question name and an OPT record.
const MAX_BODY = 65535 - 12 - 259 - 17;
/** Knot keeps compression hints for the names in the RDATA of an RRset's first 15 records. */
const MAX_RDATA_HINTS = 15;

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Offsets of the labels of an uncompressed wire name. */
function labelOffsets(name: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; name[i] !== 0; i += name[i] + 1) out.push(i);
  return out;
}

/**
 * The message being written, as Knot would write it: the nominal question, then the body,
 * compressing each name against one remembered suffix (knot_compr_put_dname) and pointing
 * owners at where the same name was written before (compression hints).
 */
class MessageWriter {
  msg = new Uint8Array(320);
  len = 0;
  bodyBase = 0;
  readonly pointers: number[] = [];
  private qLabels = 0;
  private belowMode = false;
  private suffixPos = 12;
  private suffixLabels = 0;
  /** Where each RRset's owner was written (Knot's owner hint). */
  readonly ownerAt = new Map<RRset, number>();
  /** Where the first name in a record's RDATA was written (Knot's RDATA hints). */
  readonly rdataNameAt = new Map<Uint8Array, number>();

  /** Write RDATA names as given instead of lowercased (tinydns keeps the data's case). */
  keepCase = false;

  /**
   * Start a new message. One writer serves every template of a build (writeTemplate is never
   * re-entered): a fresh buffer and two maps per template were a million short-lived
   * allocations for a million-name zone.
   */
  reset(nominal: WireName, belowMode: boolean): this {
    this.ensureSize(12 + nominal.length + 4);
    this.msg.set(nominal, 12);
    this.bodyBase = 12 + nominal.length + 4;
    this.len = this.bodyBase;
    this.qLabels = labelOffsets(nominal).length;
    this.suffixPos = 12;
    this.suffixLabels = this.qLabels;
    this.belowMode = belowMode;
    this.keepCase = false;
    this.pointers.length = 0;
    // clear() drops a map's table for a new one: only when something was put in it.
    if (this.ownerAt.size > 0) this.ownerAt.clear();
    if (this.rdataNameAt.size > 0) this.rdataNameAt.clear();
    return this;
  }

  get bodyLength(): number {
    return this.len - this.bodyBase;
  }

  private ensure(n: number): void {
    if (this.len + n > this.msg.length) this.ensureSize(this.len + n);
  }

  private ensureSize(need: number): void {
    if (need <= this.msg.length) return;
    let size = this.msg.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.msg.subarray(0, this.len));
    this.msg = next;
  }
  u8(v: number): void { this.ensure(1); this.msg[this.len++] = v; }
  u16(v: number): void { this.ensure(2); this.msg[this.len++] = v >>> 8; this.msg[this.len++] = v & 0xff; }
  u32(v: number): void { this.u16(v >>> 16); this.u16(v & 0xffff); }
  raw(b: Uint8Array): void { this.ensure(b.length); this.msg.set(b, this.len); this.len += b.length; }

  pointer(target: number): void {
    this.pointers.push(this.len - this.bodyBase);
    this.u16(0xc000 | target);
  }

  /** Positions of the labels of the name written at `pos`, following pointers. */
  private labelsAt(pos: number): number[] {
    const out: number[] = [];
    let p = pos;
    for (;;) {
      const l = this.msg[p];
      if (l === 0) return out;
      if ((l & 0xc0) === 0xc0) {
        p = ((l & 0x3f) << 8) | this.msg[p + 1];
        continue;
      }
      out.push(p);
      p += l + 1;
    }
  }

  private labelEquals(name: Uint8Array, at: number, pos: number): boolean {
    // The `*` of a nominal `*.X` stands for any label: it matches nothing.
    if (this.belowMode && pos === 12) return false;
    const l = name[at];
    if (l !== this.msg[pos]) return false;
    for (let i = 1; i <= l; i++) if (lower(name[at + i]) !== lower(this.msg[pos + i])) return false;
    return true;
  }

  /** knot_compr_put_dname: match the name against the remembered suffix, label-aligned. */
  compress(name: Uint8Array): void {
    const labels = labelOffsets(name);
    const n = labels.length;
    if (n === 0) {
      this.u8(0);
      return;
    }
    const start = this.len;
    let suffix = this.labelsAt(this.suffixPos);
    if (suffix.length > this.suffixLabels) suffix = suffix.slice(suffix.length - this.suffixLabels);
    if (suffix.length > n) suffix = suffix.slice(suffix.length - n);
    let i = 0;
    while (n - i > suffix.length) {
      this.raw(name.subarray(labels[i], labels[i] + name[labels[i]] + 1));
      i++;
    }
    let matchBegin = i;
    let compr = 0;
    for (let j = 0; i < n; i++, j++) {
      if (!this.labelEquals(name, labels[i], suffix[j])) {
        const from = labels[matchBegin];
        this.raw(name.subarray(from, labels[i] + name[labels[i]] + 1));
        matchBegin = i + 1;
        compr = j + 1;
      }
    }
    if (matchBegin === n) this.u8(0);
    else this.pointer(suffix[compr]);
    const written = this.len - start;
    if (written > 2 && this.len < MAX_POINTER_TARGET) {
      this.suffixPos = start;
      this.suffixLabels = n;
    }
  }

  private equalsAt(name: Uint8Array, pos: number): boolean {
    const labels = labelOffsets(name);
    const at = this.labelsAt(pos);
    if (labels.length !== at.length) return false;
    for (let k = 0; k < labels.length; k++) {
      if (this.belowMode && at[k] === 12) return false;
      if (!this.labelEquals(name, labels[k], at[k])) return false;
    }
    return true;
  }

  /** write_owner: a hint, the remembered suffix itself, or compression against the question. */
  writeOwner(placed: PlacedRRset): void {
    const owner = placed.rrset.owner;
    if (owner[0] === 0) {
      this.suffixPos = 12;
      this.suffixLabels = this.qLabels;
      this.u8(0);
      return;
    }
    const hint = placed.ownerIsQname ? 12
      : this.ownerAt.get(placed.rrset)
        ?? (placed.signs ? this.ownerAt.get(placed.signs) : undefined)
        ?? (placed.namedBy ? this.rdataNameAt.get(placed.namedBy) : undefined);
    if (hint !== undefined) {
      this.pointer(hint);
      this.ownerAt.set(placed.rrset, hint);
      return;
    }
    if (this.equalsAt(owner, this.suffixPos)) {
      this.ownerAt.set(placed.rrset, this.suffixPos);
      this.pointer(this.suffixPos);
      return;
    }
    this.suffixPos = 12;
    this.suffixLabels = this.qLabels;
    const at = this.len;
    this.compress(owner);
    if (at < MAX_POINTER_TARGET) this.ownerAt.set(placed.rrset, at);
  }

  writeRecord(placed: PlacedRRset, rdata: Uint8Array, index: number): void {
    this.writeOwner(placed);
    const type = placed.rrset.type;
    this.u16(type);
    this.u16(CLASS_IN);
    this.u32(placed.rrset.ttl);
    const lenAt = this.len;
    this.u16(0);
    this.writeRdata(type, rdata, index < MAX_RDATA_HINTS);
    const rdlen = this.len - lenAt - 2;
    this.msg[lenAt] = rdlen >>> 8;
    this.msg[lenAt + 1] = rdlen & 0xff;
  }

  private hint(rdata: Uint8Array, at: number, keep: boolean): void {
    if (keep && at < MAX_POINTER_TARGET && !this.rdataNameAt.has(rdata)) this.rdataNameAt.set(rdata, at);
  }

  // RFC 3597 §4: only the RFC 1035 types have compressed names in RDATA. Those names go out
  // lowercased, as Knot sends them (RFC 4034 §6.2 canonical form, so signatures hold).
  private writeRdata(type: number, rdata: Uint8Array, keepHint: boolean): void {
    const at = this.len;
    const lowerName = this.keepCase ? (n: Uint8Array) => n : lowerNameOf;
    if (type === TYPE_NS || type === TYPE_CNAME || type === TYPE_PTR) {
      this.hint(rdata, at, keepHint);
      this.compress(lowerName(rdata));
    } else if (type === TYPE_MX) {
      this.raw(rdata.subarray(0, 2));
      this.hint(rdata, at + 2, keepHint);
      this.compress(lowerName(rdata.subarray(2)));
    } else if (type === TYPE_SOA) {
      const m = nameLength(rdata, 0);
      const r = nameLength(rdata, m);
      this.hint(rdata, at, keepHint);
      this.compress(lowerName(rdata.subarray(0, m)));
      this.compress(lowerName(rdata.subarray(m, m + r)));
      this.raw(rdata.subarray(m + r));
    } else {
      this.raw(rdata);
      // Names Knot writes whole but remembers, so additional owners can point at them.
      if (type === TYPE_SRV) this.hint(rdata, at + 6, keepHint);
      else if (type === TYPE_SVCB || type === TYPE_HTTPS) this.hint(rdata, at + 2, keepHint);
      else if (type === TYPE_NAPTR) this.hint(rdata, at + naptrReplacement(rdata), keepHint);
    }
  }
}

/** Offset of a NAPTR record's replacement name. */
function naptrReplacement(rdata: Uint8Array): number {
  let p = 4;
  for (let k = 0; k < 3; k++) p += 1 + rdata[p];
  return p;
}

/** Sections in order; in each, the RRsets, then the signatures that go with them. */
function ordered(rrsets: PlacedRRset[]): PlacedRRset[] {
  const out: PlacedRRset[] = [];
  for (let section = SECTION_ANSWER; section <= SECTION_ADDITIONAL; section++) {
    for (const p of rrsets) if (p.section === section && !p.signs) out.push(p);
    for (const p of rrsets) if (p.section === section && p.signs) out.push(p);
  }
  return out;
}

/** The one writer every template is written with (see MessageWriter.reset). */
const writer = new MessageWriter();

/** Where finished templates live (see ByteArena: one buffer per template pinned ~500 MiB of malloc arena after a 1M-name build). */
const templateBytes = new ByteArena();

/** A build is over: the next one starts with a small chunk again (templates still referenced keep theirs). */
export function releaseTemplateChunks(): void {
  templateBytes.reset();
}

/** Serialize a template. */
export function writeTemplate(spec: TemplateSpec): Uint8Array {
  const w = writer.reset(spec.nominal, spec.belowMode);
  w.keepCase = spec.tinydns === true;
  const counts = [0, 0, 0];
  const units: number[] = [];
  const additional: number[] = [];
  const entryOf = new Map<RRset, number>();
  const marks = { answerSigs: -1, authStart: -1, authSigs: -1, split: -1 };
  for (const placed of ordered(spec.rrsets)) {
    const start = w.bodyLength;
    const section = placed.section;
    if (section === SECTION_ANSWER && placed.signs && marks.answerSigs < 0) marks.answerSigs = start;
    if (section === SECTION_AUTHORITY && marks.authStart < 0) marks.authStart = start;
    if (section === SECTION_AUTHORITY && placed.signs && marks.authSigs < 0) marks.authSigs = start;
    if (section === SECTION_ADDITIONAL && marks.split < 0) marks.split = start;
    const rdatas = placed.rdatas ?? placed.rrset.rdatas;
    rdatas.forEach((rdata, index) => w.writeRecord(placed, rdata, index));
    if (w.bodyLength > MAX_BODY) throw new TemplateTooLargeError(placed.rrset);
    counts[section] += rdatas.length;
    if (section === SECTION_ADDITIONAL && spec.tinydns && additional.length > 0) {
      // One entry for the whole section: all of it or nothing.
      additional[additional.length - 3] = w.bodyLength;
      additional[additional.length - 2] += rdatas.length;
    } else if (section === SECTION_ADDITIONAL) {
      // A signature goes out only with the RRset it signs.
      const signed = placed.signs ? entryOf.get(placed.signs) : undefined;
      const depends = signed === undefined ? 0 : signed + 1;
      entryOf.set(placed.rrset, additional.length / 4);
      additional.push(start, w.bodyLength, rdatas.length, depends | (placed.required ? ADD_REQUIRED : 0));
    } else {
      units.push(start, rdatas.length);
    }
  }
  const end = w.bodyLength;
  const split = marks.split < 0 ? end : marks.split;
  const authStart = marks.authStart < 0 ? split : marks.authStart;
  const answerSigs = marks.answerSigs < 0 ? authStart : marks.answerSigs;
  const authSigs = marks.authSigs < 0 ? split : marks.authSigs;

  const u16count = T_HEADER_U16 + w.pointers.length + units.length + additional.length;
  const out = templateBytes.alloc((u16count * 2 + end + 3) & ~3);
  const h = new Uint16Array(out.buffer, out.byteOffset, u16count);
  h[0] = (spec.rcode & 0xf) | (spec.aa ? T_AA : 0) | (spec.tinydns ? T_AUTH_OPTIONAL : 0);
  h[1] = spec.nominal.length;
  h[2] = counts[0];
  h[3] = counts[1];
  h[4] = counts[2];
  h[5] = end;
  h[6] = w.pointers.length;
  h[7] = additional.length / 4;
  h[8] = spec.proof ?? 0;
  h[9] = split;
  h[10] = answerSigs;
  h[11] = authStart;
  h[12] = authSigs;
  h[13] = units.length / 2;
  h.set(w.pointers, T_HEADER_U16);
  h.set(units, T_HEADER_U16 + w.pointers.length);
  h.set(additional, T_HEADER_U16 + w.pointers.length + units.length);
  out.set(w.msg.subarray(w.bodyBase, w.len), u16count * 2);
  return out;
}

/**
 * A denial proof record for workers to insert (NSEC or NSEC3 with its RRSIGs). Its owner is
 * compressed at query time against the query name, as Knot does:
 *   u16 owner length, owner (lowercased wire), u16 records, then per record u16 length and
 *   the bytes after the owner; u16 signatures, then the same for each RRSIG (whose owner is a
 *   pointer to the first).
 */
export function writeFragment(rrset: RRset, sigs: RRset | undefined): Uint8Array {
  const parts: number[] = [];
  const u16 = (v: number) => parts.push(v >>> 8, v & 0xff);
  const owner = lowerNameOf(rrset.owner);
  u16(owner.length);
  parts.push(...owner);
  const record = (set: RRset, rdata: Uint8Array) => {
    u16(10 + rdata.length);
    u16(set.type); u16(CLASS_IN);
    u16(set.ttl >>> 16); u16(set.ttl & 0xffff);
    u16(rdata.length);
    parts.push(...rdata);
  };
  u16(rrset.rdatas.length);
  for (const rdata of rrset.rdatas) record(rrset, rdata);
  const sigRdatas = sigs?.rdatas ?? [];
  u16(sigRdatas.length);
  for (const rdata of sigRdatas) record(sigs!, rdata);
  return Uint8Array.from(parts);
}

export class TemplateTooLargeError extends Error {
  readonly rrset: RRset;
  constructor(rrset: RRset) {
    super('response would exceed 64 KiB');
    this.rrset = rrset;
  }
}
