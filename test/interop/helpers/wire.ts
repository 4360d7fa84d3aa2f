// Lossless DNS message walker for the interop comparison. dns-packet's decoder is
// fine for well-formedness checks but lossy for comparison purposes (labels and
// character-strings decoded as UTF-8, SSHFP length taken from the hash type,
// unknown classes folded to 0, ...), so the comparison reads the wire itself:
// every name is decompressed and rendered with RFC 1035 escapes, and every RDATA is
// rendered from its exact bytes.

import { formatIpv6 } from '../../../src/zone/rdata/address.ts';

export interface WireQuestion {
  name: string;
  type: number;
  qclass: number;
}

export interface WireRecord {
  /** Owner name in presentation format, case as sent, absolute ("." for the root). */
  owner: string;
  type: number;
  rrclass: number;
  ttl: number;
  /** RDATA rendered in presentation format, names with the case as sent. */
  rdata: string;
  /** The same with the domain names inside the RDATA lowercased (other fields untouched). */
  rdataLower: string;
  /** Raw RDATA bytes (names still possibly compressed). */
  raw: Buffer;
}

export interface WireMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  z: boolean;
  ad: boolean;
  cd: boolean;
  /** Header RCODE (4 bits). */
  rcode: number;
  counts: { qd: number; an: number; ns: number; ar: number };
  question: WireQuestion[];
  answer: WireRecord[];
  authority: WireRecord[];
  additional: WireRecord[];
  /** Set when the message could not be walked completely. */
  error?: string;
  /** Bytes left after the last record. */
  trailing: number;
  /** Number of compression pointers followed while reading names. */
  pointers: number;
  size: number;
}

export const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL',
  11: 'WKS', 12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB',
  21: 'RT', 24: 'SIG', 25: 'KEY', 28: 'AAAA', 29: 'LOC', 33: 'SRV', 35: 'NAPTR', 36: 'KX',
  37: 'CERT', 39: 'DNAME', 41: 'OPT', 42: 'APL', 43: 'DS', 44: 'SSHFP', 45: 'IPSECKEY',
  46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA',
  53: 'SMIMEA', 59: 'CDS', 60: 'CDNSKEY', 61: 'OPENPGPKEY', 62: 'CSYNC', 63: 'ZONEMD', 64: 'SVCB',
  65: 'HTTPS', 99: 'SPF', 108: 'EUI48', 109: 'EUI64', 249: 'TKEY', 250: 'TSIG', 251: 'IXFR',
  252: 'AXFR', 255: 'ANY', 256: 'URI', 257: 'CAA',
};

export const CLASS_NAMES: Record<number, string> = { 1: 'IN', 3: 'CH', 4: 'HS', 254: 'NONE', 255: 'ANY' };

export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN',
  7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 16: 'BADVERS', 17: 'BADKEY', 18: 'BADTIME',
  19: 'BADMODE', 20: 'BADNAME', 21: 'BADALG', 22: 'BADTRUNC', 23: 'BADCOOKIE',
};

export const OPCODE_NAMES: Record<number, string> = { 0: 'QUERY', 1: 'IQUERY', 2: 'STATUS', 4: 'NOTIFY', 5: 'UPDATE', 6: 'DSO' };

export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}
export function className(c: number): string {
  return CLASS_NAMES[c] ?? `CLASS${c}`;
}
export function rcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}
export function opcodeName(o: number): string {
  return OPCODE_NAMES[o] ?? `OPCODE${o}`;
}

class WireError extends Error {}

/** Cursor over one message; names may point anywhere before their own position. */
class Reader {
  buf: Buffer;
  pos: number;
  pointers = 0;
  /** Lowercase names as they are read. */
  lower: boolean;

  constructor(buf: Buffer, pos = 0, lower = false) {
    this.buf = buf;
    this.pos = pos;
    this.lower = lower;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new WireError(`truncated ${what} at offset ${this.pos} (need ${n}, have ${this.buf.length - this.pos})`);
    }
  }
  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Read a (possibly compressed) name; returns presentation format, case preserved. */
  name(): string {
    const labels: string[] = [];
    let p = this.pos;
    let jumped = false;
    let hops = 0;
    let wireLen = 0;
    for (;;) {
      if (p >= this.buf.length) throw new WireError(`name runs past end of message at offset ${p}`);
      const len = this.buf[p];
      if (len === 0) {
        p += 1;
        if (!jumped) this.pos = p;
        break;
      }
      if ((len & 0xc0) === 0xc0) {
        if (p + 1 >= this.buf.length) throw new WireError(`truncated compression pointer at offset ${p}`);
        const target = ((len & 0x3f) << 8) | this.buf[p + 1];
        if (target >= p) throw new WireError(`forward compression pointer at offset ${p} -> ${target}`);
        if (++hops > 128) throw new WireError(`compression loop at offset ${p}`);
        this.pointers++;
        if (!jumped) this.pos = p + 2;
        jumped = true;
        p = target;
        continue;
      }
      if ((len & 0xc0) !== 0) throw new WireError(`bad label type 0x${len.toString(16)} at offset ${p}`);
      if (p + 1 + len > this.buf.length) throw new WireError(`label runs past end of message at offset ${p}`);
      labels.push(escapeLabel(this.buf.subarray(p + 1, p + 1 + len)));
      wireLen += len + 1;
      if (wireLen > 254) throw new WireError(`name longer than 255 octets at offset ${this.pos}`);
      p += 1 + len;
    }
    const text = labels.length === 0 ? '.' : `${labels.join('.')}.`;
    return this.lower ? lowerName(text) : text;
  }

  charString(): string {
    const len = this.u8('character-string length');
    return quoteString(this.bytes(len, 'character-string'));
  }
}

export function escapeLabel(b: Buffer): string {
  let s = '';
  for (const c of b) {
    if (c === 0x2e || c === 0x5c || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x22 || c === 0x40 || c === 0x24) {
      s += `\\${String.fromCharCode(c)}`;
    } else if (c <= 0x20 || c >= 0x7f) {
      s += `\\${c.toString().padStart(3, '0')}`;
    } else {
      s += String.fromCharCode(c);
    }
  }
  return s;
}

export function quoteString(b: Buffer): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x22 || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c < 0x20 || c >= 0x7f) s += `\\${c.toString().padStart(3, '0')}`;
    else s += String.fromCharCode(c);
  }
  return `${s}"`;
}

function hex(b: Buffer): string {
  return b.toString('hex').toUpperCase();
}

function generic(b: Buffer): string {
  return b.length === 0 ? '\\# 0' : `\\# ${b.length} ${hex(b)}`;
}


const SVC_KEYS: Record<number, string> = {
  0: 'mandatory', 1: 'alpn', 2: 'no-default-alpn', 3: 'port', 4: 'ipv4hint', 5: 'ech', 6: 'ipv6hint', 7: 'dohpath',
};

function svcParams(r: Reader, end: number): string[] {
  const out: string[] = [];
  while (r.pos < end) {
    const key = r.u16('SvcParamKey');
    const len = r.u16('SvcParamValue length');
    const v = r.bytes(len, 'SvcParamValue');
    const k = SVC_KEYS[key] ?? `key${key}`;
    let text: string;
    if (key === 0) {
      const ks: string[] = [];
      for (let i = 0; i + 1 < v.length; i += 2) ks.push(SVC_KEYS[v.readUInt16BE(i)] ?? `key${v.readUInt16BE(i)}`);
      text = ks.join(',');
    } else if (key === 1) {
      const ids: string[] = [];
      for (let i = 0; i < v.length; ) {
        const l = v[i];
        ids.push(v.subarray(i + 1, i + 1 + l).toString('latin1'));
        i += 1 + l;
      }
      text = JSON.stringify(ids.join(','));
    } else if (key === 3 && v.length === 2) {
      text = String(v.readUInt16BE(0));
    } else if (key === 4) {
      const ips: string[] = [];
      for (let i = 0; i + 3 < v.length; i += 4) ips.push(`${v[i]}.${v[i + 1]}.${v[i + 2]}.${v[i + 3]}`);
      text = ips.join(',');
    } else if (key === 6) {
      const ips: string[] = [];
      for (let i = 0; i + 15 < v.length; i += 16) ips.push(formatIpv6(v.subarray(i, i + 16)));
      text = ips.join(',');
    } else if (key === 2) {
      out.push(k);
      continue;
    } else {
      text = hex(v);
    }
    out.push(`${k}=${text}`);
  }
  return out;
}

/** Render one RDATA; `r.pos` is at its start, it spans `rdlen` bytes. */
function renderRdata(r: Reader, type: number, rdlen: number): string {
  const start = r.pos;
  const end = start + rdlen;
  const raw = r.buf.subarray(start, end);
  const parts: string[] = [];
  try {
    switch (type) {
      case 1: // A
        if (rdlen !== 4) return generic(raw);
        return `${raw[0]}.${raw[1]}.${raw[2]}.${raw[3]}`;
      case 28: // AAAA
        if (rdlen !== 16) return generic(raw);
        return formatIpv6(raw);
      case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12: case 39: // single name
        parts.push(r.name());
        break;
      case 6: // SOA
        parts.push(r.name(), r.name());
        for (let i = 0; i < 5; i++) parts.push(String(r.u32()));
        break;
      case 14: case 17: // MINFO, RP
        parts.push(r.name(), r.name());
        break;
      case 15: case 18: case 21: case 36: // MX, AFSDB, RT, KX
        parts.push(String(r.u16()), r.name());
        break;
      case 33: // SRV
        parts.push(String(r.u16()), String(r.u16()), String(r.u16()), r.name());
        break;
      case 16: case 99: // TXT, SPF
        while (r.pos < end) parts.push(r.charString());
        break;
      case 13: // HINFO
        parts.push(r.charString(), r.charString());
        break;
      case 35: // NAPTR
        parts.push(String(r.u16()), String(r.u16()), r.charString(), r.charString(), r.charString(), r.name());
        break;
      case 257: { // CAA
        parts.push(String(r.u8()));
        const tl = r.u8();
        parts.push(r.bytes(tl).toString('latin1'));
        parts.push(quoteString(r.bytes(end - r.pos)));
        break;
      }
      case 43: case 59: // DS, CDS
        parts.push(String(r.u16()), String(r.u8()), String(r.u8()), hex(r.bytes(end - r.pos)));
        break;
      case 44: // SSHFP
        parts.push(String(r.u8()), String(r.u8()), hex(r.bytes(end - r.pos)));
        break;
      case 52: case 53: // TLSA, SMIMEA
        parts.push(String(r.u8()), String(r.u8()), String(r.u8()), hex(r.bytes(end - r.pos)));
        break;
      case 64: case 65: // SVCB, HTTPS
        parts.push(String(r.u16()), r.name(), ...svcParams(r, end));
        break;
      default:
        r.pos = end;
        return generic(raw);
    }
  } catch (err) {
    r.pos = end;
    return `${generic(raw)} ; undecodable as ${typeName(type)}: ${(err as Error).message}`;
  }
  if (r.pos !== end) {
    const at = r.pos;
    r.pos = end;
    return `${generic(raw)} ; RDATA length mismatch for ${typeName(type)} (parsed ${at - start} of ${rdlen})`;
  }
  return parts.join(' ');
}

function readRecord(r: Reader): WireRecord {
  const owner = r.name();
  const type = r.u16('RR type');
  const rrclass = r.u16('RR class');
  const ttl = r.u32('RR TTL');
  const rdlen = r.u16('RDLENGTH');
  r.need(rdlen, 'RDATA');
  const raw = r.buf.subarray(r.pos, r.pos + rdlen);
  const exact = new Reader(r.buf.subarray(0, r.pos + rdlen), r.pos);
  const rdata = type === 41 ? hex(raw) : renderRdata(exact, type, rdlen);
  const lowered = new Reader(r.buf.subarray(0, r.pos + rdlen), r.pos, true);
  const rdataLower = type === 41 ? rdata : renderRdata(lowered, type, rdlen);
  r.pointers += exact.pointers;
  r.pos += rdlen;
  return { owner, type, rrclass, ttl, rdata, rdataLower, raw: Buffer.from(raw) };
}

export function parseMessage(buf: Buffer): WireMessage {
  const msg: WireMessage = {
    id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false,
    rcode: 0, counts: { qd: 0, an: 0, ns: 0, ar: 0 },
    question: [], answer: [], authority: [], additional: [], trailing: 0, pointers: 0, size: buf.length,
  };
  const r = new Reader(buf);
  try {
    msg.id = r.u16('header');
    const flags = r.u16('header');
    msg.qr = (flags & 0x8000) !== 0;
    msg.opcode = (flags >> 11) & 0xf;
    msg.aa = (flags & 0x0400) !== 0;
    msg.tc = (flags & 0x0200) !== 0;
    msg.rd = (flags & 0x0100) !== 0;
    msg.ra = (flags & 0x0080) !== 0;
    msg.z = (flags & 0x0040) !== 0;
    msg.ad = (flags & 0x0020) !== 0;
    msg.cd = (flags & 0x0010) !== 0;
    msg.rcode = flags & 0xf;
    msg.counts = { qd: r.u16('header'), an: r.u16('header'), ns: r.u16('header'), ar: r.u16('header') };
    for (let i = 0; i < msg.counts.qd; i++) {
      const name = r.name();
      msg.question.push({ name, type: r.u16('QTYPE'), qclass: r.u16('QCLASS') });
    }
    for (let i = 0; i < msg.counts.an; i++) msg.answer.push(readRecord(r));
    for (let i = 0; i < msg.counts.ns; i++) msg.authority.push(readRecord(r));
    for (let i = 0; i < msg.counts.ar; i++) msg.additional.push(readRecord(r));
    msg.trailing = buf.length - r.pos;
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    msg.error = err.message;
  }
  msg.pointers = r.pointers;
  return msg;
}

/** ASCII-only lowercasing, as DNS name comparison does (RFC 4343). */
export function lowerName(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
