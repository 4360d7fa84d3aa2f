// SHA-1 over preallocated buffers, for NSEC3 hashes of query names (RFC 5155 §5) at query
// time. node:crypto allocates a Hash object and a digest Buffer per call; this does not.

const H0 = 0x67452301;
const H1 = 0xefcdab89;
const H2 = 0x98badcfe;
const H3 = 0x10325476;
const H4 = 0xc3d2e1f0;

export class Sha1 {
  private readonly w = new Int32Array(80);
  /** Message scratch: a name (≤ 255) or a digest (20), a salt (≤ 255), padding. */
  private readonly msg = new Uint8Array(640);
  private readonly h = new Int32Array(5);

  /** out[0..20) = SHA1(a[aStart, aStart+aLen) || b[bStart, bStart+bLen)); out may alias a. */
  digest(a: Uint8Array, aStart: number, aLen: number, b: Uint8Array, bStart: number, bLen: number, out: Uint8Array): void {
    const msg = this.msg;
    for (let i = 0; i < aLen; i++) msg[i] = a[aStart + i];
    for (let i = 0; i < bLen; i++) msg[aLen + i] = b[bStart + i];
    const len = aLen + bLen;
    let total = len + 1;
    while (total % 64 !== 56) total++;
    msg[len] = 0x80;
    for (let i = len + 1; i < total; i++) msg[i] = 0;
    const bits = len * 8;
    msg[total] = 0; msg[total + 1] = 0; msg[total + 2] = 0; msg[total + 3] = 0;
    msg[total + 4] = bits >>> 24; msg[total + 5] = (bits >>> 16) & 0xff;
    msg[total + 6] = (bits >>> 8) & 0xff; msg[total + 7] = bits & 0xff;
    total += 8;
    const h = this.h;
    h[0] = H0; h[1] = H1; h[2] = H2; h[3] = H3; h[4] = H4;
    for (let off = 0; off < total; off += 64) this.block(off);
    for (let i = 0; i < 5; i++) {
      const v = h[i];
      out[i * 4] = v >>> 24; out[i * 4 + 1] = (v >>> 16) & 0xff;
      out[i * 4 + 2] = (v >>> 8) & 0xff; out[i * 4 + 3] = v & 0xff;
    }
  }

  private block(off: number): void {
    const w = this.w;
    const m = this.msg;
    for (let i = 0; i < 16; i++) {
      const p = off + i * 4;
      w[i] = (m[p] << 24) | (m[p + 1] << 16) | (m[p + 2] << 8) | m[p + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    const h = this.h;
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    // The four rounds as four loops: no branch per step.
    for (let i = 0; i < 20; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (let i = 20; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (let i = 40; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[i]) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (let i = 60; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[i]) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0; h[4] = (h[4] + e) | 0;
  }
}
