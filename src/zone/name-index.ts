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

/**
 * An open-addressing table (linear probing) twice the size: `slots[i]` is an entry (0 = empty)
 * and `hashes[i]` its hash, whose low bits pick the first slot to try. Every entry is placed
 * again by its hash in the new table.
 */
export function doubleSlots(
  slots: Int32Array,
  hashes: Int32Array,
): { slots: Int32Array<ArrayBuffer>; hashes: Int32Array<ArrayBuffer> } {
  const size = slots.length * 2;
  const mask = size - 1;
  const newSlots = new Int32Array(size);
  const newHashes = new Int32Array(size);
  for (let j = 0; j < slots.length; j++) {
    if (slots[j] === 0) continue;
    let i = hashes[j] & mask;
    while (newSlots[i] !== 0) i = (i + 1) & mask;
    newSlots[i] = slots[j];
    newHashes[i] = hashes[j];
  }
  return { slots: newSlots, hashes: newHashes };
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
    return this.slots[this.probe(buf, off, hashLower(buf, off, buf.length))] - 1;
  }

  /** Id of the name, adding it if absent. */
  add(buf: Uint8Array, off = 0): number {
    const h = hashLower(buf, off, buf.length);
    const i = this.probe(buf, off, h);
    if (this.slots[i] !== 0) return this.slots[i] - 1;
    const id = this.bufs.length;
    this.bufs.push(buf);
    this.offs.push(off);
    this.slots[i] = id + 1;
    this.slotHash[i] = h;
    if (this.bufs.length * 2 > this.mask) this.grow();
    return id;
  }

  /** The slot of the name (hash `h`): the one that holds it, or the empty one where it would go. */
  private probe(buf: Uint8Array, off: number, h: number): number {
    const len = buf.length - off;
    let i = h & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s === 0) return i;
      if (this.slotHash[i] === h) {
        const b = this.bufs[s - 1];
        const o = this.offs[s - 1];
        if (b.length - o === len && lowerEq(b, o, buf, off, len)) return i;
      }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    ({ slots: this.slots, hashes: this.slotHash } = doubleSlots(this.slots, this.slotHash));
    this.mask = this.slots.length - 1;
  }
}
