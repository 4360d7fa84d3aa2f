// RFC 1982 serial number arithmetic for SOA serials (32 bits).

/** -1, 0 or 1; NaN-free: two serials 2^31 apart are "undefined" and compare as 1 (changed). */
export function compareSerial(a: number, b: number): number {
  if (a === b) return 0;
  const d = (b - a) >>> 0;
  return d < 0x80000000 ? -1 : 1;
}

/** a < b in serial arithmetic. */
export function serialLess(a: number, b: number): boolean {
  return compareSerial(a, b) < 0;
}
