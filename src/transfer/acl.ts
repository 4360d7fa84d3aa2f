// --allow-transfer: which client addresses may transfer zones (CIDR prefixes, IPv4 and IPv6).

import { isIP } from 'node:net';
import { ClientAddress } from '../answer/client-address.ts';
import { ConfigError } from '../errors.ts';

export interface Cidr {
  text: string;
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/** `192.0.2.0/24`, `2001:db8::/32`, or a single address (a /32 or /128). */
export function parseCidr(text: string, what = '--allow-transfer'): Cidr {
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(host);
  if (family === 0) throw new ConfigError(`${what}: '${host}' is not an IP address (expected ADDRESS/PREFIX, e.g. 192.0.2.0/24)`);
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > max) throw new ConfigError(`${what}: prefix '${p}' of '${text}' is not 0..${max}`);
    prefix = Number(p);
  }
  const a = new ClientAddress();
  a.setText(host);
  // ::ffff:a.b.c.d is read as IPv4 by ClientAddress; a prefix written for IPv6 must stay IPv6 then.
  const fam = family === 4 ? 4 : a.family;
  const len = fam === 4 ? 4 : 16;
  return { text, family: fam, bytes: a.bytes.slice(0, len), prefix: fam === 4 && family === 6 ? Math.max(0, prefix - 96) : prefix };
}

/** Whether `client` (an IP literal as Node reports it) lies in one of the prefixes. */
export function allowed(acl: readonly Cidr[], client: string): boolean {
  if (acl.length === 0) return false;
  const a = new ClientAddress();
  if (!a.setText(client)) return false;
  for (const c of acl) {
    if (c.family !== a.family) continue;
    let bits = c.prefix;
    let i = 0;
    let match = true;
    while (bits >= 8) {
      if (a.bytes[i] !== c.bytes[i]) {
        match = false;
        break;
      }
      i++;
      bits -= 8;
    }
    if (match && bits > 0) {
      const mask = (0xff << (8 - bits)) & 0xff;
      match = (a.bytes[i] & mask) === (c.bytes[i] & mask);
    }
    if (match) return true;
  }
  return false;
}
