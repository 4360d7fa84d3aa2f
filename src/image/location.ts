// tinydns locations in images and on the hot path: a location's one or two characters as one
// number, and the client's location from an image's location table (format in layout.ts).

import { H_LOCATION_TABLE } from './layout.ts';

/** `ab` → 0x6162, `a` → 0x6100, '' → 0 (tinydns pads a one-character location with a zero byte). */
export function locationCode(location: string): number {
  if (location === '') return 0;
  return ((location.charCodeAt(0) & 0xff) << 8) | (location.length > 1 ? location.charCodeAt(1) & 0xff : 0);
}

/**
 * The location of an IPv4 client (address bytes 0..3 of `address`) by an image's table: the
 * longest matching prefix, the first of equal length; 0 when none matches. IPv6 clients match
 * only an empty prefix, as tinydns (IPv4 only) never sees them.
 */
export function clientLocation(u32: Uint32Array, family: number, address: Uint8Array): number {
  const table = u32[H_LOCATION_TABLE] >>> 2;
  if (table === 0) return 0;
  const count = u32[table];
  const ip = family === 4 ? ((address[0] << 24) | (address[1] << 16) | (address[2] << 8) | address[3]) >>> 0 : 0;
  let best = -1;
  let location = 0;
  for (let i = 0, e = table + 1; i < count; i++, e += 3) {
    const length = u32[e + 1];
    if (length <= best || (family !== 4 && length > 0)) continue;
    const mask = length === 0 ? 0 : (0xffffffff << (32 - length * 8)) >>> 0;
    if (((ip & mask) >>> 0) !== ((u32[e] & mask) >>> 0)) continue;
    best = length;
    location = u32[e + 2];
  }
  return location;
}
