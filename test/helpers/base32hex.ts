// RFC 4648 base32hex without padding, lower case: how NSEC3 hashed owner names and next
// hashed owners are written. Kept apart from the decoder in src/zone/rdata/common.ts so a
// test that encodes here and has the code decode is not checking the code against itself.

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

export function base32hex(b: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const x of b) {
    value = ((value << 8) | x) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  return out;
}
