// RD, AD and CD are defined for QUERY only (RFC 1035 §4.1.1, RFC 4035 §3.2): the answer to any
// other opcode carries none of them, whatever the query set, from the workers (NOTIMP, NOTAUTH)
// and from the primary's transfer service (NOTIFY acks and refusals).
import { describe, expect, it } from 'vitest';
import { askRaw, encodeQuery, engineFor } from '../helpers/engine.ts';
import { errorResponse } from '../../src/transfer/service.ts';
import { parseMessage } from '../../src/transfer/message.ts';

const engine = engineFor({ 'example.test.': '@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.7\n' });

/** A query for ns.example.test A with the given opcode and RD, AD, CD all set. */
function withFlags(opcode: number, edns = false): Buffer {
  const q = encodeQuery('ns.example.test', 'A', edns ? { edns: 1232 } : {});
  q[2] = (opcode << 3) | 0x01; // RD
  q[3] = 0x30; // AD, CD
  return q;
}

describe('header flags on opcodes other than QUERY', () => {
  for (const [opcode, name, rcode] of [[1, 'IQUERY', 4], [2, 'STATUS', 4], [4, 'NOTIFY', 9], [5, 'UPDATE', 9], [6, 'DSO', 4], [15, 'opcode 15', 4]] as const) {
    it(`${name}: answered with rcode ${rcode}, the opcode echoed, no RD, AD or CD`, () => {
      for (const edns of [false, true]) {
        const r = askRaw(engine, withFlags(opcode, edns))!;
        expect(r[2] & 0x80).toBe(0x80); // QR
        expect((r[2] >>> 3) & 0x0f).toBe(opcode);
        expect(r[2] & 0x01).toBe(0); // RD
        expect(r[3] & 0x30).toBe(0); // AD, CD
        expect(r[3] & 0x0f).toBe(rcode);
      }
    });
  }

  it('FORMERR to another opcode carries no RD either', () => {
    const q = withFlags(2);
    const bad = Buffer.concat([q, Buffer.from([0])]); // a byte past the question
    const r = askRaw(engine, bad)!;
    expect(r[3] & 0x0f).toBe(1);
    expect(r[2] & 0x01).toBe(0);
  });

  it('QUERY keeps RD (and still clears AD and CD)', () => {
    const r = askRaw(engine, withFlags(0))!;
    expect(r[2] & 0x01).toBe(1);
    expect(r[3] & 0x30).toBe(0);
    expect(r[3] & 0x0f).toBe(0);
  });

  it('the transfer service\'s NOTIFY answers carry no RD, AD or CD; its QUERY answers keep RD', () => {
    const notify = withFlags(4, true);
    const ack = errorResponse(notify, 0, parseMessage(notify), true);
    expect((ack[2] >>> 3) & 0x0f).toBe(4);
    expect(ack[2] & 0x04).toBe(0x04); // AA on a NOTIFY ack
    expect(ack[2] & 0x01).toBe(0);
    expect(ack[3] & 0x30).toBe(0);
    const refused = errorResponse(notify, 5, parseMessage(notify));
    expect(refused[2] & 0x01).toBe(0);
    expect(refused[3]).toBe(5);
    const query = withFlags(0);
    expect(errorResponse(query, 5, parseMessage(query))[2] & 0x01).toBe(1);
  });
});
