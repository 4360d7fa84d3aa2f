// Shared pieces for presentation -> wire RDATA: the field cursor, the output writer, and
// decoders for numbers, TTLs, hex, base64, base32hex, character-strings and type bitmaps.

import type { WireName } from '../model.ts';
import { NameSyntaxError, parseName } from '../name.ts';
import { typeFromText } from '../types.ts';

/** A malformed RDATA field. The parser adds FILE:LINE. */
export class RdataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RdataError';
  }
}

/** Cursor over the RDATA tokens of one record. */
export class Fields {
  tokens: string[] = [];
  quoted: boolean[] = [];
  pos = 0;
  end = 0;
  origin: WireName | null = null;

  reset(tokens: string[], quoted: boolean[], pos: number, end: number, origin: WireName | null): this {
    this.tokens = tokens;
    this.quoted = quoted;
    this.pos = pos;
    this.end = end;
    this.origin = origin;
    return this;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** The next token, or an error naming the missing field. */
  next(field: string): string {
    if (this.pos >= this.end) throw new RdataError(`missing ${field}`);
    return this.tokens[this.pos++];
  }

  /** Whether the next token (if any) was quoted. */
  nextIsQuoted(): boolean {
    return this.pos < this.end && this.quoted[this.pos];
  }

  /** All remaining tokens concatenated (for base64/hex split by whitespace); error if none. */
  rest(field: string): string {
    if (this.pos >= this.end) throw new RdataError(`missing ${field}`);
    let s = this.tokens[this.pos++];
    while (this.pos < this.end) s += this.tokens[this.pos++];
    return s;
  }

  /** Remaining tokens concatenated, '' if none. */
  restOptional(): string {
    let s = '';
    while (this.pos < this.end) s += this.tokens[this.pos++];
    return s;
  }

  /** Error if tokens remain. */
  done(): void {
    if (this.pos < this.end) throw new RdataError(`unexpected trailing data '${this.tokens[this.pos]}'`);
  }

  name(field: string): WireName {
    const t = this.next(field);
    try {
      return parseName(t, this.origin);
    } catch (e) {
      if (e instanceof NameSyntaxError) throw new RdataError(`bad ${field} '${t}': ${e.message}`);
      throw e;
    }
  }

  u8(field: string): number {
    return parseUint(this.next(field), 0xff, field);
  }

  u16(field: string): number {
    return parseUint(this.next(field), 0xffff, field);
  }

  u32(field: string): number {
    return parseUint(this.next(field), 0xffffffff, field);
  }
}

export const MAX_RDATA = 65535;

/** Output buffer for one RDATA, reused across records; `finish()` copies the result out. */
export class Writer {
  readonly buf = new Uint8Array(MAX_RDATA);
  len = 0;

  reset(): this {
    this.len = 0;
    return this;
  }

  private room(n: number): void {
    if (this.len + n > MAX_RDATA) throw new RdataError('RDATA longer than 65535 bytes');
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v & 0xff;
  }

  u32(v: number): void {
    this.room(4);
    this.buf[this.len++] = v >>> 24;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Overwrite a u16 at an earlier position (for length fields). */
  setU16(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Parse an unsigned decimal integer no larger than `max`. */
export function parseUint(t: string, max: number, field: string): number {
  const n = t.length;
  if (n === 0 || n > 10) throw new RdataError(`bad ${field} '${t}': expected a number`);
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) throw new RdataError(`bad ${field} '${t}': expected a number`);
    v = v * 10 + c;
  }
  if (v > max) throw new RdataError(`bad ${field} '${t}': larger than ${max}`);
  return v;
}

/**
 * Parse a TTL-style duration: plain seconds or units (`1W2D3h4m5s`, case-insensitive; a
 * trailing bare number is seconds). Returns -1 if the text is not of that form, or a value
 * that may exceed the caller's limit (the caller checks).
 */
export function parseDuration(t: string): number {
  const n = t.length;
  if (n === 0) return -1;
  let total = 0;
  let cur = 0;
  let digits = 0;
  let units = 0;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      cur = cur * 10 + (c - 0x30);
      digits++;
      if (digits > 10) return -1;
      continue;
    }
    if (digits === 0) return -1;
    let mult: number;
    switch (c | 0x20) {
      case 0x77: mult = 604800; break; // w
      case 0x64: mult = 86400; break; // d
      case 0x68: mult = 3600; break; // h
      case 0x6d: mult = 60; break; // m
      case 0x73: mult = 1; break; // s
      default: return -1;
    }
    total += cur * mult;
    cur = 0;
    digits = 0;
    units++;
  }
  if (digits > 0) total += cur;
  else if (units === 0) return -1;
  return total;
}

export const MAX_TTL = 0x7fffffff;

/** A TTL field (RFC 2181: at most 2^31 - 1). */
export function parseTtlField(t: string, field: string): number {
  const v = parseDuration(t);
  if (v < 0) throw new RdataError(`bad ${field} '${t}'`);
  if (v > MAX_TTL) throw new RdataError(`bad ${field} '${t}': larger than ${MAX_TTL}`);
  return v;
}

/** A 32-bit time interval that may use TTL units (SOA timers). */
export function parseInterval(t: string, field: string): number {
  const v = parseDuration(t);
  if (v < 0) throw new RdataError(`bad ${field} '${t}'`);
  if (v > 0xffffffff) throw new RdataError(`bad ${field} '${t}': larger than 4294967295`);
  return v;
}

const HEX_RE = /^[0-9a-fA-F]*$/;

export function decodeHex(s: string, field: string): Uint8Array {
  if (s.length % 2 !== 0 || !HEX_RE.test(s)) throw new RdataError(`bad ${field}: not an even number of hex digits`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeBase64(s: string, field: string): Uint8Array {
  if (s.length % 4 !== 0 || !B64_RE.test(s)) throw new RdataError(`bad ${field}: invalid base64`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** RFC 4648 base32hex without padding (NSEC3 next hashed owner), case-insensitive. */
export function decodeBase32Hex(s: string, field: string): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else {
      c |= 0x20;
      if (c >= 0x61 && c <= 0x76) v = c - 0x61 + 10;
      else throw new RdataError(`bad ${field} '${s}': invalid base32hex`);
    }
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >>> bits) & 0xff);
    }
  }
  // Leftover bits must be fewer than 5 and zero (canonical encoding, no padding).
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) throw new RdataError(`bad ${field} '${s}': invalid base32hex length`);
  return new Uint8Array(out);
}

const strScratch = new Uint8Array(MAX_RDATA);

/**
 * Decode a character-string's text (quotes already removed) into bytes: `\DDD` is a decimal
 * byte, `\X` is X. The text is one char per byte.
 */
export function decodeString(t: string, field: string): Uint8Array {
  const n = t.length;
  let o = 0;
  for (let i = 0; i < n; ) {
    let c = t.charCodeAt(i);
    if (c === 0x5c) {
      if (i + 1 >= n) throw new RdataError(`bad ${field}: dangling backslash`);
      const c1 = t.charCodeAt(i + 1);
      if (c1 >= 0x30 && c1 <= 0x39) {
        const c2 = t.charCodeAt(i + 2) - 0x30;
        const c3 = t.charCodeAt(i + 3) - 0x30;
        if (!(c2 >= 0 && c2 <= 9 && c3 >= 0 && c3 <= 9)) throw new RdataError(`bad ${field}: bad \\DDD escape`);
        c = (c1 - 0x30) * 100 + c2 * 10 + c3;
        if (c > 255) throw new RdataError(`bad ${field}: \\DDD escape larger than 255`);
        i += 4;
      } else {
        c = c1;
        i += 2;
      }
    } else {
      i++;
    }
    if (c > 0xff) throw new RdataError(`bad ${field}: character outside 0-255`);
    if (o >= MAX_RDATA) throw new RdataError(`${field} too long`);
    strScratch[o++] = c;
  }
  return strScratch.slice(0, o);
}

/** Write one <character-string> (length byte + bytes); more than 255 bytes is an error. */
export function writeCharString(w: Writer, t: string, field: string): void {
  const b = decodeString(t, field);
  if (b.length > 255) throw new RdataError(`${field} longer than 255 bytes (${b.length})`);
  w.u8(b.length);
  w.bytes(b);
}

/** A type mnemonic or TYPEnnn, as used in RRSIG type covered and NSEC bitmaps. */
export function parseTypeField(t: string, field: string): number {
  const v = typeFromText(t);
  if (v === undefined) throw new RdataError(`bad ${field}: unknown type '${t}'`);
  return v;
}

/** RFC 4034 §4.1.2 type bitmap from the remaining tokens (may be empty). */
export function writeTypeBitmap(f: Fields, w: Writer, field: string): void {
  const types: number[] = [];
  while (f.more()) types.push(parseTypeField(f.next(field), field));
  types.sort((a, b) => a - b);
  let i = 0;
  while (i < types.length) {
    const win = types[i] >>> 8;
    const bitmap = new Uint8Array(32);
    let maxByte = 0;
    while (i < types.length && types[i] >>> 8 === win) {
      const low = types[i] & 0xff;
      const byte = low >>> 3;
      bitmap[byte] |= 0x80 >>> (low & 7);
      if (byte + 1 > maxByte) maxByte = byte + 1;
      i++;
    }
    w.u8(win);
    w.u8(maxByte);
    w.bytes(bitmap.subarray(0, maxByte));
  }
}

/** DNSSEC algorithm number or mnemonic (RFC 8624 / IANA names as BIND accepts them). */
const ALGORITHMS: Record<string, number> = {
  RSAMD5: 1, DH: 2, DSA: 3, RSASHA1: 5, 'DSA-NSEC3-SHA1': 6, NSEC3DSA: 6, 'RSASHA1-NSEC3-SHA1': 7,
  NSEC3RSASHA1: 7, RSASHA256: 8, RSASHA512: 10, 'ECC-GOST': 12, ECDSAP256SHA256: 13,
  ECDSAP384SHA384: 14, ED25519: 15, ED448: 16, INDIRECT: 252, PRIVATEDNS: 253, PRIVATEOID: 254,
};

export function parseAlgorithm(t: string, field = 'algorithm'): number {
  const c = t.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return parseUint(t, 0xff, field);
  const v = ALGORITHMS[t.toUpperCase()];
  if (v === undefined) throw new RdataError(`bad ${field} '${t}'`);
  return v;
}
