// The client's address of the packet being answered, as bytes, for whatever decides by client
// (response rate limiting by prefix, tinydns locations, transfer ACLs). One scratch per worker,
// refilled per packet without allocating: from dgram's address text, or from a raw sockaddr when
// the batched I/O path reads one.
//
// Layout of `bytes`: IPv4 in bytes 0..3 (family 4, also for IPv4-mapped IPv6 `::ffff:a.b.c.d`);
// IPv6 in bytes 0..15 (family 6).

import { formatIpv6 } from '../zone/rdata/address.ts';

export class ClientAddress {
  family: 4 | 6 = 4;
  readonly bytes = new Uint8Array(16);
  /** The client's port, where the transport knows it (dnstap logs it); 0 otherwise. */
  port = 0;

  /** Parse an IP literal as Node reports it (`rinfo.address`, `socket.remoteAddress`); false if it is none. */
  setText(text: string): boolean {
    if (text.indexOf(':') < 0) return this.setV4(text, 0, text.length, 0) && ((this.family = 4), true);
    if (!this.setV6(text)) return false;
    // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket: decide by its IPv4 address.
    const b = this.bytes;
    let mapped = b[10] === 0xff && b[11] === 0xff;
    for (let i = 0; mapped && i < 10; i++) mapped = b[i] === 0;
    if (mapped) {
      b[0] = b[12];
      b[1] = b[13];
      b[2] = b[14];
      b[3] = b[15];
      this.family = 4;
    } else {
      this.family = 6;
    }
    return true;
  }

  /** Copy from raw address bytes (4 or 16 of them) at `offset`. */
  setBytes(family: 4 | 6, source: Uint8Array, offset: number): void {
    const n = family === 4 ? 4 : 16;
    for (let i = 0; i < n; i++) this.bytes[i] = source[offset + i];
    this.family = family;
  }

  /** Presentation form, for logs and tests (allocates). */
  toString(): string {
    const b = this.bytes;
    if (this.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
    return formatIpv6(b);
  }

  /** Dotted quad in text[start, end) into bytes[at..at+3]. */
  private setV4(text: string, start: number, end: number, at: number): boolean {
    let part = 0;
    let value = 0;
    let digits = 0;
    for (let i = start; i <= end; i++) {
      const c = i === end ? 46 /* . */ : text.charCodeAt(i);
      if (c === 46) {
        if (digits === 0 || part > 3) return false;
        this.bytes[at + part++] = value;
        value = 0;
        digits = 0;
      } else if (c >= 48 && c <= 57 && digits < 3) {
        value = value * 10 + (c - 48);
        if (value > 255) return false;
        digits++;
      } else {
        return false;
      }
    }
    return part === 4;
  }

  /** RFC 4291 text (with `::` and an optional trailing dotted quad; a `%zone` suffix is ignored). */
  private setV6(text: string): boolean {
    const b = this.bytes;
    let end = text.indexOf('%');
    if (end < 0) end = text.length;
    let at = 0; // next byte to fill
    let gap = -1; // byte index where `::` stands
    let i = 0;
    if (text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) {
      gap = 0;
      i = 2;
    }
    while (i < end) {
      // One group, or a dotted quad at the end.
      let j = i;
      let value = 0;
      while (j < end) {
        const c = text.charCodeAt(j);
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (d < 0) break;
        value = value * 16 + d;
        j++;
      }
      if (j < end && text.charCodeAt(j) === 46) {
        if (at > 12 || !this.setV4(text, i, end, at)) return false;
        at += 4;
        i = end;
        break;
      }
      if (j === i || j - i > 4 || at > 14) return false;
      b[at++] = value >> 8;
      b[at++] = value & 0xff;
      if (j === end) {
        i = end;
        break;
      }
      if (text.charCodeAt(j) !== 58) return false;
      if (text.charCodeAt(j + 1) === 58) {
        if (gap >= 0) return false;
        gap = at;
        i = j + 2;
      } else {
        i = j + 1;
        if (i === end) return false;
      }
    }
    if (gap < 0) return at === 16;
    if (at === 16) return false;
    // Move the part after `::` to the end and zero the gap.
    const tail = at - gap;
    for (let k = 0; k < tail; k++) b[15 - k] = b[at - 1 - k];
    for (let k = gap; k < 16 - tail; k++) b[k] = 0;
    return true;
  }
}
