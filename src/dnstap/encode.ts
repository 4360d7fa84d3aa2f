// dnstap messages (AUTH_QUERY, AUTH_RESPONSE) encoded as protobuf straight into a preallocated
// buffer, each as one Frame Streams data frame: on the per-packet path, so no protobuf library,
// no allocation. Field numbers from dnstap.proto (github.com/dnstap/dnstap.pb):
//
//   Dnstap  { bytes identity = 1; bytes version = 2; Message message = 14; Type type = 15 (MESSAGE = 1) }
//   Message { Type type = 1 (AUTH_QUERY = 1, AUTH_RESPONSE = 2); SocketFamily socket_family = 2
//             (INET = 1, INET6 = 2); SocketProtocol socket_protocol = 3 (UDP = 1, TCP = 2);
//             bytes query_address = 4; bytes response_address = 5; uint32 query_port = 6;
//             uint32 response_port = 7; uint64 query_time_sec = 8; fixed32 query_time_nsec = 9;
//             bytes query_message = 10; uint64 response_time_sec = 12;
//             fixed32 response_time_nsec = 13; bytes response_message = 14 }
//
// For AUTH_* messages the query address is the client's, the response address ours. Frame:
//   u32 BE length of the Dnstap message | the Dnstap message

export const AUTH_QUERY = 1;
export const AUTH_RESPONSE = 2;
export const PROTOCOL_UDP = 1;
export const PROTOCOL_TCP = 2;

/** The fixed parts of every message a worker writes: who we are, and the address answered on. */
export interface DnstapEndpoint {
  family: 4 | 6;
  /** Our address (4 or 16 bytes) and port. */
  address: Uint8Array;
  port: number;
}

/** One message to encode; fields set in place per packet (no object per packet). */
export class DnstapFields {
  type = AUTH_QUERY;
  protocol = PROTOCOL_UDP;
  client: Uint8Array = new Uint8Array(16);
  clientLength = 4;
  clientPort = 0;
  timeSec = 0;
  timeNsec = 0;
  message: Uint8Array = new Uint8Array(0);
  messageLength = 0;
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function writeVarint(out: Uint8Array, p: number, v: number): number {
  let x = v >>> 0;
  while (x >= 0x80) {
    out[p++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  out[p++] = x;
  return p;
}

function writeBytes(out: Uint8Array, p: number, tag: number, src: Uint8Array, length: number): number {
  out[p++] = tag;
  p = writeVarint(out, p, length);
  for (let i = 0; i < length; i++) out[p + i] = src[i];
  return p + length;
}

function writeFixed32(out: Uint8Array, p: number, tag: number, v: number): number {
  out[p++] = tag;
  out[p++] = v & 0xff; out[p++] = (v >>> 8) & 0xff; out[p++] = (v >>> 16) & 0xff; out[p++] = (v >>> 24) & 0xff;
  return p;
}

export class DnstapEncoder {
  private readonly identity: Uint8Array;
  private readonly version: Uint8Array;
  private readonly endpoint: DnstapEndpoint;

  constructor(identity: string, version: string, endpoint: DnstapEndpoint) {
    this.identity = Uint8Array.from(Buffer.from(identity, 'utf8'));
    this.version = Uint8Array.from(Buffer.from(version, 'utf8'));
    this.endpoint = endpoint;
  }

  /** Bytes of the Message for these fields. */
  private messageSize(f: DnstapFields): number {
    const ours = this.endpoint.address.length;
    let n = 2 + 2 + 2; // type, family, protocol (each < 128)
    n += 1 + varintSize(f.clientLength) + f.clientLength;
    n += 1 + varintSize(ours) + ours;
    n += 1 + varintSize(f.clientPort) + 1 + varintSize(this.endpoint.port);
    // The query time on both; AUTH_RESPONSE has its response time too.
    n += 1 + varintSize(f.timeSec) + 5;
    if (f.type === AUTH_RESPONSE) n += 1 + varintSize(f.timeSec) + 5;
    n += 1 + varintSize(f.messageLength) + f.messageLength;
    return n;
  }

  /** The whole data frame's size (length prefix included). */
  frameSize(f: DnstapFields): number {
    const m = this.messageSize(f);
    return 4 + 1 + varintSize(this.identity.length) + this.identity.length
      + 1 + varintSize(this.version.length) + this.version.length
      + 1 + varintSize(m) + m + 2;
  }

  /** Write the data frame at out[p] (the caller checked room with frameSize); returns the end. */
  write(out: Uint8Array, p: number, f: DnstapFields): number {
    const start = p;
    p += 4;
    p = writeBytes(out, p, 0x0a, this.identity, this.identity.length);
    p = writeBytes(out, p, 0x12, this.version, this.version.length);
    out[p++] = 0x72; // message = 14, length-delimited
    p = writeVarint(out, p, this.messageSize(f));
    out[p++] = 0x08; out[p++] = f.type;
    out[p++] = 0x10; out[p++] = this.endpoint.family === 6 ? 2 : 1;
    out[p++] = 0x18; out[p++] = f.protocol;
    p = writeBytes(out, p, 0x22, f.client, f.clientLength);
    p = writeBytes(out, p, 0x2a, this.endpoint.address, this.endpoint.address.length);
    out[p++] = 0x30; p = writeVarint(out, p, f.clientPort);
    out[p++] = 0x38; p = writeVarint(out, p, this.endpoint.port);
    out[p++] = 0x40; p = writeVarint(out, p, f.timeSec);
    p = writeFixed32(out, p, 0x4d, f.timeNsec);
    if (f.type === AUTH_QUERY) {
      p = writeBytes(out, p, 0x52, f.message, f.messageLength);
    } else {
      out[p++] = 0x60; p = writeVarint(out, p, f.timeSec);
      p = writeFixed32(out, p, 0x6d, f.timeNsec);
      p = writeBytes(out, p, 0x72, f.message, f.messageLength);
    }
    out[p++] = 0x78; out[p++] = 1; // type = MESSAGE
    const length = p - start - 4;
    out[start] = length >>> 24; out[start + 1] = (length >>> 16) & 0xff; out[start + 2] = (length >>> 8) & 0xff; out[start + 3] = length & 0xff;
    return p;
  }
}
