// SipHash-2-4 (Aumasson & Bernstein), the MAC of DNS server cookies (RFC 9018 §4.4), on the
// per-packet path: no BigInt, no allocation. Each 64-bit word is a pair of u32 halves (lo, hi);
// the state lives in one preallocated Uint32Array. Input and output are little-endian as in the
// reference implementation, so the 8 output bytes are those Knot and BIND put in a cookie.
//
// State layout (`v`): v0 = [0] lo, [1] hi; v1 = [2], [3]; v2 = [4], [5]; v3 = [6], [7].

export class SipHash24 {
  /** k0 lo, k0 hi, k1 lo, k1 hi. */
  private readonly key = new Uint32Array(4);
  private readonly v = new Uint32Array(8);

  /** The 16-byte key, read as two little-endian 64-bit words (k0 = bytes 0..7). */
  setKey(key: Uint8Array): void {
    if (key.length !== 16) throw new RangeError('SipHash key must be 16 bytes');
    for (let i = 0; i < 4; i++) this.key[i] = le32(key, i * 4);
  }

  /**
   * The MAC of data[start, start + length) written as 8 little-endian bytes at out[at]. Several
   * parts are hashed as one message by copying them into one scratch first (cookies.ts).
   */
  hash(data: Uint8Array, start: number, length: number, out: Uint8Array, at: number): void {
    const v = this.v;
    const k = this.key;
    // "somepseudorandomlygeneratedbytes"
    v[0] = k[0] ^ 0x70736575; v[1] = k[1] ^ 0x736f6d65;
    v[2] = k[2] ^ 0x6e646f6d; v[3] = k[3] ^ 0x646f7261;
    v[4] = k[0] ^ 0x6e657261; v[5] = k[1] ^ 0x6c796765;
    v[6] = k[2] ^ 0x79746573; v[7] = k[3] ^ 0x74656462;
    const whole = length & ~7;
    for (let i = 0; i < whole; i += 8) {
      const mlo = le32(data, start + i);
      const mhi = le32(data, start + i + 4);
      v[6] ^= mlo; v[7] ^= mhi;
      round(v); round(v);
      v[0] ^= mlo; v[1] ^= mhi;
    }
    // Last block: the remaining bytes, and the length's low byte in the top byte.
    let mlo = 0;
    let mhi = (length & 0xff) << 24;
    const rest = length - whole;
    for (let i = 0; i < rest; i++) {
      const b = data[start + whole + i];
      if (i < 4) mlo |= b << (8 * i);
      else mhi |= b << (8 * (i - 4));
    }
    mlo >>>= 0;
    mhi >>>= 0;
    v[6] ^= mlo; v[7] ^= mhi;
    round(v); round(v);
    v[0] ^= mlo; v[1] ^= mhi;
    v[4] ^= 0xff;
    round(v); round(v); round(v); round(v);
    const lo = (v[0] ^ v[2] ^ v[4] ^ v[6]) >>> 0;
    const hi = (v[1] ^ v[3] ^ v[5] ^ v[7]) >>> 0;
    out[at] = lo & 0xff; out[at + 1] = (lo >>> 8) & 0xff; out[at + 2] = (lo >>> 16) & 0xff; out[at + 3] = lo >>> 24;
    out[at + 4] = hi & 0xff; out[at + 5] = (hi >>> 8) & 0xff; out[at + 6] = (hi >>> 16) & 0xff; out[at + 7] = hi >>> 24;
  }
}

function le32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/** One SipRound over the state, 64-bit additions with carry and rotations on u32 pairs. */
function round(v: Uint32Array): void {
  let lo: number;
  let hi: number;
  // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
  lo = (v[0] + v[2]) >>> 0; v[1] = (v[1] + v[3] + (lo < v[0] ? 1 : 0)) >>> 0; v[0] = lo;
  lo = v[2]; hi = v[3];
  v[2] = ((lo << 13) | (hi >>> 19)) ^ v[0]; v[3] = ((hi << 13) | (lo >>> 19)) ^ v[1];
  lo = v[0]; v[0] = v[1]; v[1] = lo;
  // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
  lo = (v[4] + v[6]) >>> 0; v[5] = (v[5] + v[7] + (lo < v[4] ? 1 : 0)) >>> 0; v[4] = lo;
  lo = v[6]; hi = v[7];
  v[6] = ((lo << 16) | (hi >>> 16)) ^ v[4]; v[7] = ((hi << 16) | (lo >>> 16)) ^ v[5];
  // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
  lo = (v[0] + v[6]) >>> 0; v[1] = (v[1] + v[7] + (lo < v[0] ? 1 : 0)) >>> 0; v[0] = lo;
  lo = v[6]; hi = v[7];
  v[6] = ((lo << 21) | (hi >>> 11)) ^ v[0]; v[7] = ((hi << 21) | (lo >>> 11)) ^ v[1];
  // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
  lo = (v[4] + v[2]) >>> 0; v[5] = (v[5] + v[3] + (lo < v[4] ? 1 : 0)) >>> 0; v[4] = lo;
  lo = v[2]; hi = v[3];
  v[2] = ((lo << 17) | (hi >>> 15)) ^ v[4]; v[3] = ((hi << 17) | (lo >>> 15)) ^ v[5];
  lo = v[4]; v[4] = v[5]; v[5] = lo;
}
