// Response rate limiting (RRL), as Knot, NSD and BIND do it: a client prefix that receives too
// many similar UDP answers per second gets the surplus dropped, except every Nth, which goes out
// truncated (TC=1, question only) so that a real client retries over TCP while a spoofed victim
// receives nothing bigger than the query. TCP is never limited (its source cannot be spoofed).

/*
 * The state: one fixed table in a SharedArrayBuffer, allocated by the primary next to the
 * counters and shared by every worker (SO_REUSEPORT spreads one client's queries over all of
 * them by source port, so per-worker tables would each see a fraction of its rate).
 *
 *   ┌──────────┬──────────┬─────┬──────────────┐
 *   │ bucket 0 │ bucket 1 │ ... │ bucket n-1   │   n = a power of two, BUCKET_WORDS Int32 each
 *   └──────────┴──────────┴─────┴──────────────┘
 *   bucket: [TAG] key fingerprint (never 0: 0 is an empty bucket)
 *           [SECOND] the second (Unix time | 0) the tokens were last refilled
 *           [TOKENS] answers left this second; goes below 0 while limited
 *           [LIMITED] limited answers since the bucket was (re)taken: every `slip`-th slips
 *
 * Why a fixed table and not lru-cache: the table is shared by workers (an lru-cache lives in
 * one thread's heap), costs no allocation per packet, and its memory is fixed (16 bytes a
 * bucket; 4 MiB by default) whatever the number of clients an attack spoofs. It is lossy like
 * Knot's: a key maps to one bucket; a different key hashing there takes the bucket over (the
 * evicted prefix starts again with a full bucket). Flooding the table with spoofed prefixes can
 * thus only make limiting more lenient, never block a client that is not over its rate.
 *
 * Concurrency: the words are read and written with Atomics. Token decrements (Atomics.sub)
 * are exact across workers; a refill is won by one worker (compareExchange on SECOND); a
 * takeover racing another may lose a few counts — the same precision Knot accepts.
 *
 * Classes (as Knot's rrl.c classifies a response, keys as BIND's RRL): each response class
 * has its own bucket per client prefix (/24 IPv4, /56 IPv6) and name:
 *   positive   NOERROR with answers              qname + qtype
 *   nodata     NOERROR, no answer, AA            the zone
 *   nxdomain   NXDOMAIN                          the zone
 *   referral   NOERROR, no answer, no AA         the delegation (the cut)
 *   wildcard   answered from a wildcard          the wildcard's owner (its closest encloser)
 *   error      any other rcode (REFUSED, FORMERR, NOTIMP, …)   the prefix alone
 * Bucket: `rate` tokens a second, refilled to `rate` at each new second.
 */

import type { ClientAddress } from '../answer/client-address.ts';
import { cidrContains, type Cidr } from '../config/cidr.ts';
import type { RrlSettings } from '../config/serve-options.ts';
import type { SlotCounters } from '../worker/counters.ts';

export const RRL_PASS = 0;
export const RRL_DROP = 1;
export const RRL_SLIP = 2;

export const CLASS_POSITIVE = 1;
export const CLASS_NODATA = 2;
export const CLASS_NXDOMAIN = 3;
export const CLASS_REFERRAL = 4;
export const CLASS_WILDCARD = 5;
export const CLASS_ERROR = 6;

const TAG = 0;
const SECOND = 1;
const TOKENS = 2;
const LIMITED = 3;
export const BUCKET_WORDS = 4;
/** Default buckets: 2^18 × 16 bytes = 4 MiB (Knot's default table has 393241 buckets). */
export const DEFAULT_RRL_BUCKETS = 1 << 18;

const RCODE_NOERROR = 0;
const RCODE_NXDOMAIN = 3;

/**
 * rate: responses per second per client prefix and class (0: off); slip: every slip-th limited
 * response is sent truncated (0: none, all dropped; 1: all); whitelist: clients never limited.
 */
export type RrlOptions = RrlSettings;

/** The shared table for `buckets` buckets (a power of two). */
export function allocateRrlTable(buckets = DEFAULT_RRL_BUCKETS): SharedArrayBuffer {
  if (buckets < 1 || (buckets & (buckets - 1)) !== 0) throw new RangeError(`RRL buckets must be a power of two, not ${buckets}`);
  return new SharedArrayBuffer(buckets * BUCKET_WORDS * Int32Array.BYTES_PER_ELEMENT);
}

/** Knot's classification of a response: by rcode, then wildcard, then whether it answered. */
export function classify(rcode: number, aa: boolean, answers: number, wildcard: boolean): number {
  if (rcode === RCODE_NXDOMAIN) return CLASS_NXDOMAIN;
  if (rcode !== RCODE_NOERROR) return CLASS_ERROR;
  if (wildcard) return CLASS_WILDCARD;
  if (answers > 0) return CLASS_POSITIVE;
  return aa ? CLASS_NODATA : CLASS_REFERRAL;
}

/** What the engine says about the answer just written (AnswerEngine fields). */
export interface RrlHints {
  /** With extended RCODEs (BADVERS is 16: its low 4 bits in the header read NOERROR). */
  readonly lastRcode: number;
  readonly lastQtype: number;
  readonly lastZoneHash: number;
  readonly lastNameHash: number;
  readonly lastWildcard: boolean;
  /**
   * The query carried a server cookie that checks out (RFC 7873): its source address is proven
   * as over TCP, so it is never limited (BIND exempts it likewise). Optional for hint sources without cookies.
   */
  readonly lastCookieValid?: boolean;
}

const M1 = 0x85ebca6b;
const M2 = 0xc2b2ae35;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, M1);
  h ^= h >>> 13;
  h = Math.imul(h, M2);
  h ^= h >>> 16;
  return h;
}

function step(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}

/**
 * One per worker (per engine): decides for each UDP answer whether it goes out, is dropped or
 * slips, and counts the decision. Plain arithmetic on the shared table, nothing allocated.
 */
export class ResponseRateLimiter {
  private readonly words: Int32Array;
  private readonly mask: number;
  private readonly rate: number;
  private readonly slip: number;
  private readonly whitelist: Cidr[];
  private readonly hints: RrlHints;
  private readonly counters: SlotCounters | null;
  /** Length of the response to send after decide(): the original, or the slipped one. */
  length = 0;
  /** The class of the last response decided, for tests and logs. */
  lastClass = 0;

  constructor(table: SharedArrayBuffer, options: RrlOptions, hints: RrlHints, counters: SlotCounters | null = null) {
    this.words = new Int32Array(table);
    const buckets = this.words.length / BUCKET_WORDS;
    if (buckets < 1 || (buckets & (buckets - 1)) !== 0) throw new RangeError('RRL table: bucket count must be a power of two');
    this.mask = buckets - 1;
    this.rate = options.rate;
    this.slip = options.slip;
    this.whitelist = options.whitelist.map((c) => ({ ...c, bytes: [...c.bytes] }));
    this.hints = hints;
    this.counters = counters;
  }

  /**
   * Decide for the response `out[0, len)` to `client`, answered at `nowSec` (whole seconds).
   * On RRL_SLIP the response has been rewritten in place (TC=1, question only) and `length`
   * says how long it is now.
   */
  decide(client: ClientAddress, out: Uint8Array, len: number, nowSec: number): number {
    this.length = len;
    const action = this.rate > 0 && this.hints.lastCookieValid !== true && !this.whitelisted(client)
      ? this.account(client, out, nowSec) : RRL_PASS;
    if (action === RRL_SLIP) this.length = truncate(out, len);
    this.counters?.rrl(action);
    return action;
  }

  private whitelisted(client: ClientAddress): boolean {
    const list = this.whitelist;
    for (let i = 0; i < list.length; i++) if (cidrContains(list[i], client)) return true;
    return false;
  }

  private account(client: ClientAddress, out: Uint8Array, nowSec: number): number {
    const hints = this.hints;
    const rcode = hints.lastRcode;
    const cls = classify(rcode, (out[2] & 0x04) !== 0, (out[6] << 8) | out[7], hints.lastWildcard);
    this.lastClass = cls;
    let h = step(0x811c9dc5, cls);
    // The client's prefix: /24 for IPv4, /56 for IPv6.
    const b = client.bytes;
    if (client.family === 4) {
      h = step(step(step(step(h, 4), b[0]), b[1]), b[2]);
    } else {
      h = step(h, 6);
      for (let i = 0; i < 7; i++) h = step(h, b[i]);
    }
    switch (cls) {
      case CLASS_POSITIVE:
        h = step(step(step(h, hints.lastNameHash), hints.lastNameHash >>> 16), hints.lastQtype);
        break;
      case CLASS_NODATA:
      case CLASS_NXDOMAIN:
        h = step(step(h, hints.lastZoneHash), hints.lastZoneHash >>> 16);
        break;
      case CLASS_REFERRAL:
      case CLASS_WILDCARD:
        h = step(step(h, hints.lastNameHash), hints.lastNameHash >>> 16);
        break;
    }
    const key = fmix(h);
    const at = (key & this.mask) * BUCKET_WORDS;
    // A second, independent fingerprint: keys sharing a bucket index rarely share a tag.
    const tag = fmix(key ^ 0x9e3779b9) | 1;
    const w = this.words;
    const now = nowSec | 0;
    if (Atomics.load(w, at + TAG) !== tag) {
      // Empty, or another key's: take it over with a full bucket (lossy, like Knot's table).
      Atomics.store(w, at + SECOND, now);
      Atomics.store(w, at + TOKENS, this.rate);
      Atomics.store(w, at + LIMITED, 0);
      Atomics.store(w, at + TAG, tag);
    } else {
      const then = Atomics.load(w, at + SECOND);
      if (then !== now && Atomics.compareExchange(w, at + SECOND, then, now) === then) {
        Atomics.store(w, at + TOKENS, this.rate);
      }
    }
    if (Atomics.sub(w, at + TOKENS, 1) > 0) return RRL_PASS;
    const limited = Atomics.add(w, at + LIMITED, 1) + 1;
    return this.slip > 0 && limited % this.slip === 0 ? RRL_SLIP : RRL_DROP;
  }
}

/**
 * Rewrite a response as its slipped form: TC=1, no records, the question only (no OPT), as
 * Knot sends it. Returns the new length. The question was copied from the query uncompressed.
 */
export function truncate(out: Uint8Array, len: number): number {
  let end = 12;
  if (((out[4] << 8) | out[5]) === 1) {
    while (end < len && out[end] !== 0) end += out[end] + 1;
    end += 5;
    if (end > len) end = 12; // cannot happen for the engine's responses; never write past them
  }
  if (end === 12) {
    out[4] = 0;
    out[5] = 0;
  }
  out[2] |= 0x02;
  out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
  return end;
}
