// The secondary's side of the wire: ask a primary for its SOA serial (UDP, TCP when truncated),
// and transfer a zone (IXFR from the version we have, else AXFR) over TCP, every message
// verified with the zone's TSIG key when it has one.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { formatAddress, type ListenAddress } from '../../config/serve-options.ts';
import {
  MessageError, RCODE_NOERROR, buildMessage, flags, parseMessage, readHeader, soaSerial, type ParsedMessage, type WireRecord,
} from '../../transfer/message.ts';
import { compareSerial } from '../../transfer/serial.ts';
import { StreamVerifier, findTsig, sign, stripTsig, type TsigKey } from '../../transfer/tsig.ts';
import { lowerName, nameEquals } from '../../zone/name.ts';
import { CLASS_IN, TYPE_AXFR, TYPE_IXFR, TYPE_SOA } from '../../zone/types.ts';

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

export class TransferError extends Error {
  /** The TSIG of an answer failed (counted apart). */
  readonly tsig: boolean;
  constructor(message: string, tsig = false) {
    super(message);
    this.tsig = tsig;
  }
}

export interface ClientOptions {
  timeoutMs?: number;
}

function request(origin: Uint8Array, type: number, key: TsigKey | null, authority: WireRecord[] = []): { id: number; message: Uint8Array; mac: Uint8Array | null } {
  const id = randomInt(0, 65536);
  const m = buildMessage({ id, flags: flags({}), question: { name: origin, type, class: CLASS_IN }, authority });
  if (key === null) return { id, message: m, mac: null };
  const s = sign(key, m);
  return { id, message: s.message, mac: s.mac };
}

/** Verify and strip one answer: its ID, its TSIG when we signed, and its question. */
function check(msg: Uint8Array, id: number, verifier: StreamVerifier | null): ParsedMessage {
  const h = readHeader(msg);
  if (h.id !== id || !h.qr) throw new TransferError('answer with another ID or not a response');
  if (h.rcode !== RCODE_NOERROR) {
    const t = findTsig(msg);
    const tsigError = t !== null && t.error !== 0 ? ` (TSIG error ${t.error})` : '';
    throw new TransferError(`answered ${RCODE_NAMES[h.rcode] ?? `RCODE ${h.rcode}`}${tsigError}`, tsigError !== '');
  }
  let bare = msg;
  if (verifier !== null) {
    try {
      verifier.push(msg);
    } catch (err) {
      throw new TransferError(`TSIG: ${(err as Error).message}`, true);
    }
    const t = findTsig(msg);
    if (t !== null) bare = stripTsig(msg, t);
  }
  return parseMessage(bare);
}

/** The primary's SOA serial for `origin` (UDP; TCP if the answer is truncated). */
export async function querySoa(primary: ListenAddress, origin: Uint8Array, key: TsigKey | null, o: ClientOptions = {}): Promise<WireRecord> {
  const req = request(origin, TYPE_SOA, key);
  let answer = await udpExchange(primary, req.message, o.timeoutMs ?? 3000);
  if (readHeader(answer).tc) answer = (await tcpMessages(primary, req.message, o.timeoutMs ?? 10_000, () => true))[0];
  const parsed = check(answer, req.id, key === null ? null : new StreamVerifier(key, req.mac!));
  const soa = parsed.answers.find((r) => r.type === TYPE_SOA && nameEquals(r.owner, origin));
  if (soa === undefined) throw new TransferError('no SOA in the answer');
  return soa;
}

export type TransferResult =
  /** The primary has nothing newer than `serial`. */
  | { kind: 'current'; soa: WireRecord }
  /** The whole zone, SOA first. */
  | { kind: 'axfr'; records: WireRecord[]; messages: number }
  /** Versions from ours to the primary's: apply with applyIxfr. */
  | { kind: 'ixfr'; diffs: IxfrDiff[]; soa: WireRecord; messages: number };

export interface IxfrDiff {
  from: WireRecord;
  deleted: WireRecord[];
  to: WireRecord;
  added: WireRecord[];
}

/**
 * Transfer `origin` from `primary`: IXFR when `have` (our SOA) is given, AXFR otherwise. An IXFR
 * answered AXFR-style comes back as `axfr`.
 */
export async function transfer(
  primary: ListenAddress, origin: Uint8Array, key: TsigKey | null, have: WireRecord | null, o: ClientOptions = {},
): Promise<TransferResult> {
  const req = request(origin, have === null ? TYPE_AXFR : TYPE_IXFR, key, have === null ? [] : [have]);
  const verifier = key === null ? null : new StreamVerifier(key, req.mac!);
  const records: WireRecord[] = [];
  let finalSerial = -1;
  let done = false;
  let messages = 0;
  // Decide from the records so far whether the transfer is complete (RFC 5936 §2.2, RFC 1995 §4).
  const complete = (): boolean => {
    if (records.length === 0) return false;
    const first = records[0];
    if (first.type !== TYPE_SOA) throw new TransferError('the transfer does not start with the SOA');
    finalSerial = soaSerial(first.rdata);
    if (records.length === 1) {
      // IXFR: a lone SOA not newer than ours means "nothing new" (the stream ends here).
      return have !== null && compareSerial(finalSerial, soaSerial(have.rdata)) <= 0;
    }
    const last = records[records.length - 1];
    if (last.type !== TYPE_SOA || soaSerial(last.rdata) !== finalSerial) return false;
    if (records[1].type !== TYPE_SOA) return true; // AXFR-style: SOA … SOA
    // Incremental: SOA(new) [SOA(old) deletions SOA(next) additions]… SOA(new). The final SOA stands
    // where the next version's "old" SOA would, right after additions ending at `finalSerial`.
    let state = 0; // 0: expect old SOA, 1: deletions, 2: additions
    let current = -1;
    for (let i = 1; i < records.length; i++) {
      const r = records[i];
      if (r.type === TYPE_SOA) {
        const s = soaSerial(r.rdata);
        if (state === 2 && current === finalSerial && i === records.length - 1) return true;
        if (state === 0 || state === 2) state = 1;
        else {
          state = 2;
          current = s;
        }
      }
    }
    return false;
  };
  const frames = await tcpMessages(primary, req.message, o.timeoutMs ?? 30_000, (msg) => {
    messages++;
    const parsed = check(msg, req.id, verifier);
    for (const r of parsed.answers) records.push(r);
    done = complete();
    return done;
  });
  void frames;
  if (!done) throw new TransferError('the transfer ended before its closing SOA');
  verifier?.end();
  if (records.length === 1) return { kind: 'current', soa: records[0] };
  if (records[1].type !== TYPE_SOA) {
    // AXFR (or AXFR-style IXFR): drop the closing SOA.
    const zone = records.slice(0, -1);
    for (const r of zone) {
      if (!isBelow(r.owner, origin)) throw new TransferError('a record outside the zone');
    }
    return { kind: 'axfr', records: zone, messages };
  }
  const diffs: IxfrDiff[] = [];
  let i = 1;
  while (i < records.length - 1) {
    const from = records[i++];
    const deleted: WireRecord[] = [];
    while (records[i].type !== TYPE_SOA) deleted.push(records[i++]);
    const to = records[i++];
    const added: WireRecord[] = [];
    while (i < records.length - 1 && records[i].type !== TYPE_SOA) added.push(records[i++]);
    diffs.push({ from, deleted, to, added });
  }
  return { kind: 'ixfr', diffs, soa: records[0], messages };
}

function isBelow(name: Uint8Array, origin: Uint8Array): boolean {
  const d = name.length - origin.length;
  return d >= 0 && nameEquals(name.subarray(d), origin);
}

/** A record's identity for IXFR deletions: owner, type, class, RDATA (not the TTL). */
function identity(r: WireRecord): string {
  return `${Buffer.from(lowerName(r.owner)).toString('latin1')}|${r.type}|${r.class}|${Buffer.from(r.rdata).toString('latin1')}`;
}

/** Apply IXFR differences to the records of our version (SOA first). */
export function applyIxfr(records: Iterable<WireRecord>, have: number, diffs: IxfrDiff[]): WireRecord[] {
  const set = new Map<string, WireRecord>();
  let soa: WireRecord | null = null;
  for (const r of records) {
    if (r.type === TYPE_SOA && soa === null) soa = r;
    else set.set(identity(r), r);
  }
  let at = have;
  for (const d of diffs) {
    if (soaSerial(d.from.rdata) !== at) throw new TransferError(`IXFR step from serial ${soaSerial(d.from.rdata)}, expected ${at}`);
    for (const r of d.deleted) {
      if (!set.delete(identity(r))) throw new TransferError('IXFR deletes a record we do not have');
    }
    for (const r of d.added) set.set(identity(r), r);
    soa = d.to;
    at = soaSerial(d.to.rdata);
  }
  return [soa!, ...set.values()];
}

function udpExchange(primary: ListenAddress, message: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(primary.family === 6 ? 'udp6' : 'udp4');
    const id = (message[0] << 8) | message[1];
    const timer = setTimeout(() => finish(new TransferError(`no answer from ${formatAddress(primary)} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, answer?: Uint8Array): void => {
      clearTimeout(timer);
      socket.close();
      if (err !== null) reject(err);
      else resolve(answer!);
    };
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg) => {
      if (msg.length >= 2 && ((msg[0] << 8) | msg[1]) === id) finish(null, new Uint8Array(msg));
    });
    socket.send(message, primary.port, primary.host);
  });
}

/**
 * Send `message` over TCP and hand each answer message to `onMessage` until it returns true
 * (then close). Fails on timeout (no progress for `timeoutMs`), close or a thrown error.
 */
function tcpMessages(primary: ListenAddress, message: Uint8Array, timeoutMs: number, onMessage: (m: Uint8Array) => boolean): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: primary.host, port: primary.port });
    const got: Uint8Array[] = [];
    let buffer: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err !== null) reject(err);
      else resolve(got);
    };
    socket.setTimeout(timeoutMs, () => finish(new TransferError(`${formatAddress(primary)}: no progress for ${timeoutMs} ms`)));
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new TransferError(`${formatAddress(primary)} closed the connection mid-transfer`)));
    socket.on('connect', () => {
      const frame = Buffer.alloc(2 + message.length);
      frame.writeUInt16BE(message.length, 0);
      frame.set(message, 2);
      socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2) {
        const len = buffer.readUInt16BE(0);
        if (buffer.length < 2 + len) break;
        const m = new Uint8Array(buffer.subarray(2, 2 + len));
        buffer = buffer.subarray(2 + len);
        try {
          const last = onMessage(m);
          got.push(m);
          if (last) return finish(null);
        } catch (err) {
          return finish(err instanceof MessageError ? new TransferError(err.message) : (err as Error));
        }
      }
    });
  });
}
