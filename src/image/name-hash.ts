// The one name hash shared by compiler and workers: FNV-1a over the lowercased wire name
// read right to left (root label excluded), so a single backwards pass over a query name
// yields the hash of each of its suffixes at every label boundary.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Hash of the lowercased wire name at buf[start, end) where end is the root label's index. */
export function hashName(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = end - 1; i >= start; i--) h = Math.imul(h ^ buf[i], FNV_PRIME);
  return h >>> 0;
}

/**
 * Hashes of every suffix of a lowercased wire name: out[k] = hash of the name starting at
 * labelStarts[k]. labelStarts holds labelCount offsets; the root label is at `end`.
 */
export function hashSuffixes(
  buf: Uint8Array,
  labelStarts: Int32Array,
  labelCount: number,
  end: number,
  out: Uint32Array,
): void {
  let h = FNV_OFFSET;
  let i = end - 1;
  for (let k = labelCount - 1; k >= 0; k--) {
    const start = labelStarts[k];
    for (; i >= start; i--) h = Math.imul(h ^ buf[i], FNV_PRIME);
    out[k] = h >>> 0;
  }
}

export const ROOT_HASH = FNV_OFFSET >>> 0;
