// Writes one response template: the answer, authority and additional sections as they follow
// the question, compressed against a nominal question name, with the pointer list and the
// additional-section table workers need to patch and trim it without parsing
// (layout in image/layout.ts).

import type { WireName } from '../zone/model.ts';
import { lowerName, nameLength } from '../zone/name.ts';
import {
  TYPE_CNAME, TYPE_HTTPS, TYPE_MX, TYPE_NS, TYPE_PTR, TYPE_SOA, TYPE_SRV, TYPE_SVCB, CLASS_IN,
} from '../zone/types.ts';
import { ADD_REQUIRED, MAX_POINTER_TARGET, T_AA, T_HEADER_U16 } from '../image/layout.ts';
import type { RRset } from './zone-tree.ts';
import { nameKey } from './zone-tree.ts';

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
}

// Largest body that leaves room for header, a 255-byte question name and an OPT record.
const MAX_BODY = 65535 - 12 - 259 - 17;

class Body {
  bytes = new Uint8Array(512);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.len));
    this.bytes = next;
  }
  u8(v: number): void { this.ensure(1); this.bytes[this.len++] = v; }
  u16(v: number): void { this.ensure(2); this.bytes[this.len++] = v >>> 8; this.bytes[this.len++] = v & 0xff; }
  u32(v: number): void { this.u16(v >>> 16); this.u16(v & 0xffff); }
  raw(b: Uint8Array): void { this.ensure(b.length); this.bytes.set(b, this.len); this.len += b.length; }
}

class TemplateWriter {
  private readonly body = new Body();
  /** Lowercased name suffix → where it stands in the nominal message. */
  private readonly dict = new Map<string, number>();
  /** Body offsets of every compression pointer written. */
  readonly pointers: number[] = [];
  private readonly bodyBase: number;
  /**
   * Names written in the additional section are not offered for compression: workers may
   * leave out any additional RRset that does not fit, so nothing may point into one.
   */
  frozen = false;

  constructor(nominal: WireName, belowMode: boolean) {
    this.bodyBase = 12 + nominal.length + 4;
    // Suffixes of the question name are compression targets; with `*.X` only X and above.
    for (let i = belowMode ? nominal[0] + 1 : 0; nominal[i] !== 0; i += nominal[i] + 1) {
      this.dict.set(suffixKey(nominal, i), 12 + i);
    }
  }

  get length(): number {
    return this.body.len;
  }

  writeName(name: Uint8Array, compress: boolean): void {
    for (let i = 0; name[i] !== 0; i += name[i] + 1) {
      const key = suffixKey(name, i);
      const target = compress ? this.dict.get(key) : undefined;
      if (target !== undefined) {
        this.pointers.push(this.body.len);
        this.body.u16(0xc000 | target);
        return;
      }
      this.offer(key);
      this.body.raw(name.subarray(i, i + name[i] + 1));
    }
    this.body.u8(0);
  }

  /** Make the name suffix about to be written at the current position a compression target. */
  private offer(key: string): void {
    const abs = this.bodyBase + this.body.len;
    if (!this.frozen && abs < MAX_POINTER_TARGET && !this.dict.has(key)) this.dict.set(key, abs);
  }

  /** Offer the suffixes of a name written uncompressed inside RDATA (SRV, SVCB targets). */
  private offerAll(name: Uint8Array, at: number): void {
    for (let i = 0; name[i] !== 0; i += name[i] + 1) {
      const key = suffixKey(name, i);
      const abs = this.bodyBase + at + i;
      if (!this.frozen && abs < MAX_POINTER_TARGET && !this.dict.has(key)) this.dict.set(key, abs);
    }
  }

  writeRecord(placed: PlacedRRset, rdata: Uint8Array, ttl: number): void {
    if (placed.ownerIsQname) {
      this.pointers.push(this.body.len);
      this.body.u16(0xc00c);
    } else {
      this.writeName(placed.rrset.owner, true);
    }
    const type = placed.rrset.type;
    this.body.u16(type);
    this.body.u16(CLASS_IN);
    this.body.u32(ttl);
    const lenAt = this.body.len;
    this.body.u16(0);
    this.writeRdata(type, rdata);
    const rdlen = this.body.len - lenAt - 2;
    this.body.bytes[lenAt] = rdlen >>> 8;
    this.body.bytes[lenAt + 1] = rdlen & 0xff;
  }

  // RFC 3597 §4: only the RFC 1035 types may have compressed names in RDATA. Those names
  // go out lowercased, as Knot sends them (RFC 4034 §6.2 canonical form, so signatures hold).
  private writeRdata(type: number, rdata: Uint8Array): void {
    if (type === TYPE_NS || type === TYPE_CNAME || type === TYPE_PTR) {
      this.writeName(lowerName(rdata), true);
    } else if (type === TYPE_MX) {
      this.body.raw(rdata.subarray(0, 2));
      this.writeName(lowerName(rdata.subarray(2)), true);
    } else if (type === TYPE_SOA) {
      const m = nameLength(rdata, 0);
      const r = nameLength(rdata, m);
      this.writeName(lowerName(rdata.subarray(0, m)), true);
      this.writeName(lowerName(rdata.subarray(m, m + r)), true);
      this.body.raw(rdata.subarray(m + r));
    } else {
      const at = this.body.len;
      this.body.raw(rdata);
      if (type === TYPE_SRV && rdata.length > 6) this.offerAll(rdata.subarray(6), at + 6);
      if ((type === TYPE_SVCB || type === TYPE_HTTPS) && rdata.length > 2) this.offerAll(rdata.subarray(2), at + 2);
    }
  }

  finish(spec: TemplateSpec, counts: number[], additional: number[], split: number, answerSigs: number): Uint8Array {
    const header = T_HEADER_U16;
    const u16count = header + this.pointers.length + additional.length;
    const size = (u16count * 2 + this.body.len + 3) & ~3;
    const out = new Uint8Array(size);
    const h = new Uint16Array(out.buffer, 0, u16count);
    h[0] = (spec.rcode & 0xf) | (spec.aa ? T_AA : 0);
    h[1] = spec.nominal.length;
    h[2] = counts[0];
    h[3] = counts[1];
    h[4] = counts[2];
    h[5] = this.body.len;
    h[6] = this.pointers.length;
    h[7] = additional.length / 4;
    h[8] = spec.proof ?? 0;
    h[9] = split;
    h[10] = answerSigs;
    h.set(this.pointers, header);
    h.set(additional, header + this.pointers.length);
    out.set(this.body.bytes.subarray(0, this.body.len), u16count * 2);
    return out;
  }
}

function suffixKey(name: Uint8Array, start: number): string {
  const end = start + nameLength(name, start);
  const lowered = new Uint8Array(end - start);
  for (let i = start; i < end; i++) {
    const c = name[i];
    lowered[i - start] = c >= 0x41 && c <= 0x5a ? c + 32 : c;
  }
  return nameKey(lowered);
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

/** Serialize a template. */
export function writeTemplate(spec: TemplateSpec): Uint8Array {
  const w = new TemplateWriter(spec.nominal, spec.belowMode);
  const counts = [0, 0, 0];
  const additional: number[] = [];
  const entryOf = new Map<RRset, number>();
  let split = -1;
  let answerSigs = -1;
  for (const placed of ordered(spec.rrsets)) {
    const start = w.length;
    if (answerSigs < 0 && (placed.section !== SECTION_ANSWER || placed.signs)) answerSigs = start;
    if (placed.section === SECTION_ADDITIONAL && split < 0) {
      split = start;
      w.frozen = true;
    }
    const rdatas = placed.rdatas ?? placed.rrset.rdatas;
    for (const rdata of rdatas) w.writeRecord(placed, rdata, placed.rrset.ttl);
    if (w.length > MAX_BODY) throw new TemplateTooLargeError(placed.rrset);
    counts[placed.section] += rdatas.length;
    if (placed.section === SECTION_ADDITIONAL) {
      // A signature goes out only with the RRset it signs.
      const signed = placed.signs ? entryOf.get(placed.signs) : undefined;
      const depends = signed === undefined ? 0 : signed + 1;
      entryOf.set(placed.rrset, additional.length / 4);
      additional.push(start, w.length, rdatas.length, depends | (placed.required ? ADD_REQUIRED : 0));
    }
  }
  if (split < 0) split = w.length;
  return w.finish(spec, counts, additional, split, answerSigs < 0 ? w.length : answerSigs);
}

export class TemplateTooLargeError extends Error {
  readonly rrset: RRset;
  constructor(rrset: RRset) {
    super('response would exceed 64 KiB');
    this.rrset = rrset;
  }
}
