import { describe, it, expect } from 'vitest';
import {
  ROOT, NameSyntaxError, parseName, nameToText, lowerName, nameEquals, isSubdomain, labelCount, parentName,
  compareCanonical, nameLength,
} from '../../src/zone/name.ts';
import { hex, n } from './helpers.ts';

describe('parseName', () => {
  const origin = n('Example.COM.');

  it('encodes absolute names, preserving case', () => {
    expect(n('www.Example.com.')).toEqual(Uint8Array.from([3, 119, 119, 119, 7, 69, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0]));
    expect(parseName('.', null)).toEqual(ROOT);
    expect(ROOT).toEqual(Uint8Array.from([0]));
  });

  it('appends the origin to relative names and maps @ to the origin', () => {
    expect(nameToText(parseName('www', origin))).toBe('www.Example.COM.');
    expect(nameToText(parseName('a.b', origin))).toBe('a.b.Example.COM.');
    expect(parseName('@', origin)).toEqual(origin);
    expect(parseName('x.', origin)).toEqual(n('x.'));
  });

  it('handles escapes: \\. inside a label, \\\\, \\DDD and \\X', () => {
    expect(parseName('a\\.b.c.', null)).toEqual(Uint8Array.from([3, 97, 46, 98, 1, 99, 0]));
    expect(parseName('a\\\\.', null)).toEqual(Uint8Array.from([2, 97, 92, 0]));
    expect(parseName('\\065\\000b.', null)).toEqual(Uint8Array.from([3, 65, 0, 98, 0]));
    expect(parseName('\\@x.', null)).toEqual(Uint8Array.from([2, 64, 120, 0]));
    // An escaped final dot is part of the label, so the name is relative.
    expect(parseName('a\\.', origin)).toEqual(Uint8Array.from([2, 97, 46, ...origin]));
  });

  it('accepts 63-byte labels and 255-byte names and rejects longer ones', () => {
    const l63 = 'a'.repeat(63);
    expect(n(`${l63}.`).length).toBe(65);
    expect(() => n(`${l63}a.`)).toThrow(NameSyntaxError);
    // 3 * 64 + 62 + 1 = 255 bytes
    const max = `${l63}.${l63}.${l63}.${'b'.repeat(61)}.`;
    expect(n(max).length).toBe(255);
    expect(() => n(`${l63}.${l63}.${l63}.${'b'.repeat(62)}.`)).toThrow(/longer than 255/);
    // Relative names are checked after the origin is appended.
    expect(() => parseName(`${l63}.${l63}.${l63}.${'b'.repeat(50)}`, origin)).toThrow(/longer than 255/);
  });

  it('rejects empty labels, bad escapes and relative names without an origin', () => {
    expect(() => n('a..b.')).toThrow(/empty label/);
    expect(() => n('.a.')).toThrow(/empty label/);
    expect(() => n('')).toThrow(/empty name/);
    expect(() => n('a\\')).toThrow(/dangling backslash/);
    expect(() => n('\\25x.')).toThrow(/DDD/);
    expect(() => n('\\256.')).toThrow(/out of range/);
    expect(() => parseName('www', null)).toThrow(/no origin/);
    expect(() => parseName('@', null)).toThrow(/no origin/);
    expect(() => parseName('www', null)).toThrow(NameSyntaxError);
  });
});

describe('nameToText', () => {
  it('prints absolute names with BIND escapes', () => {
    expect(nameToText(ROOT)).toBe('.');
    expect(nameToText(n('www.example.com.'))).toBe('www.example.com.');
    expect(nameToText(Uint8Array.from([3, 97, 46, 98, 0]))).toBe('a\\.b.');
    expect(nameToText(Uint8Array.from([7, 34, 40, 41, 59, 64, 36, 92, 0]))).toBe('\\"\\(\\)\\;\\@\\$\\\\.');
    expect(nameToText(Uint8Array.from([3, 32, 0, 200, 0]))).toBe('\\032\\000\\200.');
    expect(nameToText(n('*.Mixed.'))).toBe('*.Mixed.');
  });

  it('round-trips through parseName', () => {
    for (const s of ['a\\.b.c.', '\\000\\255x.', 'a\\\\b.', 'sp\\032ace.', '\\"q\\".', 'x\\;y.']) {
      expect(nameToText(n(s))).toBe(s);
      expect(n(nameToText(n(s)))).toEqual(n(s));
    }
  });
});

describe('comparisons', () => {
  it('lowerName lowercases ASCII only', () => {
    expect(lowerName(n('WwW.ExAmPlE.\\200Z.'))).toEqual(n('www.example.\\200z.'));
    expect(lowerName(Uint8Array.from([1, 0xc0, 0]))).toEqual(Uint8Array.from([1, 0xc0, 0]));
  });

  it('nameEquals is case-insensitive but not for non-letters', () => {
    expect(nameEquals(n('WWW.example.'), n('www.EXAMPLE.'))).toBe(true);
    expect(nameEquals(n('www.example.'), n('ww.example.'))).toBe(false);
    // '@' (0x40) and '`' (0x60) differ only in bit 0x20 but are not letters.
    expect(nameEquals(n('\\@.'), n('`.'))).toBe(false);
  });

  it('isSubdomain respects label boundaries', () => {
    expect(isSubdomain(n('a.b.example.'), n('Example.'))).toBe(true);
    expect(isSubdomain(n('example.'), n('example.'))).toBe(true);
    expect(isSubdomain(n('anything.'), ROOT)).toBe(true);
    expect(isSubdomain(n('notexample.'), n('example.'))).toBe(false);
    expect(isSubdomain(n('example.'), n('a.example.'))).toBe(false);
    // "b\.example." is a single label, not below "example."
    expect(isSubdomain(n('b\\.example.'), n('example.'))).toBe(false);
  });

  it('labelCount and parentName', () => {
    expect(labelCount(ROOT)).toBe(0);
    expect(labelCount(n('*.a.example.'))).toBe(3);
    expect(parentName(n('www.example.'))).toEqual(n('example.'));
    expect(parentName(n('com.'))).toEqual(ROOT);
    expect(() => parentName(ROOT)).toThrow();
  });

  it('compareCanonical follows the RFC 4034 section 6.1 example order', () => {
    const ordered = [
      'example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.EXAMPLE.', 'z.example.',
      '\\001.z.example.', '*.z.example.', '\\200.z.example.',
    ].map(n);
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(compareCanonical(ordered[i], ordered[j]))).toBe(Math.sign(i - j));
      }
    }
    expect(compareCanonical(n('A.example.'), n('a.EXAMPLE.'))).toBe(0);
  });

  it('nameLength measures an uncompressed name inside a buffer', () => {
    const buf = hex('0000 03777777 076578616d706c65 00 ffff');
    expect(nameLength(buf, 2)).toBe(13);
    expect(nameLength(Uint8Array.from([0]), 0)).toBe(1);
    expect(() => nameLength(hex('0561'), 0)).toThrow();
    expect(() => nameLength(hex('c00c'), 0)).toThrow();
  });
});
