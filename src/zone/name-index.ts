// A case-insensitive hash index of wire names (open addressing over Int32Arrays), so that
// zone-sized lookups avoid building a string key per name. Names may be looked up at an
// offset inside a longer name (the suffix starting at a label boundary), which makes
// walking ancestors allocation-free.

/** FNV-1a over ASCII-lowercased bytes [start, end), as a 32-bit integer. */
export function hashLower(buf: Uint8Array, start: number, end: number, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = start; i < end; i++) {
    let c = buf[i];
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h | 0;
}

function lowerEq(a: Uint8Array, ao: number, b: Uint8Array, bo: number, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const x = a[ao + i];
    const y = b[bo + i];
    if (x !== y) {
      if ((x | 0x20) !== (y | 0x20)) return false;
      const l = x | 0x20;
      if (l < 0x61 || l > 0x7a) return false;
    }
  }
  return true;
}

export class NameIndex {
  private slots = new Int32Array(1024); // id + 1; 0 = empty
  private slotHash = new Int32Array(1024);
  private mask = 1023;
  /** Names by id (the buffer and the offset the name starts at). */
  readonly bufs: Uint8Array[] = [];
  readonly offs: number[] = [];

  get size(): number {
    return this.bufs.length;
  }

  /** Id of the name starting at `buf[off]` (ending at buf's end), or -1. */
  get(buf: Uint8Array, off = 0): number {
    const len = buf.length - off;
    const h = hashLower(buf, off, buf.length);
    let i = h & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s === 0) return -1;
      if (this.slotHash[i] === h) {
        const id = s - 1;
        const b = this.bufs[id];
        const o = this.offs[id];
        if (b.length - o === len && lowerEq(b, o, buf, off, len)) return id;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Id of the name, adding it if absent. */
  add(buf: Uint8Array, off = 0): number {
    const len = buf.length - off;
    const h = hashLower(buf, off, buf.length);
    let i = h & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s === 0) break;
      if (this.slotHash[i] === h) {
        const id = s - 1;
        const b = this.bufs[id];
        const o = this.offs[id];
        if (b.length - o === len && lowerEq(b, o, buf, off, len)) return id;
      }
      i = (i + 1) & this.mask;
    }
    const id = this.bufs.length;
    this.bufs.push(buf);
    this.offs.push(off);
    this.slots[i] = id + 1;
    this.slotHash[i] = h;
    if (this.bufs.length * 2 > this.mask) this.grow();
    return id;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldHash = this.slotHash;
    const size = oldSlots.length * 2;
    this.slots = new Int32Array(size);
    this.slotHash = new Int32Array(size);
    this.mask = size - 1;
    for (let j = 0; j < oldSlots.length; j++) {
      const s = oldSlots[j];
      if (s === 0) continue;
      let i = oldHash[j] & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = s;
      this.slotHash[i] = oldHash[j];
    }
  }
}
