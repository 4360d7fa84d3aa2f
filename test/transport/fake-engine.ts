// A stand-in for the answer engine in transport tests: echoes the query with QR set.

import type { Answerer } from '../../src/transport/udp.ts';

export interface FakeEngine extends Answerer {
  calls: number;
  tcpFlags: boolean[];
}

/**
 * Echo with QR=1, so each reply carries its query's bytes (ID and all) and a mixed-up buffer
 * shows. A query whose byte 12 is 0xff gets no answer (len 0), like a packet the engine drops.
 */
export function echoEngine(): FakeEngine {
  const engine: FakeEngine = {
    calls: 0,
    tcpFlags: [],
    answer(query, queryLength, out, tcp) {
      engine.calls++;
      engine.tcpFlags.push(tcp);
      if (queryLength > 12 && query[12] === 0xff) return 0;
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
