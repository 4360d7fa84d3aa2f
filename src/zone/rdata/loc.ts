// LOC (RFC 1876): d1 [m1 [s1]] N|S d2 [m2 [s2]] E|W alt[m] [siz[m] [hp[m] [vp[m]]]]

import { RdataError, parseUint } from './common.ts';
import type { Fields, Writer } from './common.ts';

/** Parse a decimal with up to `places` fractional digits, scaled by 10^places. */
function fixed(t: string, places: number, field: string, allowNegative = false): number {
  const re = allowNegative ? /^(-?)([0-9]+)(?:\.([0-9]*))?$/ : /^()([0-9]+)(?:\.([0-9]*))?$/;
  const m = re.exec(t);
  if (m === null) throw new RdataError(`bad LOC ${field} '${t}'`);
  const frac = m[3] ?? '';
  if (frac.length > places) throw new RdataError(`bad LOC ${field} '${t}': too many decimals`);
  const v = Number(m[2]) * 10 ** places + Number(frac.padEnd(places, '0') || '0');
  return m[1] === '-' ? -v : v;
}

/** Meters (optionally suffixed 'm') to centimetres. */
function meters(t: string, field: string, allowNegative = false): number {
  const s = t.endsWith('m') || t.endsWith('M') ? t.slice(0, -1) : t;
  return fixed(s, 2, field, allowNegative);
}

/** RFC 1876 size/precision byte: mantissa (4 bits) and power of ten (4 bits), in cm. */
function precision(cm: number, field: string): number {
  if (cm > 9e9) throw new RdataError(`bad LOC ${field}: too large`);
  let exp = 0;
  while (exp < 9 && cm >= 10 ** (exp + 1)) exp++;
  let mant = Math.floor(cm / 10 ** exp);
  if (mant > 9) mant = 9;
  return (mant << 4) | exp;
}

function coordinate(f: Fields, hemis: string, maxDeg: number, what: string): number {
  const deg = parseUint(f.next(`LOC ${what} degrees`), maxDeg, `LOC ${what} degrees`);
  let min = 0;
  let ms = 0;
  let t = f.next(`LOC ${what} hemisphere`);
  if (/^[0-9]/.test(t)) {
    min = parseUint(t, 59, `LOC ${what} minutes`);
    t = f.next(`LOC ${what} hemisphere`);
    if (/^[0-9]/.test(t)) {
      ms = fixed(t, 3, `${what} seconds`);
      if (ms >= 60000) throw new RdataError(`bad LOC ${what} seconds '${t}'`);
      t = f.next(`LOC ${what} hemisphere`);
    }
  }
  const h = t.toUpperCase();
  if (h.length !== 1 || !hemis.includes(h)) throw new RdataError(`bad LOC ${what} hemisphere '${t}'`);
  const v = deg * 3600000 + min * 60000 + ms;
  if (v > maxDeg * 3600000) throw new RdataError(`bad LOC ${what}: beyond ${maxDeg} degrees`);
  return h === hemis[0] ? 0x80000000 + v : 0x80000000 - v;
}

export function parseLOC(f: Fields, w: Writer): void {
  const lat = coordinate(f, 'NS', 90, 'latitude');
  const lon = coordinate(f, 'EW', 180, 'longitude');
  const altCm = meters(f.next('LOC altitude'), 'altitude', true) + 10000000;
  if (altCm < 0 || altCm > 0xffffffff) throw new RdataError('bad LOC altitude: out of range');
  let size = 100;
  let hp = 1000000;
  let vp = 1000;
  if (f.more()) size = meters(f.next('LOC size'), 'size');
  if (f.more()) hp = meters(f.next('LOC horizontal precision'), 'horizontal precision');
  if (f.more()) vp = meters(f.next('LOC vertical precision'), 'vertical precision');
  f.done();
  w.u8(0);
  w.u8(precision(size, 'size'));
  w.u8(precision(hp, 'horizontal precision'));
  w.u8(precision(vp, 'vertical precision'));
  w.u32(lat);
  w.u32(lon);
  w.u32(altCm);
}
