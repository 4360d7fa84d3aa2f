// Malformed queries, one per way a packet can be wrong, with what an authoritative server does
// with each (Knot's behaviour: test/interop/malformed.test.ts checks knotd agrees): an rcode, or
// a silent drop and the reason Peregrine counts it under (peregrine_dropped_total{reason}).
import dnsPacket from 'dns-packet';

export interface MalformedCase {
  label: string;
  packet: Buffer;
  /** An rcode name as dns-packet prints it, or 'drop'. */
  expect: string;
  /** For drops: the counter reason. */
  reason?: string;
}

export const MALFORMED_ID = 0x4d4d;

/** A well-formed query for `name` (default www.example.) type A, optionally with EDNS. */
export function validQuery(name = 'www.example.', edns = false, id = MALFORMED_ID): Buffer {
  return Buffer.from(dnsPacket.encode({
    type: 'query',
    id,
    flags: 0,
    questions: [{ name, type: 'A', class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as unknown as dnsPacket.Answer] : [],
  }));
}

const OPT = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);

/** A DNS header with these fields, for hand-built messages. */
export function header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  h.writeUInt16BE(ns, 8);
  h.writeUInt16BE(ar, 10);
  return h;
}

const QTAIL = Buffer.from([0, 1, 0, 1]); // A IN

/** Uncompressed wire form of these labels (no escapes: each label's bytes as given). */
export function wireName(labels: string[]): Buffer {
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

/** `origin` is the zone the server under test serves (names below it are in-zone). */
export function malformedCases(origin = 'example'): MalformedCase[] {
  const id = MALFORMED_ID;
  const www = wireName(['www', origin]);
  const q = (name: Buffer, tail = QTAIL) => Buffer.concat([name, tail]);
  const withHeader = (flags: number, qd: number, an: number, ns: number, ar: number, ...parts: Buffer[]) =>
    Buffer.concat([header(id, flags, qd, an, ns, ar), ...parts]);
  const setOpcode = (opcode: number, name = `www.${origin}.`) => {
    const p = validQuery(name);
    p[2] = (p[2] & 0x87) | (opcode << 3);
    return p;
  };
  return [
    { label: 'empty datagram', packet: Buffer.alloc(0), expect: 'drop', reason: 'short_header' },
    { label: 'truncated header (5 bytes)', packet: validQuery(`www.${origin}.`).subarray(0, 5), expect: 'drop', reason: 'short_header' },
    { label: 'truncated header (11 bytes)', packet: validQuery(`www.${origin}.`).subarray(0, 11), expect: 'drop', reason: 'short_header' },
    { label: 'a response (QR=1)', packet: withHeader(0x8000, 1, 0, 0, 0, q(www)), expect: 'drop', reason: 'response' },
    { label: 'QDCOUNT 0', packet: withHeader(0, 0, 0, 0, 0), expect: 'FORMERR' },
    { label: 'QDCOUNT 2', packet: withHeader(0, 2, 0, 0, 0, q(www), q(www)), expect: 'drop', reason: 'qdcount' },
    { label: 'QDCOUNT 1, question cut after the name', packet: withHeader(0, 1, 0, 0, 0, www, Buffer.from([0, 1])), expect: 'drop', reason: 'bad_question' },
    { label: 'QDCOUNT 1, name cut short', packet: withHeader(0, 1, 0, 0, 0, www.subarray(0, 6)), expect: 'drop', reason: 'bad_question' },
    {
      label: 'compression loop in the question (pointer to itself)',
      packet: withHeader(0, 1, 0, 0, 0, Buffer.from([0xc0, 12]), QTAIL),
      expect: 'drop',
      reason: 'bad_question',
    },
    {
      label: 'forward pointer in the question',
      packet: withHeader(0, 1, 0, 0, 0, Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 22]), QTAIL, wireName([origin])),
      expect: 'drop',
      reason: 'bad_question',
    },
    { label: 'label of 64 bytes', packet: withHeader(0, 1, 0, 0, 0, q(wireName(['a'.repeat(64), origin]))), expect: 'drop', reason: 'bad_question' },
    {
      label: 'name over 255 bytes',
      packet: withHeader(0, 1, 0, 0, 0, q(wireName([...Array.from({ length: 4 }, () => 'b'.repeat(63)), origin]))),
      expect: 'drop',
      reason: 'bad_question',
    },
    { label: 'label type 0x40 (extended label)', packet: withHeader(0, 1, 0, 0, 0, q(Buffer.from([0x41, 0]))), expect: 'drop', reason: 'bad_question' },
    { label: 'two OPT records', packet: withHeader(0, 1, 0, 0, 2, q(www), OPT, OPT), expect: 'FORMERR' },
    { label: 'OPT in the answer section', packet: withHeader(0, 1, 1, 0, 0, q(www), OPT), expect: 'FORMERR' },
    { label: 'OPT in the authority section', packet: withHeader(0, 1, 0, 1, 0, q(www), OPT), expect: 'FORMERR' },
    { label: 'ARCOUNT 1 with no record', packet: withHeader(0, 1, 0, 0, 1, q(www)), expect: 'FORMERR' },
    { label: 'trailing garbage after the question', packet: withHeader(0, 1, 0, 0, 0, q(www), Buffer.from([1, 2, 3])), expect: 'FORMERR' },
    {
      label: 'OPT options not tiling its RDATA',
      packet: withHeader(0, 1, 0, 0, 1, q(www), Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 3, 0, 8, 0])),
      expect: 'FORMERR',
    },
    { label: 'EDNS version 1', packet: withHeader(0, 1, 0, 0, 1, q(www), Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 1, 0, 0, 0, 0])), expect: 'BADVERS' },
    { label: 'class 42', packet: withHeader(0, 1, 0, 0, 0, q(www, Buffer.from([0, 1, 0, 42]))), expect: 'REFUSED' },
    { label: 'class NONE (254)', packet: withHeader(0, 1, 0, 0, 0, q(www, Buffer.from([0, 1, 0, 254]))), expect: 'REFUSED' },
    { label: 'opcode IQUERY (1)', packet: setOpcode(1), expect: 'NOTIMP' },
    { label: 'opcode STATUS (2)', packet: setOpcode(2), expect: 'NOTIMP' },
    { label: 'opcode 3 (unassigned)', packet: setOpcode(3), expect: 'NOTIMP' },
    { label: 'opcode 15 (unassigned)', packet: setOpcode(15), expect: 'NOTIMP' },
    { label: 'opcode NOTIFY, not configured', packet: setOpcode(4), expect: 'NOTAUTH' },
    { label: 'opcode UPDATE (zone section: the apex SOA)', packet: soaType(setOpcode(5, `${origin}.`)), expect: 'NOTAUTH' },
    { label: 'QTYPE 0', packet: withHeader(0, 1, 0, 0, 0, q(www, Buffer.from([0, 0, 0, 1]))), expect: 'NOTIMP' },
  ];
}

/** The same query with QTYPE SOA. */
function soaType(p: Buffer): Buffer {
  p.writeUInt16BE(6, p.length - 4);
  return p;
}

/** What a server sent back for a case: 'drop' when nothing came, else its rcode (extended RCODE included). */
export function outcome(response: Buffer | null): string {
  if (response === null) return 'drop';
  if (response.length < 12) return `short response (${response.length} bytes)`;
  let rcode = response[3] & 0x0f;
  try {
    const decoded = dnsPacket.decode(response) as { additionals?: { type: string; extendedRcode?: number; flags?: number; ttl?: number }[] };
    const opt = decoded.additionals?.find((r) => r.type === 'OPT');
    if (opt?.extendedRcode) rcode |= opt.extendedRcode << 4;
  } catch {
    // The rcode from the header is all there is to say.
  }
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 9: 'NOTAUTH', 16: 'BADVERS',
};
