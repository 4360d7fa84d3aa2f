// The primary's answers to what workers hand off (src/transport/handoff.ts): AXFR and IXFR for
// the zones we serve (ACL: --allow-transfer prefixes or a valid TSIG key), NOTIFY (passed to the
// secondary zones), and any other TSIG-signed query (answered from the same images the workers
// use, then signed). Each request becomes a stream of message batches the worker pulls as its
// client reads them, so a large AXFR never sits in memory whole.

import { IntervalLog } from './interval-log.ts';
import { AnswerEngine, type AnswerOptions } from '../answer/answer.ts';
import { H_FLAGS, IMAGE_EXPIRED } from '../image/layout.ts';
import type { Logger } from '../primary/log.ts';
import type { Publisher } from '../primary/publisher.ts';
import type { HandoffMessage } from '../primary/workers.ts';
import type { ToWorker } from '../worker/protocol.ts';
import { nameToText } from '../zone/name.ts';
import { TYPE_AXFR, TYPE_IXFR, TYPE_SOA } from '../zone/types.ts';
import type { Cidr } from '../config/cidr.ts';
import { allowed } from './acl.ts';
import type { Journal } from './journal.ts';
import {
  MessageError, OPCODE_NOTIFY, RCODE_FORMERR, RCODE_NOERROR, RCODE_NOTAUTH, RCODE_REFUSED, RCODE_SERVFAIL, parseMessage, soaSerial,
  writeU16, type ParsedMessage,
} from './message.ts';
import type { TransferMetrics } from './metrics.ts';
import { compareSerial } from './serial.ts';
import {
  TSIG_BADKEY, TSIG_BADSIG, TSIG_BADTIME, TSIG_BADTRUNC, appendTsig, findTsig, sign, stripTsig, unsignedErrorTsig,
  type Keyring, type TsigKey, type TsigRecord,
} from './tsig.ts';
import { axfrRecords, ixfrRecords, packMessages, signResponse, soaOnly, type Signer } from './xfr-out.ts';
import { TransferForm } from './zone-records.ts';

/** Bytes of messages sent to a worker in one batch (it asks for the next once its client read these). */
const BATCH_BYTES = 256 * 1024;
/** A stream nobody asked to continue for this long is dropped (its worker died or lost the message). */
const STREAM_IDLE_MS = 120_000;

/** A secondary zone's answer to a NOTIFY: an RCODE (NOERROR acks it). */
export type NotifyHandler = (origin: string, client: string, key: TsigKey | null) => number;

export interface TransferServiceOptions {
  publisher: Publisher;
  keyring: Keyring;
  allowTransfer: readonly Cidr[];
  journal: Journal;
  metrics: TransferMetrics;
  log: Logger;
  engine: AnswerOptions;
  /** NOTIFY for a zone: the secondary source decides; absent, NOTIFY gets NOTAUTH (we are no secondary). */
  onNotify?: NotifyHandler;
}

interface Stream {
  messages: Generator<Uint8Array>;
  reply: (m: ToWorker) => void;
  touched: number;
  zone: string;
  kind: string;
}

export class TransferService {
  private readonly o: TransferServiceOptions;
  private readonly streams = new Map<string, Stream>();
  private readonly engine: AnswerEngine;
  private engineGeneration = -1;
  private readonly out = new Uint8Array(65537);
  // Remote senders repeat these at will: one line per interval each (interval-log.ts).
  private refusedLog: IntervalLog | undefined;
  private tsigLog: IntervalLog | undefined;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(o: TransferServiceOptions) {
    this.o = o;
    this.engine = new AnswerEngine({ ...o.engine, handoff: false });
  }

  set onNotify(handler: NotifyHandler | undefined) {
    this.o.onNotify = handler;
  }

  close(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    this.streams.clear();
  }

  /** WorkerPool's onHandoff. */
  handle(message: HandoffMessage, thread: number, reply: (m: ToWorker) => void): void {
    const key = `${thread}:${message.id}`;
    switch (message.type) {
      case 'handoff': {
        let messages: Generator<Uint8Array>;
        const meta = { zone: '', kind: '' };
        try {
          messages = this.respond(message.query, message.client, message.tcp, meta);
        } catch (err) {
          this.o.log.error({ event: 'transfer_error', code: 'PGN_ERR_TRANSFER', stack: (err as Error).stack }, `handed-off query failed: ${(err as Error).message}`);
          reply({ type: 'handoff-reply', id: message.id, messages: [], done: true });
          return;
        }
        this.streams.set(key, { messages, reply, touched: Date.now(), ...meta });
        this.sweep();
        this.next(key, message.id);
        break;
      }
      case 'handoff-more':
        this.next(key, message.id);
        break;
      case 'handoff-cancel': {
        const s = this.streams.get(key);
        this.streams.delete(key);
        if (s !== undefined && s.kind !== '') {
          this.o.metrics.transfers.inc({ zone: s.zone, kind: s.kind, result: 'aborted' });
          this.o.log.warn({ event: 'transfer_aborted', zone: s.zone, kind: s.kind, code: 'PGN_WARN_TRANSFER_ABORTED' }, `${s.kind} of ${s.zone}: the client went away`);
        }
        break;
      }
    }
  }

  /** Send the next batch of stream `key`. */
  private next(key: string, id: number): void {
    const s = this.streams.get(key);
    if (s === undefined) return;
    s.touched = Date.now();
    const batch: Uint8Array[] = [];
    let bytes = 0;
    let done = false;
    try {
      while (bytes < BATCH_BYTES) {
        const r = s.messages.next();
        if (r.done === true) {
          done = true;
          break;
        }
        batch.push(r.value);
        bytes += r.value.length;
      }
    } catch (err) {
      this.o.log.error({ event: 'transfer_error', code: 'PGN_ERR_TRANSFER', zone: s.zone, stack: (err as Error).stack }, `transfer failed: ${(err as Error).message}`);
      done = true;
    }
    if (done) this.streams.delete(key);
    s.reply({ type: 'handoff-reply', id, messages: batch, done });
  }

  private sweep(): void {
    if (this.sweeper !== null) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [k, s] of this.streams) if (now - s.touched > STREAM_IDLE_MS) this.streams.delete(k);
      if (this.streams.size === 0 && this.sweeper !== null) {
        clearInterval(this.sweeper);
        this.sweeper = null;
      }
    }, STREAM_IDLE_MS / 4);
    this.sweeper.unref();
  }

  /** The messages answering one handed-off query (evaluated lazily, batch by batch). */
  respond(query: Uint8Array, client: string, tcp: boolean, meta: { zone: string; kind: string } = { zone: '', kind: '' }): Generator<Uint8Array> {
    let tsig: TsigRecord | null;
    try {
      tsig = findTsig(query);
    } catch {
      return once(errorResponse(query, RCODE_FORMERR, null, false, this.o.engine.maxUdpPayload));
    }
    let key: TsigKey | null = null;
    let signer: Signer | null = null;
    let bare = query;
    if (tsig !== null) {
      const v = this.o.keyring.verifyRequest(query, tsig);
      if (!v.ok) {
        const reason = v.error === TSIG_BADKEY ? 'badkey' : v.error === TSIG_BADSIG ? 'badsig' : v.error === TSIG_BADTIME ? 'badtime' : 'badtrunc';
        this.o.metrics.tsigFailures.inc({ reason });
        (this.tsigLog ??= new IntervalLog(this.o.log, 'warn')).note({ event: 'tsig_failure', client, reason, code: 'PGN_WARN_TSIG' }, `TSIG from ${client}: ${v.reason}`);
        return once(this.tsigError(query, tsig, v.error, v.key));
      }
      key = v.key;
      signer = { key, prior: tsig.mac, first: true };
      bare = stripTsig(query, tsig);
    }
    let parsed: ParsedMessage;
    try {
      parsed = parseMessage(bare);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      return once(signResponse(signer, errorResponse(bare, RCODE_FORMERR, null, false, this.o.engine.maxUdpPayload)));
    }
    const q = parsed.question;
    if (parsed.header.opcode === OPCODE_NOTIFY) {
      const origin = q === null ? '' : nameToText(q.name).toLowerCase();
      const handler = this.o.onNotify;
      const rcode = handler === undefined || q === null || q.type !== TYPE_SOA ? RCODE_NOTAUTH : handler(origin, client, key);
      return once(signResponse(signer, errorResponse(bare, rcode, parsed, rcode === RCODE_NOERROR, this.o.engine.maxUdpPayload)));
    }
    if (q !== null && parsed.header.opcode === 0 && (q.type === TYPE_AXFR || q.type === TYPE_IXFR)) {
      return this.transfer(bare, parsed, client, tcp, key, signer, meta);
    }
    // Any other signed query: the workers' answer, signed.
    return once(signResponse(signer, this.answer(bare, client, tcp)));
  }

  private answer(q: Uint8Array, client: string, tcp: boolean): Uint8Array {
    const current = this.o.publisher.current();
    if (current.generation !== this.engineGeneration) {
      this.engine.setZones(current.images);
      this.engineGeneration = current.generation;
    }
    this.engine.client.setText(client);
    const len = this.engine.answer(q, q.length, this.out, tcp);
    if (len <= 0) return errorResponse(q, RCODE_FORMERR, null, false, this.o.engine.maxUdpPayload);
    return this.out.slice(0, len);
  }

  private transfer(
    q: Uint8Array, parsed: ParsedMessage, client: string, tcp: boolean, key: TsigKey | null, signer: Signer | null,
    meta: { zone: string; kind: string },
  ): Generator<Uint8Array> {
    const question = parsed.question!;
    const ixfr = question.type === TYPE_IXFR;
    const origin = nameToText(question.name).toLowerCase();
    const kind = ixfr ? 'ixfr' : 'axfr';
    const zone = this.o.publisher.get(origin);
    // Labels take only zones we serve: a name from the network is never a label value.
    const label = zone === undefined ? 'other' : origin;
    const count = (result: string, k = kind): void => void this.o.metrics.transfers.inc({ zone: label, kind: k, result });
    if (zone === undefined) {
      count('notauth');
      return once(signResponse(signer, errorResponse(q, RCODE_NOTAUTH, parsed, false, this.o.engine.maxUdpPayload)));
    }
    // No transfer form: built without --allow-transfer, keys or --notify, so nobody may have it.
    if ((key === null && !allowed(this.o.allowTransfer, client)) || zone.transfer === undefined) {
      count('refused');
      (this.refusedLog ??= new IntervalLog(this.o.log, 'info')).note({ event: 'transfer_refused', zone: origin, kind, client }, `${kind} of ${origin} refused to ${client} (not in --allow-transfer, no TSIG key)`);
      return once(errorResponse(q, RCODE_REFUSED, parsed, false, this.o.engine.maxUdpPayload));
    }
    if ((new Uint32Array(zone.image, 0, 16)[H_FLAGS] & IMAGE_EXPIRED) !== 0) {
      count('expired');
      return once(signResponse(signer, errorResponse(q, RCODE_SERVFAIL, parsed, false, this.o.engine.maxUdpPayload)));
    }
    const form = new TransferForm(zone.transfer);
    const id = (q[0] << 8) | q[1];
    const questionBytes = q.subarray(12, 12 + question.name.length + 4);
    let records: Iterable<import('./message.ts').WireRecord>;
    let served = kind;
    if (ixfr) {
      const soa = parsed.authority.find((r) => r.type === TYPE_SOA);
      if (soa === undefined) {
        count('formerr');
        return once(signResponse(signer, errorResponse(q, RCODE_FORMERR, parsed, false, this.o.engine.maxUdpPayload)));
      }
      const theirs = soaSerial(soa.rdata);
      const chain = compareSerial(theirs, form.serial) >= 0 ? [] : this.o.journal.since(origin, theirs, form.serial);
      if (compareSerial(theirs, form.serial) >= 0 || !tcp) {
        // Up to date, or over UDP: the current SOA alone (RFC 1995 §2: "use TCP" when it would not fit).
        records = soaOnly(form);
        served = 'ixfr-soa';
      } else if (chain !== null) {
        records = ixfrRecords(form.soa, chain);
      } else {
        records = axfrRecords(form);
        served = 'ixfr-axfr';
      }
      this.o.log.info(
        { event: 'transfer', zone: origin, kind: served, client, from: theirs, serial: form.serial, key: key?.name ?? null },
        `${served} of ${origin} serial ${theirs} → ${form.serial} to ${client}`,
      );
    } else {
      records = axfrRecords(form);
      this.o.log.info({ event: 'transfer', zone: origin, kind, client, serial: form.serial, records: form.count, key: key?.name ?? null }, `AXFR of ${origin} serial ${form.serial} (${form.count} records) to ${client}`);
    }
    meta.zone = origin;
    meta.kind = served;
    const metrics = this.o.metrics;
    return (function* () {
      yield* packMessages(id, questionBytes, records, signer);
      metrics.transfers.inc({ zone: origin, kind: served, result: 'ok' });
    })();
  }

  /** NOTAUTH with the TSIG error (RFC 8945 §5.2): unsigned for BADKEY/BADSIG/BADTRUNC, signed for BADTIME. */
  private tsigError(query: Uint8Array, t: TsigRecord, error: number, key: TsigKey | null): Uint8Array {
    const bare = stripTsig(query, t);
    let parsed: ParsedMessage | null = null;
    try {
      parsed = parseMessage(bare);
    } catch {
      // answer without the question
    }
    const response = errorResponse(bare, RCODE_NOTAUTH, parsed, false, this.o.engine.maxUdpPayload);
    const now = Math.floor(Date.now() / 1000);
    if (error === TSIG_BADTIME && key !== null) {
      const other = new Uint8Array(6);
      const hi = Math.floor(now / 2 ** 32);
      other[0] = hi >>> 8; other[1] = hi & 0xff;
      other[2] = now >>> 24; other[3] = (now >>> 16) & 0xff; other[4] = (now >>> 8) & 0xff; other[5] = now & 0xff;
      return sign(key, response, { prior: t.mac, error, other, time: t.timeSigned }).message;
    }
    return appendTsig(response, unsignedErrorTsig(t, error === TSIG_BADTRUNC ? TSIG_BADTRUNC : error, now));
  }
}

function* once(m: Uint8Array): Generator<Uint8Array> {
  yield m;
}

/** EDNS(0) OPT of our responses: our UDP size, the query's DO bit (as the workers answer). */
const OPT_LENGTH = 11;

/**
 * A response without records: the query's header and question, QR, the RCODE (AA for NOTIFY
 * acks), and an OPT when the query had one (as the workers' error responses).
 */
export function errorResponse(query: Uint8Array, rcode: number, parsed: ParsedMessage | null, aa = false, maxUdpPayload = 1232): Uint8Array {
  let end = 12;
  let qd = 0;
  if (parsed?.question != null) {
    end = 12 + parsed.question.name.length + 4;
    // The question as received: our parser read it from an uncompressed name at offset 12.
    qd = 1;
  }
  const opt = parsed?.additional.find((r) => r.type === 41);
  const out = new Uint8Array(end + (opt === undefined ? 0 : OPT_LENGTH));
  out.set(query.subarray(0, end), 0);
  // The opcode, and RD only for QUERY: RD, AD and CD are defined for QUERY alone, so a NOTIFY
  // ack (or any other opcode's answer) carries none of them; AD and CD (byte 3) are cleared.
  const opcode = (query[2] >>> 3) & 0x0f;
  out[2] = 0x80 | (query[2] & (opcode === 0 ? 0x79 : 0x78)) | (aa ? 0x04 : 0);
  out[3] = rcode & 0x0f;
  writeU16(out, 4, qd);
  writeU16(out, 6, 0);
  writeU16(out, 8, 0);
  writeU16(out, 10, opt === undefined ? 0 : 1);
  if (opt !== undefined) {
    // owner root, type OPT, class = UDP size, TTL = extended RCODE 0, version 0, DO; no options
    const p = end;
    out[p] = 0;
    writeU16(out, p + 1, 41);
    writeU16(out, p + 3, maxUdpPayload);
    out[p + 7] = (opt.ttl >>> 8) & 0x80;
  }
  return out;
}
