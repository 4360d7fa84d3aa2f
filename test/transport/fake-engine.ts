// A stand-in for the answer engine in transport tests: echoes the query with QR set.

import { ClientAddress } from '../../src/answer/client-address.ts';
import type { Answerer } from '../../src/transport/udp.ts';

export interface FakeEngine extends Answerer {
  /** Settable here (a getter on the real engine). */
  lastQtype: number;
  calls: number;
  tcpFlags: boolean[];
  /** engine.client as the transport had set it at each call. */
  clients: string[];
}

/**
 * Echo with QR=1, so each reply carries its query's bytes (ID and all) and a mixed-up buffer
 * shows. A query whose byte 12 is 0xff gets no answer (len 0), like a packet the engine drops.
 * For the counters, the "qtype" is byte 13 and the rcode the query's own RCODE bits.
 */
export function echoEngine(): FakeEngine {
  const engine: FakeEngine = {
    calls: 0,
    tcpFlags: [],
    clients: [],
    lastRcode: 0,
    lastQtype: 0,
    // Not one of the engine's reasons: counted as `malformed`.
    lastDropReason: -1,
    lastZoneSlot: -1,
    client: new ClientAddress(),
    answer(query, queryLength, out, tcp) {
      engine.calls++;
      engine.tcpFlags.push(tcp);
      engine.clients.push(engine.client.toString());
      engine.lastQtype = queryLength > 13 ? query[13] : 0;
      if (queryLength > 12 && query[12] === 0xff) {
        engine.lastRcode = -1;
        return 0;
      }
      engine.lastRcode = query[3] & 0x0f;
      out.set(query.subarray(0, queryLength), 0);
      out[2] |= 0x80;
      return queryLength;
    },
  };
  return engine;
}

/** A 12-byte header with this ID plus `extra` filler bytes tagged with the ID's low byte. */
export function fakeQuery(id: number, extra = 20): Buffer {
  const q = Buffer.alloc(12 + extra, id & 0xff);
  q.writeUInt16BE(id, 0);
  q[2] = 0x01;
  q[3] = 0;
  return q;
}

export function expectedReply(query: Buffer): Buffer {
  const r = Buffer.from(query);
  r[2] |= 0x80;
  return r;
}
