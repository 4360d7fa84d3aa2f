// Address prefixes written as CIDR (`192.0.2.0/24`, `2001:db8::/32`, or a bare address for one
// host), validated at start and carried to the workers as plain data (structured-cloneable).

import { isIP } from 'node:net';
import { ClientAddress } from '../answer/client-address.ts';
import { ConfigError } from '../errors.ts';

export interface Cidr {
  family: 4 | 6;
  /** The network address, 4 or 16 bytes (host bits cleared). */
  bytes: number[];
  /** Prefix length: 0..32 for IPv4, 0..128 for IPv6. */
  bits: number;
  /** As written, for logs and messages. */
  text: string;
}

export function parseCidr(text: string, what: string): Cidr {
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(host);
  if (family === 0) throw new ConfigError(`${what}: '${text}' is not an address or ADDRESS/BITS`);
  const max = family === 4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(b) || Number(b) > max) throw new ConfigError(`${what}: '${text}': the prefix length must be 0..${max}`);
    bits = Number(b);
  }
  const address = new ClientAddress();
  address.setText(host);
  // An IPv4-mapped IPv6 prefix names IPv4 clients (ClientAddress reports those as IPv4).
  const mapped = family === 6 && address.family === 4;
  if (mapped) bits = Math.max(0, bits - 96);
  const n = address.family === 4 ? 4 : 16;
  const bytes = Array.from(address.bytes.subarray(0, n));
  for (let i = 0; i < n; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return { family: address.family, bytes, bits, text };
}

/** True if `client` is inside `cidr`. */
export function cidrContains(cidr: Cidr, client: ClientAddress): boolean {
  if (cidr.family !== client.family) return false;
  const bytes = client.bytes;
  const full = cidr.bits >>> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== cidr.bytes[i]) return false;
  const rest = cidr.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full] & mask) === cidr.bytes[full];
}
