import { describe, expect, it } from 'vitest';
import { ByteArena } from '../../src/zone/byte-arena.ts';
import { parseName } from '../../src/zone/name.ts';

describe('ByteArena', () => {
  it('hands out zeroed, 4-aligned views that do not overlap', () => {
    const a = new ByteArena();
    const views = [a.alloc(3), a.alloc(5), a.alloc(1), a.alloc(8)];
    for (const v of views) {
      expect(v.byteOffset % 4).toBe(0);
      expect([...v].every((b) => b === 0)).toBe(true);
    }
    views.forEach((v, i) => v.fill(i + 1));
    expect([...views[0]]).toEqual([1, 1, 1]);
    expect([...views[1]]).toEqual([2, 2, 2, 2, 2]);
    expect([...views[2]]).toEqual([3]);
    expect([...views[3]]).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
  });

  it('moves to a larger chunk when one is full, and keeps the bytes of earlier views', () => {
    const a = new ByteArena();
    const first = a.copy(Uint8Array.of(7, 8, 9));
    const many = Array.from({ length: 2000 }, (_, i) => a.copy(Uint8Array.of(i & 255, i >> 8)));
    expect(many[0].buffer).not.toBe(many[1999].buffer);
    expect(many[1999].buffer.byteLength).toBeGreaterThan(first.buffer.byteLength);
    expect([...first]).toEqual([7, 8, 9]);
    many.forEach((v, i) => expect([...v]).toEqual([i & 255, i >> 8]));
  });

  it('copies only the given length, and gives a large request a buffer of its own', () => {
    const a = new ByteArena();
    expect([...a.copy(Uint8Array.of(1, 2, 3, 4), 2)]).toEqual([1, 2]);
    const big = a.alloc(1 << 20);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(1 << 20);
  });

  it('serves parseName, which writes the same bytes as without it', () => {
    const a = new ByteArena();
    const origin = parseName('example.', null);
    const inArena = parseName('WWW', origin, (n) => a.alloc(n));
    expect([...inArena]).toEqual([...parseName('WWW', origin)]);
    expect(inArena.buffer.byteLength).toBeGreaterThan(inArena.length);
  });
});
