// A Frame Streams writer (bidirectional, as Knot's mod-dnstap connects to a collector's Unix
// socket): READY with the content type, the collector's ACCEPT, START, then data frames. One per
// worker. Frames go into a bounded buffer that is flushed with one socket write per event-loop
// turn; a slow or absent collector never blocks the worker: when the buffer is full, frames are
// dropped and counted, and a lost connection is retried with backoff (100 ms doubling to 10 s).
//
// Control frame: u32 0 (escape) | u32 length | u32 type (ACCEPT 1, START 2, STOP 3, READY 4,
// FINISH 5) | [u32 1 (content type) | u32 length | content type bytes]

import net from 'node:net';

export const CONTENT_TYPE = 'protobuf:dnstap.Dnstap';
const CONTROL_ACCEPT = 1;
const CONTROL_START = 2;
const CONTROL_STOP = 3;
const CONTROL_READY = 4;
const FIELD_CONTENT_TYPE = 1;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 10_000;
/** Buffered frames at most (bytes): about 2,000 messages of a typical query and answer. */
export const DEFAULT_CAPACITY = 1 << 20;

function controlFrame(type: number, withContentType: boolean): Buffer {
  const ct = Buffer.from(CONTENT_TYPE);
  const body = withContentType ? 4 + 8 + ct.length : 4;
  const frame = Buffer.alloc(8 + body);
  frame.writeUInt32BE(0, 0);
  frame.writeUInt32BE(body, 4);
  frame.writeUInt32BE(type, 8);
  if (withContentType) {
    frame.writeUInt32BE(FIELD_CONTENT_TYPE, 12);
    frame.writeUInt32BE(ct.length, 16);
    ct.copy(frame, 20);
  }
  return frame;
}

export interface FrameWriterStats {
  /** Frames handed to the socket. */
  sent: number;
  /** Frames dropped: buffer full (collector slow, absent or not yet accepted). */
  dropped: number;
}

export class FrameStreamWriter {
  readonly buffer: Uint8Array;
  /** End of the frames waiting in `buffer`. */
  tail = 0;
  private frames = 0;
  readonly stats: FrameWriterStats = { sent: 0, dropped: 0 };
  private socket: net.Socket | null = null;
  private ready = false;
  private received = Buffer.alloc(0);
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private flushQueued = false;
  private closed = false;
  private readonly path: string;
  private readonly flushNow = (): void => this.flush();

  constructor(path: string, capacity = DEFAULT_CAPACITY) {
    this.path = path;
    this.buffer = new Uint8Array(capacity);
    this.connect();
  }

  /** Room for `size` more bytes at `tail`? If not, the frame is counted as dropped. */
  reserve(size: number): boolean {
    if (this.tail + size <= this.buffer.length) return true;
    this.stats.dropped++;
    return false;
  }

  /** A frame was written at [tail, end): keep it and flush on the next turn. */
  commit(end: number): void {
    this.tail = end;
    this.frames++;
    if (!this.flushQueued && this.ready) {
      this.flushQueued = true;
      setImmediate(this.flushNow);
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    const s = this.socket;
    this.socket = null;
    if (s !== null) {
      if (this.ready) {
        this.flush(s);
        s.end(controlFrame(CONTROL_STOP, false));
      } else {
        s.destroy();
      }
    }
  }

  private flush(socket = this.socket): void {
    this.flushQueued = false;
    if (socket === null || !this.ready || this.tail === 0) return;
    // Backpressure: the kernel buffer is full; keep (and, once full, drop) until it drains.
    if (socket.writableNeedDrain) return;
    socket.write(Buffer.from(this.buffer.subarray(0, this.tail)));
    this.stats.sent += this.frames;
    this.frames = 0;
    this.tail = 0;
  }

  private connect(): void {
    if (this.closed) return;
    const socket = net.createConnection(this.path);
    this.socket = socket;
    this.ready = false;
    this.received = Buffer.alloc(0);
    socket.on('connect', () => socket.write(controlFrame(CONTROL_READY, true)));
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('drain', () => this.flush(socket));
    socket.on('error', () => {}); // 'close' follows and schedules the retry
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.ready = false;
      // Frames buffered for a connection that is gone are stale: count them as dropped.
      this.stats.dropped += this.frames;
      this.frames = 0;
      this.tail = 0;
      if (this.closed) return;
      this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
      this.retryTimer.unref();
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    });
  }

  /** Before START: wait for the collector's ACCEPT; after it nothing is expected but FINISH. */
  private onData(socket: net.Socket, chunk: Buffer): void {
    if (this.ready) return;
    this.received = Buffer.concat([this.received, chunk]);
    if (this.received.length < 8) return;
    if (this.received.readUInt32BE(0) !== 0) return void socket.destroy();
    const length = this.received.readUInt32BE(4);
    if (length > 4096) return void socket.destroy();
    if (this.received.length < 8 + length) return;
    if (length < 4 || this.received.readUInt32BE(8) !== CONTROL_ACCEPT) return void socket.destroy();
    socket.write(controlFrame(CONTROL_START, true));
    this.ready = true;
    this.retryMs = FIRST_RETRY_MS;
    this.flush(socket);
  }
}
