// The allocation-free SHA-1 used for NSEC3 hashes at query time (src/answer/sha1.ts) against
// node:crypto: every message length 0..600 split as a||b at random points, inputs taken from
// offsets inside larger buffers, and the output written over one of the inputs (the NSEC3
// iteration digests its own previous output).
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Sha1 } from '../../src/answer/sha1.ts';
import { seededRandom } from '../helpers/random.ts';

function randomBytes(rnd: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

function reference(...parts: Uint8Array[]): string {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

describe('Sha1', () => {
  test('known answers (FIPS 180 examples)', () => {
    const sha = new Sha1();
    const out = new Uint8Array(20);
    const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
    const empty = new Uint8Array(0);
    sha.digest(empty, 0, 0, empty, 0, 0, out);
    expect(hex(out)).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    const abc = ascii('abc');
    sha.digest(abc, 0, 3, empty, 0, 0, out);
    expect(hex(out)).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    const long = ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
    sha.digest(long, 0, 20, long, 20, long.length - 20, out);
    expect(hex(out)).toBe('84983e441c3bd26ebaae4aa1f95129e5e54670f1');
  });

  test('every length 0..600, split at random points, equals node:crypto', () => {
    const rnd = seededRandom(0x5155);
    const sha = new Sha1();
    const out = new Uint8Array(20);
    let checked = 0;
    for (let len = 0; len <= 600; len++) {
      for (let round = 0; round < 3; round++) {
        const msg = randomBytes(rnd, len);
        const cut = round === 0 ? 0 : round === 1 ? len : Math.floor(rnd() * (len + 1));
        // a and b live at offsets inside bigger buffers, surrounded by bytes that must be ignored
        const aOff = Math.floor(rnd() * 8);
        const bOff = Math.floor(rnd() * 8);
        const a = randomBytes(rnd, aOff + cut + 5);
        a.set(msg.subarray(0, cut), aOff);
        const b = randomBytes(rnd, bOff + len - cut + 5);
        b.set(msg.subarray(cut), bOff);
        sha.digest(a, aOff, cut, b, bOff, len - cut, out);
        expect(hex(out), `length ${len}, split at ${cut}`).toBe(reference(msg));
        checked++;
      }
    }
    expect(checked).toBe(601 * 3);
  });

  test('block-boundary lengths (55, 56, 63, 64, 119, 120, 128) with every split', () => {
    const rnd = seededRandom(64);
    const sha = new Sha1();
    const out = new Uint8Array(20);
    for (const len of [55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129]) {
      const msg = randomBytes(rnd, len);
      for (let cut = 0; cut <= len; cut++) {
        sha.digest(msg, 0, cut, msg, cut, len - cut, out);
        expect(hex(out), `length ${len}, split at ${cut}`).toBe(reference(msg));
      }
    }
  });

  test('one instance gives the same results again (no state leaks between digests)', () => {
    const rnd = seededRandom(7);
    const sha = new Sha1();
    const out = new Uint8Array(20);
    const msgs = Array.from({ length: 50 }, () => randomBytes(rnd, Math.floor(rnd() * 300)));
    const first = msgs.map((m) => (sha.digest(m, 0, m.length, m, 0, 0, out), hex(out)));
    const again = [...msgs].reverse().map((m) => (sha.digest(m, 0, m.length, m, 0, 0, out), hex(out))).reverse();
    expect(again).toEqual(first);
    expect(first).toEqual(msgs.map((m) => reference(m)));
  });

  test('out may alias the first input (NSEC3 iterations hash their own output)', () => {
    const rnd = seededRandom(12);
    const sha = new Sha1();
    for (let trial = 0; trial < 200; trial++) {
      const salt = randomBytes(rnd, Math.floor(rnd() * 256));
      const name = randomBytes(rnd, 1 + Math.floor(rnd() * 255));
      const iterations = Math.floor(rnd() * 20);
      // reference: RFC 5155 §5, IH(salt, x, 0) = H(x || salt); IH(k) = H(IH(k-1) || salt)
      let expected = createHash('sha1').update(name).update(salt).digest();
      for (let i = 0; i < iterations; i++) expected = createHash('sha1').update(expected).update(salt).digest();
      const h = new Uint8Array(20);
      sha.digest(name, 0, name.length, salt, 0, salt.length, h);
      for (let i = 0; i < iterations; i++) sha.digest(h, 0, 20, salt, 0, salt.length, h);
      expect(hex(h)).toBe(expected.toString('hex'));
    }
  });

  test('out may alias the input at an offset inside the same buffer', () => {
    const rnd = seededRandom(99);
    const sha = new Sha1();
    for (let trial = 0; trial < 100; trial++) {
      const len = Math.floor(rnd() * 200);
      const buf = randomBytes(rnd, len + 40);
      const expected = reference(buf.subarray(10, 10 + len));
      // the output starts where the input does and overwrites its first 20 bytes
      const out = buf.subarray(10, 30);
      sha.digest(buf, 10, len, buf, 0, 0, out);
      expect(hex(out)).toBe(expected);
    }
  });
});
