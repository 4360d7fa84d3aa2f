// SipHash-2-4 on u32 pairs against the reference vectors (key 00..0f, messages 00.., the
// paper's appendix) and against a straightforward BigInt implementation for every length 0..64.
import { describe, expect, it } from 'vitest';
import { SipHash24 } from '../../src/answer/siphash.ts';

const key = Uint8Array.from({ length: 16 }, (_, i) => i);
const message = Uint8Array.from({ length: 64 }, (_, i) => i);

function mac(h: SipHash24, data: Uint8Array, start = 0, length = data.length): string {
  const out = new Uint8Array(8);
  h.hash(data, start, length, out, 0);
  return Buffer.from(out).toString('hex');
}

/** The reference algorithm, written plainly with 64-bit BigInts (slow, obviously right). */
function reference(k: Uint8Array, m: Uint8Array): string {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M;
  const u64 = (b: Uint8Array, i: number) => {
    let x = 0n;
    for (let j = 7; j >= 0; j--) x = (x << 8n) | BigInt(b[i + j] ?? 0);
    return x;
  };
  const k0 = u64(k, 0);
  const k1 = u64(k, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const sipround = () => {
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const blocks = Math.floor(m.length / 8);
  for (let i = 0; i < blocks; i++) {
    const w = u64(m, i * 8);
    v3 ^= w; sipround(); sipround(); v0 ^= w;
  }
  const last = new Uint8Array(8);
  last.set(m.subarray(blocks * 8));
  last[7] = m.length & 0xff;
  const w = u64(last, 0);
  v3 ^= w; sipround(); sipround(); v0 ^= w;
  v2 ^= 0xffn;
  sipround(); sipround(); sipround(); sipround();
  const r = v0 ^ v1 ^ v2 ^ v3;
  return Buffer.from(Array.from({ length: 8 }, (_, i) => Number((r >> BigInt(8 * i)) & 0xffn))).toString('hex');
}

describe('SipHash-2-4', () => {
  const h = new SipHash24();
  h.setKey(key);

  it('gives the reference vectors (key 00..0f)', () => {
    // vectors.h of the reference implementation: message 00..(n-1), output bytes.
    expect(mac(h, message, 0, 0)).toBe('310e0edd47db6f72');
    expect(mac(h, message, 0, 1)).toBe('fd67dc93c539f874');
    // The paper's appendix: 15-byte message 00..0e → 0xa129ca6149be45e5.
    expect(mac(h, message, 0, 15)).toBe('e545be4961ca29a1');
  });

  it('matches a BigInt implementation for every length 0..64, at any offset', () => {
    for (let n = 0; n <= 64; n++) {
      expect(mac(h, message, 0, n)).toBe(reference(key, message.subarray(0, n)));
    }
    const shifted = new Uint8Array(80);
    shifted.set(message, 7);
    for (let n = 0; n <= 64; n += 5) expect(mac(h, shifted, 7, n)).toBe(reference(key, message.subarray(0, n)));
  });

  it('depends on every key byte', () => {
    const other = new SipHash24();
    for (let i = 0; i < 16; i++) {
      const k = Uint8Array.from(key);
      k[i] ^= 0x80;
      other.setKey(k);
      expect(mac(other, message, 0, 24)).toBe(reference(k, message.subarray(0, 24)));
      expect(mac(other, message, 0, 24)).not.toBe(mac(h, message, 0, 24));
    }
  });
});
