// One UDP datagram, whichever I/O moved it: count it, answer it, rate-limit the answer, count
// it. Shared by the dgram listener (udp.ts) and the batched one (mmsg.ts) so both count, answer
// and limit alike.

import { ANSWER_HANDOFF, type AnswerEngine } from '../answer/answer.ts';
import { DROP_ENGINE_ERROR, DROP_MALFORMED, DROP_RRL, type SlotCounters, TRANSPORT_UDP } from '../worker/counters.ts';
import { RRL_DROP, type ResponseRateLimiter } from './rrl.ts';

/** What a transport needs from the engine: the answer, then its rcode, qtype and drop reason for the counters. */
export type Answerer = Pick<AnswerEngine, 'answer' | 'lastRcode' | 'lastQtype' | 'lastDropReason' | 'client'>;

/**
 * Answer the datagram `packet[0, length)` into `out` (65537 bytes) and count it; returns the
 * answer's length, 0 when nothing is to be sent (dropped and counted), or STEP_HANDOFF when the
 * primary answers it (transfers, NOTIFY, TSIG): the caller passes it on with its own way back to
 * the sender. The caller has set `engine.client` to the sender first.
 */
export type UdpStep = (packet: Uint8Array, length: number, out: Uint8Array) => number;

export const STEP_HANDOFF = -1;

export function udpStep(
  engine: Answerer,
  counters: SlotCounters,
  onEngineError?: (err: unknown) => void,
  rrl: ResponseRateLimiter | null = null,
): UdpStep {
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
    if (len === ANSWER_HANDOFF) return STEP_HANDOFF;
    if (len <= 0) {
      counters.droppedByEngine(engine.lastDropReason);
      return 0;
    }
    if (rrl !== null) {
      if (rrl.decide(engine.client, out, len, Date.now() / 1000) === RRL_DROP) {
        counters.dropped(DROP_RRL);
        return 0;
      }
      len = rrl.length;
    }
    counters.answered(TRANSPORT_UDP, engine.lastQtype, engine.lastRcode, len);
    return len;
  };
}

/** A handed-off datagram with nobody to take it (no primary hook): counted as malformed, as before handoff existed. */
export function noHandoff(counters: SlotCounters): void {
  counters.dropped(DROP_MALFORMED);
}
