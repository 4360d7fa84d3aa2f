// The label of a member zone in a generated catalog (RFC 9432 §4.1: unique, otherwise free), as
// Knot makes it (knot/catalog/generate.c, catalog_member_owner): SipHash-2-4 with an all-zero key
// over the member's wire name (as given, lowercased here) followed by the time it joined the
// catalog as a big-endian u64, the 8 result bytes in little-endian order as 16 hex digits. The
// same name and time always give the same label, so a restart does not reset members; a zone
// removed and added again (a new time) gets a new one, which consumers read as a reset.

const MASK = (1n << 64n) - 1n;

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & MASK;
}

/** SipHash-2-4 of `data` under a zero key (control path only: a catalog is built on membership changes). */
export function siphash24ZeroKey(data: Uint8Array): bigint {
  let v0 = 0x736f6d6570736575n;
  let v1 = 0x646f72616e646f6dn;
  let v2 = 0x6c7967656e657261n;
  let v3 = 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const n = data.length;
  const full = n - (n % 8);
  const word = (at: number, len: number): bigint => {
    let m = 0n;
    for (let i = len - 1; i >= 0; i--) m = (m << 8n) | BigInt(data[at + i]);
    return m;
  };
  for (let i = 0; i < full; i += 8) {
    const m = word(i, 8);
    v3 ^= m;
    round(); round();
    v0 ^= m;
  }
  const last = (BigInt(n & 0xff) << 56n) | word(full, n - full);
  v3 ^= last;
  round(); round();
  v0 ^= last;
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK;
}

/** 16 hex digits naming `member` (wire form) in a catalog, joined at `joinedAt` (Unix seconds). */
export function memberLabel(member: Uint8Array, joinedAt: number): string {
  const data = new Uint8Array(member.length + 8);
  data.set(member, 0);
  new DataView(data.buffer).setBigUint64(member.length, BigInt(joinedAt));
  const h = siphash24ZeroKey(data);
  let hex = '';
  for (let i = 0; i < 8; i++) hex += Number((h >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0');
  return hex;
}
