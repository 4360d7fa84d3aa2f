// One UDP datagram, whichever I/O moved it: count it, answer it, rate-limit the answer, count
// it. Shared by the dgram listener (udp.ts) and the batched one (mmsg.ts) so both count, answer
// and limit alike.

import { ANSWER_HANDOFF, type AnswerEngine } from '../answer/answer.ts';
import { DROP_ENGINE_ERROR, DROP_MALFORMED, DROP_RRL, DROP_SEND_ERROR, type SlotCounters, TRANSPORT_UDP } from '../worker/counters.ts';
import type { HandoffReply } from './handoff.ts';
import { RRL_DROP, type ResponseRateLimiter } from './rrl.ts';
import type { Tap } from '../dnstap/tap.ts';

/** What a transport needs from the engine: the answer, then its rcode, qtype and drop reason for the counters. */
export type Answerer = Pick<AnswerEngine, 'answer' | 'lastRcode' | 'lastQtype' | 'lastDropReason' | 'client' | 'lastZoneSlot'>;

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
  tap: Tap | null = null,
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
    counters.answered(TRANSPORT_UDP, engine.lastQtype, engine.lastRcode, len, engine.lastZoneSlot);
    if (tap !== null) tap(engine.client, packet, length, out, len, false);
    return len;
  };
}

/** A handed-off datagram with nobody to take it (no primary hook): counted as malformed, as before handoff existed. */
export function noHandoff(counters: SlotCounters): void {
  counters.dropped(DROP_MALFORMED);
}

/**
 * The way back for a handed-off datagram: each message the primary writes goes to the sender by
 * `send` (false: the kernel refused it), counted like any answer. Over UDP an answer is one
 * message; the reply closes at its end.
 */
export function datagramReply(send: (message: Uint8Array) => boolean, counters: SlotCounters, qtype: number): HandoffReply {
  let closed = false;
  return {
    write(messages) {
      for (const m of messages) {
        if (closed) break;
        if (send(m)) counters.answered(TRANSPORT_UDP, qtype, m.length >= 4 ? m[3] & 0x0f : 0, m.length);
        else counters.dropped(DROP_SEND_ERROR);
      }
      return true;
    },
    whenWritable: (cb) => queueMicrotask(cb),
    end() {
      closed = true;
    },
    get closed() {
      return closed;
    },
  };
}
