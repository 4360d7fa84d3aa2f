// AXFR and IXFR responses (RFC 5936, RFC 1995): the record sequence of a transfer, packed into
// messages of at most 64 KiB, each signed when the request was (RFC 8945 §5.3.1).

import { TYPE_SOA } from '../zone/types.ts';
import { RCODE_NOERROR, writeRecord, writeU16, type WireRecord } from './message.ts';
import { sign, type TsigKey } from './tsig.ts';
import type { JournalEntry } from './journal.ts';
import type { TransferForm } from './zone-records.ts';

/** Room left for the TSIG record (key and algorithm names ≤ 255 bytes each, MAC ≤ 64). */
const TSIG_ROOM = 600;
export const MAX_MESSAGE = 65535 - TSIG_ROOM;

/** AXFR: SOA, every other record, SOA. */
export function* axfrRecords(form: TransferForm): Generator<WireRecord> {
  let soa: WireRecord | null = null;
  for (const r of form.records()) {
    if (soa === null) soa = r;
    yield r;
  }
  if (soa !== null) yield soa;
}

/** Incremental IXFR (RFC 1995 §4): new SOA, then per version old SOA, deletions, new SOA, additions; new SOA. */
export function* ixfrRecords(current: WireRecord, chain: JournalEntry[]): Generator<WireRecord> {
  yield current;
  for (const e of chain) {
    yield e.oldSoa;
    yield* e.deleted;
    yield e.newSoa;
    yield* e.added;
  }
  yield current;
}

export interface Signer {
  key: TsigKey;
  /** The request's MAC, then each message's MAC in turn. */
  prior: Uint8Array;
  first: boolean;
}

/** Sign a response message (the first against the request's MAC, later ones timers only). */
export function signResponse(signer: Signer | null, message: Uint8Array): Uint8Array {
  if (signer === null) return message;
  const signed = sign(signer.key, message, { prior: signer.prior, timersOnly: !signer.first });
  signer.prior = signed.mac;
  signer.first = false;
  return signed.message;
}

/**
 * The messages of a transfer: `question` (the query's question section, bytes as received) in
 * the first only, AA set, records packed until the next would not fit.
 */
export function* packMessages(
  id: number,
  question: Uint8Array,
  records: Iterable<WireRecord>,
  signer: Signer | null,
  maxMessage = MAX_MESSAGE,
): Generator<Uint8Array> {
  let buf = new Uint8Array(65535);
  let count = 0;
  let first = true;
  const start = (): number => {
    buf = new Uint8Array(65535);
    writeU16(buf, 0, id);
    buf[2] = 0x84; // QR, opcode QUERY, AA
    buf[3] = RCODE_NOERROR;
    count = 0;
    if (first) {
      buf[5] = 1;
      buf.set(question, 12);
      return 12 + question.length;
    }
    return 12;
  };
  const finish = (end: number): Uint8Array => {
    writeU16(buf, 6, count);
    first = false;
    return signResponse(signer, buf.slice(0, end));
  };
  let pos = start();
  for (const r of records) {
    const size = r.owner.length + 10 + r.rdata.length;
    if (pos + size > maxMessage && count > 0) {
      yield finish(pos);
      pos = start();
    }
    pos = writeRecord(buf, pos, r);
    count++;
  }
  yield finish(pos);
}

/** The SOA of the current version: the whole answer when the client is up to date (or over UDP). */
export function soaOnly(form: TransferForm): WireRecord[] {
  const soa = form.soa;
  if (soa.type !== TYPE_SOA) throw new Error('transfer form without SOA first');
  return [soa];
}
