// Endpoint addresses: parsed to wire bytes once, and written in one canonical text form (RFC 5952
// for IPv6) so that `FD00:0::1` and `fd00::1` hash, dedupe and label metrics alike.

import { formatIpv6, parseIpv4Into, parseIpv6Into } from '../../zone/rdata/address.ts';

export interface Address {
  /** Canonical text. */
  text: string;
  family: 4 | 6;
  /** 4 or 16 bytes: the A or AAAA RDATA. */
  bytes: Uint8Array;
}

/** An IPv4 or IPv6 literal; null if it is neither. */
export function parseAddress(text: string): Address | null {
  const v4 = new Uint8Array(4);
  if (parseIpv4Into(text, v4, 0)) return { text: Array.from(v4).join('.'), family: 4, bytes: v4 };
  const v6 = new Uint8Array(16);
  if (text.includes(':') && parseIpv6Into(text, v6, 0)) return { text: formatIpv6(v6), family: 6, bytes: v6 };
  return null;
}

/** The reverse-lookup name of an address: `1.0.0.10.in-addr.arpa.`, nibbles under `ip6.arpa.`. */
export function reverseName(a: Address): string {
  if (a.family === 4) return `${[...a.bytes].reverse().join('.')}.in-addr.arpa.`;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((a.bytes[i] & 15).toString(16), (a.bytes[i] >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa.`;
}
