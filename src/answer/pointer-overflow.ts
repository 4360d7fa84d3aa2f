// Compression pointers that moved out of range. A template's pointers are relocated at query
// time (answer.ts copyBody) by the question's length and by what is inserted before them
// (proof fragments, a DNAME's RRSIGs); in an answer over 16 KiB a target can land past 0x3FFF,
// which a 14-bit pointer cannot hold. copyBody notes each such pointer here with its true
// target, and expand() rewrites the message once, writing those names out in full.
//
// Why this is safe in one pass: a pointer that overflowed points past 0x3FFF and so sits past
// it, so every byte before 0x4000 is unchanged by the rewrite and every pointer that did not
// overflow (its target ≤ 0x3FFF) stays valid as it is. Only the overflowed ones are replaced by
// the labels at their true target (following pointers, valid or overflowed, until a valid
// pointer or the root ends the name), and the RDLENGTH of records whose RDATA holds a
// compressed name (NS, CNAME, PTR, MX, SOA: the only types the template writer compresses)
// is recomputed. The rare path allocates nothing either: the scratch buffer is the engine's.

const MAX_POINTER = 0x3fff;
/** At most this many overflowed pointers are remembered; more and the answer is cut (TC). */
const CAPACITY = 256;

const TYPE_NS = 2;
const TYPE_CNAME = 5;
const TYPE_SOA = 6;
const TYPE_PTR = 12;
const TYPE_MX = 15;

export class PointerOverflow {
  count = 0;
  /** More pointers overflowed than remembered. */
  full = false;
  private readonly at = new Int32Array(CAPACITY);
  private readonly target = new Int32Array(CAPACITY);
  private readonly scratch = new Uint8Array(65536);
  /** Records kept per section by the last expand() (it may cut at the limit). */
  an = 0;
  ns = 0;
  ar = 0;
  cut = false;

  reset(): void {
    this.count = 0;
    this.full = false;
  }

  /** A pointer written at `p` whose target should be `target` (> 0x3FFF). */
  note(p: number, target: number): void {
    if (this.count === CAPACITY) {
      this.full = true;
      return;
    }
    this.at[this.count] = p;
    this.target[this.count++] = target;
  }

  private trueTarget(p: number): number {
    for (let i = 0; i < this.count; i++) if (this.at[i] === p) return this.target[i];
    return -1;
  }

  /**
   * Rewrite out[start, end) (an+ns+ar records, no OPT yet) with every overflowed pointer
   * written as the full name. Records that no longer fit `limit` are left out (cut = true);
   * the counts kept are in an/ns/ar. Returns the new end.
   */
  expand(out: Uint8Array, start: number, end: number, an: number, ns: number, ar: number, limit: number): number {
    const s = this.scratch;
    let p = start;
    let w = start;
    const total = an + ns + ar;
    let kept = 0;
    this.cut = false;
    for (; kept < total && p < end; kept++) {
      const recordStart = w;
      const ownerEnd = this.copyName(out, p, s, w);
      if (ownerEnd < 0) break;
      w = ownerEnd;
      p = skipName(out, p);
      const type = (out[p] << 8) | out[p + 1];
      const rdlength = (out[p + 8] << 8) | out[p + 9];
      for (let i = 0; i < 8; i++) s[w + i] = out[p + i];
      const lenAt = w + 8;
      w += 10;
      p += 10;
      const rdStart = w;
      const rdEnd = p + rdlength;
      if (type === TYPE_NS || type === TYPE_CNAME || type === TYPE_PTR || type === TYPE_MX || type === TYPE_SOA) {
        let q = p;
        if (type === TYPE_MX) { s[w++] = out[q++]; s[w++] = out[q++]; }
        const names = type === TYPE_SOA ? 2 : 1;
        for (let k = 0; k < names && w >= 0; k++) {
          w = this.copyName(out, q, s, w);
          q = skipName(out, q);
        }
        if (w < 0) break;
        while (q < rdEnd) s[w++] = out[q++];
      } else {
        for (let q = p; q < rdEnd; q++) s[w++] = out[q];
      }
      p = rdEnd;
      if (w > limit) {
        w = recordStart;
        this.cut = true;
        break;
      }
      const newLength = w - rdStart;
      s[lenAt] = newLength >>> 8;
      s[lenAt + 1] = newLength & 0xff;
    }
    if (kept < total) this.cut = true;
    this.an = Math.min(an, kept);
    this.ns = Math.min(ns, kept - this.an);
    this.ar = kept - this.an - this.ns;
    out.set(s.subarray(start, w), start);
    return w;
  }

  /**
   * Copy the name at out[p] to s[w]: labels and valid pointers as they are, an overflowed
   * pointer replaced by what it points at. Returns the end in s, or -1 for a name that does not
   * end within 255 bytes (cannot happen for a name we wrote).
   */
  private copyName(out: Uint8Array, p: number, s: Uint8Array, w: number): number {
    let q = p;
    let written = 0;
    for (let guard = 0; guard < 256; guard++) {
      const l = out[q];
      if (l === 0) {
        s[w++] = 0;
        return w;
      }
      if ((l & 0xc0) === 0xc0) {
        const target = this.trueTarget(q);
        if (target < 0) {
          s[w++] = l;
          s[w++] = out[q + 1];
          return w;
        }
        q = target;
        continue;
      }
      written += l + 1;
      if (written > 255) return -1;
      for (let i = 0; i <= l; i++) s[w++] = out[q + i];
      q += l + 1;
    }
    return -1;
  }
}

/** The end of the (possibly compressed) name at out[p]. */
function skipName(out: Uint8Array, p: number): number {
  let q = p;
  for (; q < out.length;) {
    const l = out[q];
    if (l === 0) return q + 1;
    if ((l & 0xc0) === 0xc0) return q + 2;
    q += l + 1;
  }
  return q;
}

export { MAX_POINTER as MAX_POINTER_OFFSET };
