// Small byte strings (names, RDATA, templates) as views into a few large chunks instead of one
// ArrayBuffer each. A million-record zone otherwise makes millions of typed arrays each with an
// ArrayBuffer of its own (~100 bytes of V8 objects beyond the bytes, and a malloc() whenever the
// bytes leave V8's heap: freed memory glibc then keeps in the thread's arena for the life of
// the process). Chunks grow from FIRST_CHUNK by doubling to MAX_CHUNK, which is above glibc's
// largest mmap threshold (32 MiB), so each large chunk is mapped on its own and unmapped when
// the last view into it is collected. A small zone keeps small chunks.
//
// A view keeps its whole chunk alive: give an arena to one build or one parse, not to data that
// outlives it piecemeal. Views share an ArrayBuffer: code reading `.buffer` must add `.byteOffset`.

const FIRST_CHUNK = 1024;
const MAX_CHUNK = 33 * 1024 * 1024;

export class ByteArena {
  private chunk = new Uint8Array(0);
  private used = 0;

  /** `n` zero bytes, 4-aligned in their chunk. */
  alloc(n: number): Uint8Array {
    if (n > MAX_CHUNK / 64) return new Uint8Array(n);
    const start = (this.used + 3) & ~3;
    if (start + n > this.chunk.length) {
      let size = this.chunk.length === 0 ? FIRST_CHUNK : Math.min(this.chunk.length * 2, MAX_CHUNK);
      while (size < n) size *= 2;
      this.chunk = new Uint8Array(size);
      this.used = 0;
      return this.alloc(n);
    }
    this.used = start + n;
    return this.chunk.subarray(start, start + n);
  }

  /** A copy of `bytes[0, length)`. */
  copy(bytes: Uint8Array, length = bytes.length): Uint8Array {
    const out = this.alloc(length);
    out.set(length === bytes.length ? bytes : bytes.subarray(0, length));
    return out;
  }

  /** Start over with a small chunk (views already handed out keep theirs). */
  reset(): void {
    this.chunk = new Uint8Array(0);
    this.used = 0;
  }
}
