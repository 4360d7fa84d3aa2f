// Raw DNS query sender for the interop suite: builds queries with dns-packet and
// sends them over UDP or TCP (RFC 7766 two-byte length framing, optionally several
// queries pipelined on one connection), returning the raw response bytes.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import dnsPacket from 'dns-packet';

// dns-packet's type table (A, NS, MX, ...) is not part of its typed API.
const require = createRequire(import.meta.url);
const dnsPacketTypes = require('dns-packet/types.js') as { toType(name: string): number; toString(t: number): string };

/** Type mnemonics dns-packet does not know (or that we want as numbers anyway). */
const EXTRA_TYPES: Record<string, number> = {
  SVCB: 64,
  HTTPS: 65,
  CAA: 257,
  ANY: 255,
  AXFR: 252,
  IXFR: 251,
};

const CLASSES: Record<string, number> = { IN: 1, CH: 3, CHAOS: 3, HS: 4, NONE: 254, ANY: 255 };

export function typeNumber(t: string | number): number {
  if (typeof t === 'number') return t;
  const up = t.toUpperCase();
  if (up in EXTRA_TYPES) return EXTRA_TYPES[up];
  const m = /^TYPE(\d+)$/.exec(up);
  if (m) return Number(m[1]);
  const n = dnsPacketTypes.toType(up);
  if (!n) throw new Error(`unknown RR type mnemonic ${t}`);
  return n;
}

export function classNumber(c: string | number): number {
  if (typeof c === 'number') return c;
  const up = c.toUpperCase();
  if (up in CLASSES) return CLASSES[up];
  const m = /^CLASS(\d+)$/.exec(up);
  if (m) return Number(m[1]);
  throw new Error(`unknown class mnemonic ${c}`);
}

export interface EdnsOptions {
  /** Advertised UDP payload size. */
  udpPayloadSize: number;
  /** DNSSEC OK bit. */
  do?: boolean;
  /** EDNS version (0 unless testing BADVERS). */
  version?: number;
}

export interface QuerySpec {
  /** Query name, sent with exactly the case given ("." for the root). */
  name: string;
  /** RR type: mnemonic ("A", "SVCB", "TYPE65534") or number. */
  type: string | number;
  /** Class: "IN" (default), "CH", "ANY", "NONE", "CLASS42" or number. */
  qclass?: string | number;
  /** Recursion Desired (default false: we are asking an authoritative server). */
  rd?: boolean;
  /** Checking Disabled bit. */
  cd?: boolean;
  /** Authentic Data bit (RFC 6840 allows it in queries). */
  ad?: boolean;
  /** Opcode (default 0 = QUERY). */
  opcode?: number;
  /** Set QR (a "query" that claims to be a response). */
  qr?: boolean;
  /** Set TC in the query. */
  tc?: boolean;
  /** Set the reserved Z bit. */
  z?: boolean;
  /** EDNS OPT record to add; omitted/false = no OPT record. */
  edns?: EdnsOptions | false;
  /** Send with QDCOUNT=0 (no question section). */
  noQuestion?: boolean;
  /** Message id; random if not given. */
  id?: number;
}

export function randomId(): number {
  return randomInt(0, 0x10000);
}

/** Encode a query. Type and class are patched in as raw numbers, so any value works. */
export function buildQuery(spec: QuerySpec): Buffer {
  const id = spec.id ?? randomId();
  let flags = ((spec.opcode ?? 0) & 0xf) << 11;
  if (spec.rd) flags |= dnsPacket.RECURSION_DESIRED;
  if (spec.cd) flags |= dnsPacket.CHECKING_DISABLED;
  if (spec.ad) flags |= dnsPacket.AUTHENTIC_DATA;
  if (spec.tc) flags |= dnsPacket.TRUNCATED_RESPONSE;
  if (spec.z) flags |= 0x0040;
  const additionals: dnsPacket.Answer[] = [];
  if (spec.edns) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: spec.edns.udpPayloadSize,
      ednsVersion: spec.edns.version ?? 0,
      flags: spec.edns.do ? dnsPacket.DNSSEC_OK : 0,
      options: [],
    } as unknown as dnsPacket.Answer);
  }
  const questions: dnsPacket.Question[] = spec.noQuestion ? [] : [{ name: spec.name, type: 'A', class: 'IN' }];
  const buf = dnsPacket.encode({ type: 'query', id, flags, questions, additionals });
  if (spec.qr) buf.writeUInt16BE(buf.readUInt16BE(2) | 0x8000, 2);
  if (!spec.noQuestion) {
    // The question ends right after the encoded name: patch QTYPE/QCLASS.
    const nameLen = questionNameLength(buf, 12);
    buf.writeUInt16BE(typeNumber(spec.type), 12 + nameLen);
    buf.writeUInt16BE(classNumber(spec.qclass ?? 'IN'), 12 + nameLen + 2);
  }
  return buf;
}

function questionNameLength(buf: Buffer, off: number): number {
  let p = off;
  while (buf[p] !== 0) p += buf[p] + 1;
  return p + 1 - off;
}

export function messageId(buf: Buffer): number {
  return buf.readUInt16BE(0);
}

/** Send one query over UDP, wait for the response with the same id. */
export function udpQuery(port: number, query: Buffer, timeoutMs = 2000, host = '127.0.0.1'): Promise<Buffer> {
  const id = messageId(query);
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    let done = false;
    const finish = (err: Error | null, res?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(res as Buffer);
    };
    const timer = setTimeout(
      () => finish(new Error(`UDP query to ${host}:${port} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on('error', (err) => finish(err));
    sock.on('message', (msg) => {
      if (msg.length >= 2 && messageId(msg) === id) finish(null, msg);
    });
    sock.send(query, port, host, (err) => {
      if (err) finish(err);
    });
  });
}

/**
 * Like tcpQuery, but never rejects for missing answers: responses that did not arrive
 * before the connection closed or the timeout are undefined.
 */
export function tcpQueryPartial(
  port: number,
  queries: Buffer[],
  timeoutMs = 3000,
  host = '127.0.0.1',
): Promise<Array<Buffer | undefined>> {
  const ids = queries.map(messageId);
  return new Promise((resolve) => {
    const results = new Map<number, Buffer>();
    let pending = Buffer.alloc(0);
    let done = false;
    const sock = net.connect({ port, host });
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ids.map((id) => results.get(id)));
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('error', finish);
    sock.on('close', finish);
    sock.on('connect', () => {
      sock.write(
        Buffer.concat(
          queries.map((q) => {
            const len = Buffer.alloc(2);
            len.writeUInt16BE(q.length);
            return Buffer.concat([len, q]);
          }),
        ),
      );
    });
    sock.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        if (msg.length >= 2) {
          const id = messageId(msg);
          if (ids.includes(id) && !results.has(id)) results.set(id, Buffer.from(msg));
        }
      }
      if (results.size === new Set(ids).size) finish();
    });
  });
}

/**
 * Send one or more queries over a single TCP connection, all written at once
 * (pipelined), and collect one response per query, matched by message id (RFC 7766
 * allows out-of-order responses). Responses are returned in query order.
 */
export function tcpQuery(port: number, queries: Buffer[], timeoutMs = 3000, host = '127.0.0.1'): Promise<Buffer[]> {
  const ids = queries.map(messageId);
  if (new Set(ids).size !== ids.length) throw new Error('tcpQuery: pipelined queries need distinct ids');
  return new Promise((resolve, reject) => {
    const results = new Map<number, Buffer>();
    let pending = Buffer.alloc(0);
    let done = false;
    const sock = net.connect({ port, host });
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(ids.map((id) => results.get(id) as Buffer));
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `TCP query to ${host}:${port} timed out after ${timeoutMs} ms (${results.size}/${ids.length} responses)`,
          ),
        ),
      timeoutMs,
    );
    sock.on('error', (err) => finish(err));
    sock.on('close', () => {
      if (!done) finish(new Error(`TCP connection closed after ${results.size}/${ids.length} responses`));
    });
    sock.on('connect', () => {
      const framed = queries.map((q) => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        return Buffer.concat([len, q]);
      });
      sock.write(Buffer.concat(framed));
    });
    sock.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        if (msg.length >= 2) {
          const id = messageId(msg);
          if (ids.includes(id) && !results.has(id)) results.set(id, Buffer.from(msg));
        }
      }
      if (results.size === ids.length) finish(null);
    });
  });
}

export type Transport = 'udp' | 'tcp';

/** Build and send one query; returns the raw response. */
export async function exchange(port: number, spec: QuerySpec, transport: Transport = 'udp', timeoutMs?: number): Promise<Buffer> {
  const q = buildQuery(spec);
  if (transport === 'udp') return udpQuery(port, q, timeoutMs);
  const [r] = await tcpQuery(port, [q], timeoutMs);
  return r;
}

/** Decode with dns-packet (throws on malformed messages). */
export function decode(buf: Buffer): dnsPacket.Packet {
  return dnsPacket.decode(buf);
}
