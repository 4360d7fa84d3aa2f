// Domain-name helpers on uncompressed wire names (length-prefixed labels, ending with 0).

import type { WireName } from './model.ts';

/** The root name: a single zero-length label. */
export const ROOT: WireName = new Uint8Array([0]);

/** A name in presentation form that cannot be turned into a wire name. */
export class NameSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NameSyntaxError';
  }
}

const MAX_LABEL = 63;
const MAX_NAME = 255;

// Scratch buffer for building names: a name never exceeds 255 bytes, but a too-long
// input may write past that before we detect it, so leave plenty of room.
const scratch = new Uint8Array(512);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Parse a presentation-format domain name. `@` is the origin; a name not ending in an
 * unescaped `.` is relative and gets `origin` appended. Escapes: `\DDD` (decimal byte) and
 * `\X` (literal X, e.g. `\.` for a dot inside a label). `alloc` gives the result's bytes
 * (zeroed; default a new Uint8Array): the zone parser puts owners in its ByteArena.
 */
export function parseName(text: string, origin: WireName | null, alloc?: (n: number) => Uint8Array): WireName {
  if (text === '@') {
    if (origin === null) throw new NameSyntaxError("'@' used but no origin is known");
    return origin;
  }
  if (text.length === 0) throw new NameSyntaxError('empty name');
  if (text === '.') return ROOT;
  const len = text.length;
  let out = 1; // write position in scratch (byte 0 is the first label's length)
  let labelStart = 0; // position of the current label's length byte
  let labelLen = 0;
  let absolute = false;
  let i = 0;
  while (i < len) {
    let c = text.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (labelLen === 0) throw new NameSyntaxError(`empty label in name '${text}'`);
      scratch[labelStart] = labelLen;
      i++;
      if (i === len) {
        absolute = true;
        break;
      }
      labelStart = out;
      out++;
      labelLen = 0;
      continue;
    }
    if (c === 0x5c /* \ */) {
      if (i + 1 >= len) throw new NameSyntaxError(`dangling backslash in name '${text}'`);
      const c1 = text.charCodeAt(i + 1);
      if (isDigit(c1)) {
        const c2 = text.charCodeAt(i + 2);
        const c3 = text.charCodeAt(i + 3);
        if (!(i + 3 < len) || !isDigit(c2) || !isDigit(c3)) {
          throw new NameSyntaxError(`bad \\DDD escape in name '${text}'`);
        }
        const v = (c1 - 0x30) * 100 + (c2 - 0x30) * 10 + (c3 - 0x30);
        if (v > 255) throw new NameSyntaxError(`\\DDD escape out of range in name '${text}'`);
        c = v;
        i += 4;
      } else {
        if (c1 > 0xff) throw new NameSyntaxError(`non-ASCII character in name '${text}'`);
        c = c1;
        i += 2;
      }
    } else {
      if (c > 0xff) throw new NameSyntaxError(`non-ASCII character in name '${text}'`);
      i++;
    }
    labelLen++;
    if (labelLen > MAX_LABEL) throw new NameSyntaxError(`label longer than 63 bytes in name '${text}'`);
    if (out >= MAX_NAME) throw new NameSyntaxError(`name longer than 255 bytes: '${text}'`);
    scratch[out++] = c;
  }
  if (!absolute) {
    // Relative: close the last label and append the origin.
    if (labelLen === 0) throw new NameSyntaxError(`empty label in name '${text}'`);
    scratch[labelStart] = labelLen;
    if (origin === null) throw new NameSyntaxError(`relative name '${text}' but no origin is known`);
    const total = out + origin.length;
    if (total > MAX_NAME) throw new NameSyntaxError(`name longer than 255 bytes: '${text}'`);
    const result = alloc ? alloc(total) : new Uint8Array(total);
    result.set(scratch.subarray(0, out), 0);
    result.set(origin, out);
    return result;
  }
  // Absolute: out points after the last label's bytes; add the root label.
  if (out + 1 > MAX_NAME) throw new NameSyntaxError(`name longer than 255 bytes: '${text}'`);
  const result = alloc ? alloc(out + 1) : new Uint8Array(out + 1);
  result.set(scratch.subarray(0, out), 0);
  result[out] = 0;
  return result;
}

// Characters that BIND escapes with a backslash inside a label.
const SPECIAL = new Uint8Array(256);
for (const ch of '."();\\@$') SPECIAL[ch.charCodeAt(0)] = 1;

/** Presentation form of a wire name, absolute with trailing dot; the root is '.'. */
export function nameToText(name: WireName): string {
  if (name.length === 0 || name[0] === 0) return '.';
  let s = '';
  let i = 0;
  while (i < name.length) {
    const l = name[i];
    if (l === 0) break;
    for (let j = i + 1; j <= i + l; j++) {
      const c = name[j];
      if (c < 0x21 || c > 0x7e) {
        s += '\\' + String(c).padStart(3, '0');
      } else if (SPECIAL[c] === 1) {
        s += '\\' + String.fromCharCode(c);
      } else {
        s += String.fromCharCode(c);
      }
    }
    s += '.';
    i += l + 1;
  }
  return s;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** ASCII-lowercased copy of a wire name. */
export function lowerName(name: WireName): WireName {
  const out = new Uint8Array(name.length);
  let i = 0;
  while (i < name.length) {
    const l = name[i];
    out[i] = l;
    if (l === 0) break;
    for (let j = i + 1; j <= i + l; j++) out[j] = lower(name[j]);
    i += l + 1;
  }
  return out;
}

/** Case-insensitive equality of wire names. */
export function nameEquals(a: WireName, b: WireName): boolean {
  if (a.length !== b.length) return false;
  // Length bytes are < 0x40 and never letters, so lowercasing everything is safe.
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && lower(a[i]) !== lower(b[i])) return false;
  }
  return true;
}

/** Offsets of each label's length byte, excluding the root label. */
function labelOffsets(name: WireName): number[] {
  const offs: number[] = [];
  let i = 0;
  while (i < name.length && name[i] !== 0) {
    offs.push(i);
    i += name[i] + 1;
  }
  return offs;
}

/** True if `name` equals `ancestor` or lies below it (case-insensitive). */
export function isSubdomain(name: WireName, ancestor: WireName): boolean {
  const d = name.length - ancestor.length;
  if (d < 0) return false;
  if (d > 0) {
    // The suffix must start on a label boundary of `name`.
    let i = 0;
    while (i < d) i += name[i] + 1;
    if (i !== d) return false;
  }
  for (let k = 0; k < ancestor.length; k++) {
    const x = name[d + k];
    const y = ancestor[k];
    if (x !== y && lower(x) !== lower(y)) return false;
  }
  return true;
}

/** Number of labels, not counting the root label; '*' counts. */
export function labelCount(name: WireName): number {
  let n = 0;
  let i = 0;
  while (i < name.length && name[i] !== 0) {
    n++;
    i += name[i] + 1;
  }
  return n;
}

/** The name with its first label removed. Throws for the root. */
export function parentName(name: WireName): WireName {
  if (name.length === 0 || name[0] === 0) throw new NameSyntaxError('the root name has no parent');
  return name.subarray(name[0] + 1);
}

/** RFC 4034 §6.1 canonical ordering: compare labels right to left, each as lowercased bytes. */
export function compareCanonical(a: WireName, b: WireName): number {
  const la = labelOffsets(a);
  const lb = labelOffsets(b);
  let ia = la.length - 1;
  let ib = lb.length - 1;
  while (ia >= 0 && ib >= 0) {
    const oa = la[ia];
    const ob = lb[ib];
    const na = a[oa];
    const nb = b[ob];
    const n = na < nb ? na : nb;
    for (let k = 1; k <= n; k++) {
      const x = lower(a[oa + k]);
      const y = lower(b[ob + k]);
      if (x !== y) return x - y;
    }
    if (na !== nb) return na - nb;
    ia--;
    ib--;
  }
  return ia - ib; // fewer remaining labels sorts first
}

/** Wire length of the uncompressed name starting at `offset` in `buf`. */
export function nameLength(buf: Uint8Array, offset: number): number {
  let i = offset;
  for (;;) {
    if (i >= buf.length) throw new RangeError('name runs past end of buffer');
    const l = buf[i];
    if (l === 0) return i - offset + 1;
    if (l > 63) throw new RangeError(`bad label length ${l} at offset ${i}`);
    i += l + 1;
  }
}
