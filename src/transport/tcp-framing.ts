// RFC 7766 stream framing: splits a TCP byte stream into DNS messages behind 2-byte length prefixes.

/** Smallest possible DNS message: the 12-byte header. A shorter prefix is garbage, not DNS. */
export const MIN_MESSAGE = 12;

const INITIAL_CAPACITY = 512;
const MAX_FRAME = 2 + 0xffff;

/**
 * Called once per complete message, in stream order. `message` is a view into either the
 * chunk just pushed or the decoder's own buffer: it is only valid during the call.
 */
export type MessageHandler = (message: Uint8Array) => void;

/**
 * One per connection. Whole messages are handed out straight from the chunk they arrived in;
 * only a message cut by a chunk boundary is copied, once, into `pending` — so every byte is
 * copied at most once whatever the chunking (no re-concatenation of the whole backlog).
 */
export class TcpFrameDecoder {
  private pending: Uint8Array = new Uint8Array(0);
  /** Bytes of the current partial frame (prefix included) held in `pending`. */
  private have = 0;
  /** Largest message accepted; a longer length prefix is a protocol error (no buffer is grown for it). */
  private readonly maxMessage: number;
  /** After push() returned false: true if the prefix was too large, false if below 12. */
  tooLarge = false;

  constructor(maxMessage = 0xffff) {
    this.maxMessage = maxMessage;
  }

  /** True if part of a message is waiting for more bytes. */
  get partial(): boolean {
    return this.have > 0;
  }

  /**
   * Feed one chunk. Returns false on a protocol error (a length below 12, including 0, or above
   * the maximum; `tooLarge` says which): the caller closes the connection, since nothing after a
   * bad prefix can be trusted to be aligned.
   */
  push(chunk: Uint8Array, onMessage: MessageHandler): boolean {
    const n = chunk.length;
    let off = 0;

    if (this.have > 0) {
      // Finish the frame started by an earlier chunk: first its prefix, then its body.
      if (this.have === 1) {
        if (n === 0) return true;
        this.pending[1] = chunk[0];
        this.have = 2;
        off = 1;
      }
      const len = (this.pending[0] << 8) | this.pending[1];
      if (!this.acceptable(len)) return false;
      const frame = 2 + len;
      this.reserve(frame);
      const take = Math.min(frame - this.have, n - off);
      this.pending.set(chunk.subarray(off, off + take), this.have);
      this.have += take;
      off += take;
      if (this.have < frame) return true;
      this.have = 0;
      onMessage(this.pending.subarray(2, frame));
    }

    while (n - off >= 2) {
      const len = (chunk[off] << 8) | chunk[off + 1];
      if (!this.acceptable(len)) return false;
      if (n - off - 2 < len) break;
      onMessage(chunk.subarray(off + 2, off + 2 + len));
      off += 2 + len;
    }

    if (off < n) {
      const rest = n - off;
      if (rest >= 2) this.reserve(2 + ((chunk[off] << 8) | chunk[off + 1]));
      else this.reserve(2);
      this.pending.set(chunk.subarray(off), 0);
      this.have = rest;
    }
    return true;
  }

  private acceptable(len: number): boolean {
    this.tooLarge = len > this.maxMessage;
    return len >= MIN_MESSAGE && !this.tooLarge;
  }

  /** Grow `pending` to hold `bytes` (at most one frame), doubling so growth stays linear. */
  private reserve(bytes: number): void {
    if (this.pending.length >= bytes) return;
    let cap = Math.max(this.pending.length, INITIAL_CAPACITY);
    while (cap < bytes) cap *= 2;
    const grown = new Uint8Array(Math.min(cap, MAX_FRAME));
    grown.set(this.pending.subarray(0, this.have), 0);
    this.pending = grown;
  }
}
