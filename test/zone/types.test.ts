import { describe, it, expect } from 'vitest';
import {
  typeFromText, typeToText, classFromText, classToText, TYPE_A, TYPE_AAAA, TYPE_SVCB, TYPE_HTTPS, TYPE_CAA,
  TYPE_ANY, TYPE_AXFR, TYPE_IXFR, TYPE_ZONEMD, CLASS_IN, CLASS_CH, CLASS_ANY,
} from '../../src/zone/types.ts';

describe('type registry', () => {
  it('maps mnemonics both ways, case-insensitively', () => {
    expect(typeFromText('A')).toBe(TYPE_A);
    expect(typeFromText('aaaa')).toBe(TYPE_AAAA);
    expect(typeFromText('Https')).toBe(TYPE_HTTPS);
    expect(typeFromText('SVCB')).toBe(64);
    expect(typeFromText('ZONEMD')).toBe(TYPE_ZONEMD);
    expect(typeToText(257)).toBe('CAA');
    expect(typeToText(TYPE_SVCB)).toBe('SVCB');
    expect([TYPE_CAA, TYPE_ANY, TYPE_AXFR, TYPE_IXFR]).toEqual([257, 255, 252, 251]);
  });

  it('accepts RFC 3597 TYPEnnn and prints unknown types that way', () => {
    expect(typeFromText('TYPE1')).toBe(1);
    expect(typeFromText('type65280')).toBe(65280);
    expect(typeFromText('TYPE65535')).toBe(65535);
    expect(typeFromText('TYPE65536')).toBeUndefined();
    expect(typeFromText('TYPE')).toBeUndefined();
    expect(typeFromText('TYPE1x')).toBeUndefined();
    expect(typeFromText('BOGUS')).toBeUndefined();
    expect(typeToText(65280)).toBe('TYPE65280');
  });

  it('maps classes', () => {
    expect(classFromText('in')).toBe(CLASS_IN);
    expect(classFromText('CH')).toBe(CLASS_CH);
    expect(classFromText('CHAOS')).toBe(CLASS_CH);
    expect(classFromText('ANY')).toBe(CLASS_ANY);
    expect(classFromText('CLASS1')).toBe(1);
    expect(classFromText('class4000')).toBe(4000);
    expect(classFromText('A')).toBeUndefined();
    expect(classToText(1)).toBe('IN');
    expect(classToText(77)).toBe('CLASS77');
  });
});
