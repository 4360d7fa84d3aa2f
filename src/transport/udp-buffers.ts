// Where each UDP answer is written and sent from, so no buffer is reused while a queued send still reads it.

/** The engine's contract: `out` holds at least 65535 + 2 bytes. */
export const ENGINE_OUT = 65537;
/** Queued sends we can absorb before dropping answers (the kernel buffer is full by then). */
export const RING_SLOTS = 64;

/*
 * socket.send() does not copy: Node hands libuv a pointer into our Buffer. libuv first tries
 * uv_udp_try_send(), which completes synchronously when the socket is writable and nothing is
 * queued — the common case. Otherwise the datagram joins the socket's send queue still pointing
 * at our memory, and the queue drains in FIFO order on a later loop turn. Rewriting that memory
 * before then would send the next client's answer to this one.
 *
 * The caller tells us the send-queue length (socket.getSendQueueCount()) before answering and
 * after sending; libuv refuses try_send while its queue is non-empty, so once a send is queued
 * every later one queues behind it and they complete oldest first. Hence:
 *  - queue empty: the engine writes into `work` and we send straight from it (zero copy). If
 *    that send was queued, `work` is pinned until the queue empties, so `spare` takes its place
 *    (spare is free: the queue was empty before this send, so nothing else is pending).
 *  - queue non-empty: the engine still writes into `work`, and the answer is copied into the
 *    next slot of a small ring. Pending ring sends occupy at most the last `queued` slots used,
 *    so the next slot is free while queued < RING_SLOTS. Beyond that the kernel buffer has been
 *    full for a while: the answer is dropped and the client retries.
 */
export class UdpSendBuffers {
  /** Where the engine writes the answer. */
  work: Buffer = Buffer.allocUnsafe(ENGINE_OUT);
  /** Set by place(): the bytes to hand to socket.send(). */
  buffer: Buffer;
  offset = 0;

  private spare: Buffer = Buffer.allocUnsafe(ENGINE_OUT);
  private readonly ring: Buffer;
  private readonly slotSize: number;
  private slot = 0;
  private queuedBefore = 0;

  /** `maxAnswer`: the largest UDP answer the engine produces (the configured max payload). */
  constructor(maxAnswer: number) {
    this.slotSize = Math.max(maxAnswer, 512);
    this.ring = Buffer.allocUnsafe(RING_SLOTS * this.slotSize);
    this.buffer = this.work;
  }

  /** Before answering, with the current send-queue length. False: drop, nothing is free. */
  begin(queued: number): boolean {
    this.queuedBefore = queued;
    return queued < RING_SLOTS;
  }

  /** After the engine wrote `len` bytes into `work`: sets `buffer` and `offset`. */
  place(len: number): void {
    if (this.queuedBefore === 0) {
      this.buffer = this.work;
      this.offset = 0;
    } else if (len <= this.slotSize) {
      this.offset = this.slot * this.slotSize;
      this.work.copy(this.ring, this.offset, 0, len);
      this.buffer = this.ring;
    } else {
      // Larger than any UDP answer should be: correct, but allocating; never expected.
      this.buffer = Buffer.from(this.work.subarray(0, len));
      this.offset = 0;
    }
  }

  /** After socket.send(), with the send-queue length now. */
  sent(queued: number): void {
    if (queued <= this.queuedBefore) return; // went out synchronously: nothing is pinned
    if (this.buffer === this.work) {
      const pinned = this.work;
      this.work = this.spare;
      this.spare = pinned;
    } else if (this.buffer === this.ring) {
      this.slot = (this.slot + 1) % RING_SLOTS;
    }
  }
}
