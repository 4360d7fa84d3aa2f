// One UDP datagram, whichever I/O moved it: count it, answer it, count the answer. Shared by the
// dgram listener (udp.ts) and the batched one (mmsg.ts) so both count and answer alike.

import type { AnswerEngine } from '../answer/answer.ts';
import { DROP_ENGINE_ERROR, DROP_MALFORMED, type SlotCounters, TRANSPORT_UDP } from '../worker/counters.ts';

/** What a transport needs from the engine: the answer, then its rcode and qtype for the counters. */
export type Answerer = Pick<AnswerEngine, 'answer' | 'lastRcode' | 'lastQtype' | 'client'>;

/**
 * Answer the datagram `packet[0, length)` into `out` (65537 bytes) and count it; returns the
 * answer's length, or 0 when nothing is to be sent (dropped and counted). The caller has set
 * `engine.client` to the sender first. Anything that decides per packet before answering
 * (rate limiting, ACLs) wraps this function.
 */
export type UdpStep = (packet: Uint8Array, length: number, out: Uint8Array) => number;

export function udpStep(engine: Answerer, counters: SlotCounters, onEngineError?: (err: unknown) => void): UdpStep {
  return (packet, length, out) => {
    counters.received();
    let len: number;
    try {
      len = engine.answer(packet, length, out, false);
    } catch (err) {
      counters.dropped(DROP_ENGINE_ERROR);
      onEngineError?.(err);
      return 0;
    }
    if (len <= 0) {
      counters.dropped(DROP_MALFORMED);
      return 0;
    }
    counters.answered(TRANSPORT_UDP, engine.lastQtype, engine.lastRcode, len);
    return len;
  };
}
