// A, AAAA (and the address-like EUI48, EUI64, L32, NID, L64).

import { RdataError } from './common.ts';
import type { Fields, Writer } from './common.ts';

/** Parse dotted-quad IPv4 into 4 bytes at out[at..at+4); returns false if malformed. */
export function parseIpv4Into(t: string, out: Uint8Array, at: number): boolean {
  const n = t.length;
  let part = 0;
  let v = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? t.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[at + part] = v;
      part++;
      v = 0;
      digits = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9) return false;
    v = v * 10 + d;
    digits++;
    if (digits > 3 || v > 255) return false;
  }
  return part === 4;
}

export function parseIpv4(t: string, field: string): Uint8Array {
  const out = new Uint8Array(4);
  if (!parseIpv4Into(t, out, 0)) throw new RdataError(`bad ${field} '${t}': not an IPv4 address`);
  return out;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** Parse an IPv6 address (RFC 4291 text forms, incl. '::' and a trailing dotted quad). */
export function parseIpv6Into(t: string, out: Uint8Array, at: number): boolean {
  const groups: number[] = [];
  let gap = -1; // index in groups where '::' sits
  let i = 0;
  const n = t.length;
  if (n < 2) return false;
  if (t.charCodeAt(0) === 0x3a) {
    if (t.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
    if (i === n) {
      out.fill(0, at, at + 16);
      return true;
    }
  }
  for (;;) {
    // Read one group (or a trailing IPv4).
    const start = i;
    let v = 0;
    while (i < n) {
      const h = hexVal(t.charCodeAt(i));
      if (h < 0) break;
      v = (v << 4) | h;
      i++;
      if (i - start > 4) return false;
    }
    if (i < n && t.charCodeAt(i) === 0x2e) {
      // Embedded IPv4 in the last 32 bits.
      const tmp = new Uint8Array(4);
      if (!parseIpv4Into(t.slice(start), tmp, 0)) return false;
      groups.push((tmp[0] << 8) | tmp[1], (tmp[2] << 8) | tmp[3]);
      break;
    }
    if (i === start) return false;
    groups.push(v);
    if (i === n) break;
    if (t.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < n && t.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = groups.length;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return false;
    }
  }
  if (gap < 0) {
    if (groups.length !== 8) return false;
  } else if (groups.length > 7) {
    return false;
  }
  const fill = 8 - groups.length;
  let g = 0;
  for (let k = 0; k < 8; k++) {
    let val: number;
    if (gap >= 0 && k >= gap && k < gap + fill) val = 0;
    else val = groups[g++];
    out[at + 2 * k] = val >>> 8;
    out[at + 2 * k + 1] = val & 0xff;
  }
  return true;
}

/** RFC 5952: lowercase hex, no leading zeros, the longest run (2+ groups) of zeros as `::`. */
export function formatIpv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

export function parseIpv6(t: string, field: string): Uint8Array {
  const out = new Uint8Array(16);
  if (!parseIpv6Into(t, out, 0)) throw new RdataError(`bad ${field} '${t}': not an IPv6 address`);
  return out;
}

export function parseA(f: Fields, w: Writer): void {
  const t = f.next('IPv4 address');
  if (!parseIpv4Into(t, w.buf, w.len)) throw new RdataError(`bad IPv4 address '${t}'`);
  w.len += 4;
  f.done();
}

export function parseAAAA(f: Fields, w: Writer): void {
  const t = f.next('IPv6 address');
  if (!parseIpv6Into(t, w.buf, w.len)) throw new RdataError(`bad IPv6 address '${t}'`);
  w.len += 16;
  f.done();
}

/** EUI48 / EUI64 (RFC 7043): hex pairs separated by '-'. */
function parseEui(f: Fields, w: Writer, octets: number, field: string): void {
  const t = f.next(field);
  if (t.length !== octets * 3 - 1) throw new RdataError(`bad ${field} '${t}'`);
  for (let k = 0; k < octets; k++) {
    const hi = hexVal(t.charCodeAt(3 * k));
    const lo = hexVal(t.charCodeAt(3 * k + 1));
    if (hi < 0 || lo < 0 || (k < octets - 1 && t.charCodeAt(3 * k + 2) !== 0x2d)) throw new RdataError(`bad ${field} '${t}'`);
    w.u8((hi << 4) | lo);
  }
  f.done();
}

export function parseEUI48(f: Fields, w: Writer): void {
  parseEui(f, w, 6, 'EUI48 address');
}

export function parseEUI64(f: Fields, w: Writer): void {
  parseEui(f, w, 8, 'EUI64 address');
}

/** NID / L64 (RFC 6742): preference + 64-bit locator as four 16-bit hex groups. */
export function parseNidL64(f: Fields, w: Writer): void {
  w.u16(f.u16('preference'));
  const t = f.next('locator');
  const parts = t.split(':');
  if (parts.length !== 4) throw new RdataError(`bad locator '${t}'`);
  for (const p of parts) {
    if (p.length < 1 || p.length > 4 || !/^[0-9a-fA-F]+$/.test(p)) throw new RdataError(`bad locator '${t}'`);
    w.u16(parseInt(p, 16));
  }
  f.done();
}

/** L32 (RFC 6742): preference + IPv4-style locator. */
export function parseL32(f: Fields, w: Writer): void {
  w.u16(f.u16('preference'));
  w.bytes(parseIpv4(f.next('locator'), 'locator'));
  f.done();
}
