// DNS messages for transfers and NOTIFY, read and written record by record: the control path
// (AXFR/IXFR, NOTIFY, SOA queries, TSIG), never the per-query hot path. Names are written
// uncompressed; names read are decompressed (owners, and the RDATA names RFC 3597 §4 says a
// receiver must decompress), so every record read is in the zone model's form.

import { lowerName } from '../zone/name.ts';
import {
  TYPE_AFSDB, TYPE_CNAME, TYPE_DNAME, TYPE_KX, TYPE_MB, TYPE_MD, TYPE_MF, TYPE_MG, TYPE_MINFO, TYPE_MR,
  TYPE_MX, TYPE_NAPTR, TYPE_NS, TYPE_PTR, TYPE_PX, TYPE_RP, TYPE_RT, TYPE_SOA, TYPE_SRV,
} from '../zone/types.ts';

export const OPCODE_QUERY = 0;
export const OPCODE_NOTIFY = 4;

export {
  RCODE_FORMERR, RCODE_NOERROR, RCODE_NOTAUTH, RCODE_NOTIMP, RCODE_NXDOMAIN, RCODE_REFUSED, RCODE_SERVFAIL,
} from '../answer/answer.ts';

/** A record as transfers carry it: absolute uncompressed owner, uncompressed RDATA. */
export interface WireRecord {
  owner: Uint8Array;
  type: number;
  class: number;
  ttl: number;
  rdata: Uint8Array;
}

export interface Header {
  id: number;
  /** Byte 2 and 3 of the header as they are. */
  flags: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export class MessageError extends Error {}

export function readHeader(m: Uint8Array): Header {
  if (m.length < 12) throw new MessageError('message shorter than its header');
  const flags = (m[2] << 8) | m[3];
  return {
    id: (m[0] << 8) | m[1],
    flags,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0x0f,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0x0f,
    qdcount: (m[4] << 8) | m[5],
    ancount: (m[6] << 8) | m[7],
    nscount: (m[8] << 8) | m[9],
    arcount: (m[10] << 8) | m[11],
  };
}

/** Read a possibly compressed name at `offset`; returns it uncompressed and the offset after it. */
export function readName(m: Uint8Array, offset: number): { name: Uint8Array; end: number } {
  const out: number[] = [];
  let pos = offset;
  let end = -1;
  let jumps = 0;
  for (;;) {
    if (pos >= m.length) throw new MessageError('name runs past the end of the message');
    const l = m[pos];
    if ((l & 0xc0) === 0xc0) {
      if (pos + 1 >= m.length) throw new MessageError('truncated compression pointer');
      if (end < 0) end = pos + 2;
      const target = ((l & 0x3f) << 8) | m[pos + 1];
      if (++jumps > 127 || target >= pos) throw new MessageError('compression pointer loop or forward pointer');
      pos = target;
      continue;
    }
    if (l > 63) throw new MessageError(`bad label length ${l}`);
    if (pos + l >= m.length) throw new MessageError('label runs past the end of the message');
    out.push(l);
    for (let i = 1; i <= l; i++) out.push(m[pos + i]);
    pos += l + 1;
    if (out.length > 255) throw new MessageError('name longer than 255 bytes');
    if (l === 0) break;
  }
  return { name: Uint8Array.from(out), end: end < 0 ? pos : end };
}

/** Offsets of the names in a type's RDATA that a receiver decompresses (RFC 3597 §4). */
function rdataNames(type: number): { before: number; names: number; after: boolean } | null {
  switch (type) {
    case TYPE_NS: case TYPE_MD: case TYPE_MF: case TYPE_CNAME: case TYPE_MB: case TYPE_MG:
    case TYPE_MR: case TYPE_PTR: case TYPE_DNAME:
      return { before: 0, names: 1, after: false };
    case TYPE_SOA:
      return { before: 0, names: 2, after: true };
    case TYPE_MINFO: case TYPE_RP:
      return { before: 0, names: 2, after: false };
    case TYPE_MX: case TYPE_AFSDB: case TYPE_RT: case TYPE_KX:
      return { before: 2, names: 1, after: false };
    case TYPE_PX:
      return { before: 2, names: 2, after: false };
    case TYPE_SRV:
      return { before: 6, names: 1, after: false };
    default:
      return null;
  }
}

/** A record's RDATA with its names decompressed. */
function readRdata(m: Uint8Array, type: number, start: number, length: number): Uint8Array {
  const end = start + length;
  if (type === TYPE_NAPTR) {
    // order, preference, three character-strings, then the replacement name.
    let p = start + 4;
    for (let i = 0; i < 3; i++) {
      if (p >= end) throw new MessageError('NAPTR RDATA too short');
      p += 1 + m[p];
    }
    if (p > end) throw new MessageError('NAPTR RDATA too short');
    const { name, end: after } = readName(m, p);
    if (after !== end) throw new MessageError('NAPTR RDATA length does not match');
    return concat([m.subarray(start, p), name]);
  }
  const shape = rdataNames(type);
  if (shape === null) return m.slice(start, end);
  const parts: Uint8Array[] = [m.subarray(start, start + shape.before)];
  let p = start + shape.before;
  for (let i = 0; i < shape.names; i++) {
    const { name, end: after } = readName(m, p);
    parts.push(name);
    p = after;
  }
  if (shape.after) {
    parts.push(m.subarray(p, end));
    p = end;
  }
  if (p !== end) throw new MessageError(`RDATA of type ${type} does not match its length`);
  return concat(parts);
}

export interface ParsedMessage {
  header: Header;
  question: { name: Uint8Array; type: number; class: number } | null;
  answers: WireRecord[];
  authority: WireRecord[];
  additional: WireRecord[];
  /** Offset where the additional section's last record starts (TSIG sits there), -1 if none. */
  lastRecordAt: number;
}

/** Parse a whole message (at most one question). */
export function parseMessage(m: Uint8Array): ParsedMessage {
  const header = readHeader(m);
  let pos = 12;
  let question: ParsedMessage['question'] = null;
  if (header.qdcount > 1) throw new MessageError('more than one question');
  if (header.qdcount === 1) {
    const { name, end } = readName(m, pos);
    if (end + 4 > m.length) throw new MessageError('question runs past the end');
    question = { name, type: (m[end] << 8) | m[end + 1], class: (m[end + 2] << 8) | m[end + 3] };
    pos = end + 4;
  }
  const sections: WireRecord[][] = [[], [], []];
  const counts = [header.ancount, header.nscount, header.arcount];
  let lastRecordAt = -1;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s]; i++) {
      lastRecordAt = pos;
      const { name, end } = readName(m, pos);
      if (end + 10 > m.length) throw new MessageError('record header runs past the end');
      const type = (m[end] << 8) | m[end + 1];
      const klass = (m[end + 2] << 8) | m[end + 3];
      const ttl = ((m[end + 4] << 24) | (m[end + 5] << 16) | (m[end + 6] << 8) | m[end + 7]) >>> 0;
      const rdlen = (m[end + 8] << 8) | m[end + 9];
      const rdStart = end + 10;
      if (rdStart + rdlen > m.length) throw new MessageError('RDATA runs past the end');
      sections[s].push({ owner: name, type, class: klass, ttl, rdata: readRdata(m, type, rdStart, rdlen) });
      pos = rdStart + rdlen;
    }
  }
  if (pos !== m.length) throw new MessageError('trailing bytes after the last record');
  return { header, question, answers: sections[0], authority: sections[1], additional: sections[2], lastRecordAt };
}

/** Wire size of a record written uncompressed. */
export function recordSize(r: WireRecord): number {
  return r.owner.length + 10 + r.rdata.length;
}

/** Write a record uncompressed at `pos`; returns the offset after it. */
export function writeRecord(out: Uint8Array, pos: number, r: WireRecord): number {
  out.set(r.owner, pos);
  let p = pos + r.owner.length;
  out[p++] = r.type >>> 8; out[p++] = r.type & 0xff;
  out[p++] = r.class >>> 8; out[p++] = r.class & 0xff;
  out[p++] = r.ttl >>> 24; out[p++] = (r.ttl >>> 16) & 0xff; out[p++] = (r.ttl >>> 8) & 0xff; out[p++] = r.ttl & 0xff;
  out[p++] = r.rdata.length >>> 8; out[p++] = r.rdata.length & 0xff;
  out.set(r.rdata, p);
  return p + r.rdata.length;
}

export interface BuildOptions {
  id: number;
  /** QR, opcode, AA, RD… as bytes 2-3 of the header (RCODE included). */
  flags: number;
  question?: { name: Uint8Array; type: number; class: number } | null;
  answers?: WireRecord[];
  authority?: WireRecord[];
  additional?: WireRecord[];
}

/** A whole message, names uncompressed. */
export function buildMessage(o: BuildOptions): Uint8Array {
  const an = o.answers ?? [];
  const ns = o.authority ?? [];
  const ar = o.additional ?? [];
  let size = 12 + (o.question ? o.question.name.length + 4 : 0);
  for (const r of an) size += recordSize(r);
  for (const r of ns) size += recordSize(r);
  for (const r of ar) size += recordSize(r);
  const out = new Uint8Array(size);
  writeU16(out, 0, o.id);
  writeU16(out, 2, o.flags);
  writeU16(out, 4, o.question ? 1 : 0);
  writeU16(out, 6, an.length);
  writeU16(out, 8, ns.length);
  writeU16(out, 10, ar.length);
  let p = 12;
  if (o.question) {
    out.set(o.question.name, p);
    p += o.question.name.length;
    writeU16(out, p, o.question.type);
    writeU16(out, p + 2, o.question.class);
    p += 4;
  }
  for (const r of an) p = writeRecord(out, p, r);
  for (const r of ns) p = writeRecord(out, p, r);
  for (const r of ar) p = writeRecord(out, p, r);
  return out;
}

/** Header flags: QR, opcode, AA, RCODE. */
export function flags(o: { qr?: boolean; opcode?: number; aa?: boolean; rd?: boolean; rcode?: number }): number {
  return (o.qr ? 0x8000 : 0) | ((o.opcode ?? 0) << 11) | (o.aa ? 0x0400 : 0) | (o.rd ? 0x0100 : 0) | ((o.rcode ?? 0) & 0x0f);
}

export function writeU16(out: Uint8Array, pos: number, v: number): void {
  out[pos] = (v >>> 8) & 0xff;
  out[pos + 1] = v & 0xff;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** SOA serial from SOA RDATA (uncompressed). */
export function soaSerial(rdata: Uint8Array): number {
  let p = 0;
  for (let n = 0; n < 2; n++) {
    while (rdata[p] !== 0) p += rdata[p] + 1;
    p++;
  }
  return ((rdata[p] << 24) | (rdata[p + 1] << 16) | (rdata[p + 2] << 8) | rdata[p + 3]) >>> 0;
}

/** SOA timers (refresh, retry, expire, minimum) from SOA RDATA. */
export function soaTimers(rdata: Uint8Array): { serial: number; refresh: number; retry: number; expire: number; minimum: number } {
  let p = 0;
  for (let n = 0; n < 2; n++) {
    while (rdata[p] !== 0) p += rdata[p] + 1;
    p++;
  }
  const dv = new DataView(rdata.buffer, rdata.byteOffset + p, 20);
  return { serial: dv.getUint32(0), refresh: dv.getUint32(4), retry: dv.getUint32(8), expire: dv.getUint32(12), minimum: dv.getUint32(16) };
}

/** A key string identifying a record for set differences: lowercased owner, type, class, TTL, RDATA. */
export function recordKey(r: WireRecord): string {
  const owner = lowerName(r.owner);
  const b = new Uint8Array(owner.length + 8 + r.rdata.length);
  b.set(owner, 0);
  let p = owner.length;
  writeU16(b, p, r.type);
  writeU16(b, p + 2, r.class);
  b[p + 4] = r.ttl >>> 24; b[p + 5] = (r.ttl >>> 16) & 0xff; b[p + 6] = (r.ttl >>> 8) & 0xff; b[p + 7] = r.ttl & 0xff;
  b.set(r.rdata, p + 8);
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** RCODE mnemonics (RFC 1035, 2136, 6895), indexed by the header's 4-bit RCODE. */
export const RCODE_NAMES: readonly string[] = [
  'NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE',
  'DSOTYPENI', 'RCODE12', 'RCODE13', 'RCODE14', 'RCODE15',
];

/** `NOTAUTH` for 9; the mnemonic of any 4-bit RCODE. */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode & 0x0f];
}
