// TSIG (RFC 8945): sign and verify DNS messages with a shared HMAC key — requests, single
// responses and the message streams of AXFR/IXFR (§5.3.1: each later message's MAC covers the
// previous MAC, the messages since, and the timers only).

import { createHmac, timingSafeEqual } from 'node:crypto';
import { lowerName, nameEquals, nameToText, parseName } from '../zone/name.ts';
import { TYPE_TSIG } from '../zone/types.ts';
import { MessageError, readName, writeU16 } from './message.ts';

export const TSIG_BADSIG = 16;
export const TSIG_BADKEY = 17;
export const TSIG_BADTIME = 18;
export const TSIG_BADTRUNC = 22;
const CLASS_ANY = 255;
/** RFC 8945 §10: the recommended fudge. */
export const DEFAULT_FUDGE = 300;

/** Algorithm names as keys are configured (and as BIND/Knot spell them), to the HMAC digest. */
export const TSIG_ALGORITHMS: Record<string, { digest: string; size: number }> = {
  'hmac-sha1': { digest: 'sha1', size: 20 },
  'hmac-sha224': { digest: 'sha224', size: 28 },
  'hmac-sha256': { digest: 'sha256', size: 32 },
  'hmac-sha384': { digest: 'sha384', size: 48 },
  'hmac-sha512': { digest: 'sha512', size: 64 },
};

export interface TsigKey {
  /** As configured, e.g. `transfer-key` (compared case-insensitively, as a domain name). */
  name: string;
  algorithm: string;
  secret: Buffer;
  /** Lowercased wire form of the key name. */
  wireName: Uint8Array;
  /** Wire form of the algorithm name. */
  wireAlgorithm: Uint8Array;
}

export function makeKey(name: string, algorithm: string, secretBase64: string): TsigKey {
  const alg = algorithm.toLowerCase();
  if (!Object.hasOwn(TSIG_ALGORITHMS, alg)) {
    throw new Error(`unknown TSIG algorithm '${algorithm}' (known: ${Object.keys(TSIG_ALGORITHMS).join(', ')})`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secretBase64)) throw new Error(`TSIG key ${name}: the secret is not base64`);
  const secret = Buffer.from(secretBase64, 'base64');
  if (secret.length === 0) throw new Error(`TSIG key ${name}: empty secret`);
  const n = name.endsWith('.') ? name : `${name}.`;
  return {
    name: nameToText(parseName(n, null)).replace(/\.$/, ''),
    algorithm: alg,
    secret,
    wireName: lowerName(parseName(n, null)),
    wireAlgorithm: parseName(`${alg}.`, null),
  };
}

/** The TSIG record of a message, as read. */
export interface TsigRecord {
  /** Offset of the TSIG record (the message without it is m[0, start) with ARCOUNT - 1). */
  start: number;
  keyName: Uint8Array;
  algorithm: Uint8Array;
  /** Seconds since the epoch (48 bits). */
  timeSigned: number;
  fudge: number;
  mac: Uint8Array;
  originalId: number;
  error: number;
  other: Uint8Array;
}

/**
 * The TSIG record if the message's last additional record is one; null if it has none.
 * Throws MessageError when it is malformed (FORMERR) or a TSIG stands anywhere else.
 */
export function findTsig(m: Uint8Array): TsigRecord | null {
  if (m.length < 12) throw new MessageError('short message');
  const qd = (m[4] << 8) | m[5];
  const total = ((m[6] << 8) | m[7]) + ((m[8] << 8) | m[9]) + ((m[10] << 8) | m[11]);
  const ar = (m[10] << 8) | m[11];
  let pos = 12;
  for (let i = 0; i < qd; i++) pos = readName(m, pos).end + 4;
  for (let r = 0; r < total; r++) {
    const start = pos;
    const { name, end } = readName(m, pos);
    if (end + 10 > m.length) throw new MessageError('record runs past the end');
    const type = (m[end] << 8) | m[end + 1];
    const rdlen = (m[end + 8] << 8) | m[end + 9];
    const rd = end + 10;
    if (rd + rdlen > m.length) throw new MessageError('RDATA runs past the end');
    pos = rd + rdlen;
    if (type !== TYPE_TSIG) continue;
    if (r !== total - 1 || ar === 0) throw new MessageError('TSIG is not the last additional record');
    return readTsigRdata(m, start, name, rd, rdlen);
  }
  return null;
}

function readTsigRdata(m: Uint8Array, start: number, keyName: Uint8Array, rd: number, rdlen: number): TsigRecord {
  const end = rd + rdlen;
  // The algorithm name is never compressed (RFC 8945 §4.2), but a pointer would still read right.
  const alg = readName(m, rd);
  let p = alg.end;
  if (p + 10 > end) throw new MessageError('TSIG RDATA too short');
  const timeSigned = ((m[p] << 8) | m[p + 1]) * 2 ** 32 + (((m[p + 2] << 24) | (m[p + 3] << 16) | (m[p + 4] << 8) | m[p + 5]) >>> 0);
  const fudge = (m[p + 6] << 8) | m[p + 7];
  const macSize = (m[p + 8] << 8) | m[p + 9];
  p += 10;
  if (p + macSize + 6 > end) throw new MessageError('TSIG MAC runs past its RDATA');
  const mac = m.slice(p, p + macSize);
  p += macSize;
  const originalId = (m[p] << 8) | m[p + 1];
  const error = (m[p + 2] << 8) | m[p + 3];
  const otherLen = (m[p + 4] << 8) | m[p + 5];
  p += 6;
  if (p + otherLen !== end) throw new MessageError('TSIG other data does not fill its RDATA');
  return { start, keyName, algorithm: alg.name, timeSigned, fudge, mac, originalId, error, other: m.slice(p, end) };
}

/** The message as it was before the TSIG was added: without the record, ARCOUNT - 1, the original ID. */
export function stripTsig(m: Uint8Array, t: TsigRecord): Uint8Array {
  const out = m.slice(0, t.start);
  writeU16(out, 0, t.originalId);
  const ar = ((out[10] << 8) | out[11]) - 1;
  writeU16(out, 10, ar);
  return out;
}

function u48(out: Uint8Array, pos: number, v: number): void {
  const hi = Math.floor(v / 2 ** 32);
  out[pos] = (hi >>> 8) & 0xff;
  out[pos + 1] = hi & 0xff;
  out[pos + 2] = (v >>> 24) & 0xff;
  out[pos + 3] = (v >>> 16) & 0xff;
  out[pos + 4] = (v >>> 8) & 0xff;
  out[pos + 5] = v & 0xff;
}

function macPrefix(mac: Uint8Array): Uint8Array {
  const b = new Uint8Array(2 + mac.length);
  writeU16(b, 0, mac.length);
  b.set(mac, 2);
  return b;
}

/** What a MAC covers besides the message: see RFC 8945 §4.3.3 (variables) and §5.3.1 (timers only). */
function variables(key: TsigKey, time: number, fudge: number, error: number, other: Uint8Array, timersOnly: boolean): Uint8Array {
  if (timersOnly) {
    const b = new Uint8Array(8);
    u48(b, 0, time);
    writeU16(b, 6, fudge);
    return b;
  }
  const b = new Uint8Array(key.wireName.length + 6 + key.wireAlgorithm.length + 12 + other.length);
  let p = 0;
  b.set(key.wireName, p); p += key.wireName.length;
  writeU16(b, p, CLASS_ANY); p += 2;
  p += 4; // TTL 0
  const alg = lowerName(key.wireAlgorithm);
  b.set(alg, p); p += alg.length;
  u48(b, p, time); p += 6;
  writeU16(b, p, fudge); p += 2;
  writeU16(b, p, error); p += 2;
  writeU16(b, p, other.length); p += 2;
  b.set(other, p);
  return b;
}

export interface MacInput {
  /** The request's MAC (a response) or the previous message's MAC (later messages of a stream). */
  prior?: Uint8Array | null;
  /** Messages (each without TSIG) the MAC covers, in order: one, or several unsigned ones then this one. */
  messages: Uint8Array[];
  time: number;
  fudge: number;
  error?: number;
  other?: Uint8Array;
  /** Later messages of a stream cover the timers only. */
  timersOnly?: boolean;
}

export function computeMac(key: TsigKey, input: MacInput): Uint8Array {
  const h = createHmac(TSIG_ALGORITHMS[key.algorithm].digest, key.secret);
  if (input.prior != null) h.update(macPrefix(input.prior));
  for (const m of input.messages) h.update(m);
  h.update(variables(key, input.time, input.fudge, input.error ?? 0, input.other ?? new Uint8Array(0), input.timersOnly ?? false));
  return new Uint8Array(h.digest());
}

/** The TSIG record's wire form. */
export function tsigRecord(key: Pick<TsigKey, 'wireName' | 'wireAlgorithm'>, o: { time: number; fudge: number; mac: Uint8Array; originalId: number; error: number; other: Uint8Array }): Uint8Array {
  const alg = key.wireAlgorithm;
  const rdlen = alg.length + 10 + o.mac.length + 6 + o.other.length;
  const b = new Uint8Array(key.wireName.length + 10 + rdlen);
  let p = 0;
  b.set(key.wireName, p); p += key.wireName.length;
  writeU16(b, p, TYPE_TSIG); writeU16(b, p + 2, CLASS_ANY); p += 8; // TTL 0
  writeU16(b, p, rdlen); p += 2;
  b.set(alg, p); p += alg.length;
  u48(b, p, o.time); p += 6;
  writeU16(b, p, o.fudge); p += 2;
  writeU16(b, p, o.mac.length); p += 2;
  b.set(o.mac, p); p += o.mac.length;
  writeU16(b, p, o.originalId); p += 2;
  writeU16(b, p, o.error); p += 2;
  writeU16(b, p, o.other.length); p += 2;
  b.set(o.other, p);
  return b;
}

/** Append a TSIG record to `message` (which has none): ARCOUNT + 1. */
export function appendTsig(message: Uint8Array, record: Uint8Array): Uint8Array {
  const out = new Uint8Array(message.length + record.length);
  out.set(message, 0);
  out.set(record, message.length);
  writeU16(out, 10, ((message[10] << 8) | message[11]) + 1);
  return out;
}

export interface SignOptions {
  prior?: Uint8Array | null;
  timersOnly?: boolean;
  /** Unsigned messages sent since the last signed one (streams), covered by this MAC too. */
  unsigned?: Uint8Array[];
  /** Seconds since the epoch (default now). */
  time?: number;
  fudge?: number;
  error?: number;
  other?: Uint8Array;
}

/** Sign `message`; returns the signed message and its MAC (the next message's `prior`). */
export function sign(key: TsigKey, message: Uint8Array, o: SignOptions = {}): { message: Uint8Array; mac: Uint8Array } {
  const time = o.time ?? Math.floor(Date.now() / 1000);
  const fudge = o.fudge ?? DEFAULT_FUDGE;
  const error = o.error ?? 0;
  const other = o.other ?? new Uint8Array(0);
  const mac = computeMac(key, {
    prior: o.prior, messages: [...(o.unsigned ?? []), message], time, fudge, error, other, timersOnly: o.timersOnly,
  });
  const originalId = (message[0] << 8) | message[1];
  return { message: appendTsig(message, tsigRecord(key, { time, fudge, mac, originalId, error, other })), mac };
}

/** An unsigned error TSIG for BADKEY/BADSIG answers (RFC 8945 §5.3.2: empty MAC). */
export function unsignedErrorTsig(t: TsigRecord, error: number, time: number): Uint8Array {
  return tsigRecord({ wireName: t.keyName, wireAlgorithm: t.algorithm }, {
    time, fudge: t.fudge, mac: new Uint8Array(0), originalId: t.originalId, error, other: new Uint8Array(0),
  });
}

export type VerifyResult =
  | { ok: true; key: TsigKey; tsig: TsigRecord }
  | { ok: false; error: number; tsig: TsigRecord; key: TsigKey | null; reason: string };

/** A set of keys, found by name and algorithm. */
export class Keyring {
  private readonly keys: TsigKey[];

  constructor(keys: TsigKey[]) {
    this.keys = keys;
  }

  get size(): number {
    return this.keys.length;
  }

  byName(name: string): TsigKey | undefined {
    const wire = lowerName(parseName(name.endsWith('.') ? name : `${name}.`, null));
    return this.keys.find((k) => nameEquals(k.wireName, wire));
  }

  find(t: TsigRecord): TsigKey | undefined {
    return this.keys.find((k) => nameEquals(k.wireName, t.keyName) && nameEquals(k.wireAlgorithm, t.algorithm));
  }

  /** Verify a signed request (RFC 8945 §5.2): key, MAC, then time. */
  verifyRequest(m: Uint8Array, t: TsigRecord, now = Math.floor(Date.now() / 1000)): VerifyResult {
    const key = this.find(t);
    if (key === undefined) return { ok: false, error: TSIG_BADKEY, tsig: t, key: null, reason: `unknown key ${nameToText(t.keyName)}` };
    return verifyWith(key, m, t, { now });
  }
}

/** Check `t` of message `m` with `key`; `prior` for responses and stream messages. */
export function verifyWith(
  key: TsigKey,
  m: Uint8Array,
  t: TsigRecord,
  o: { prior?: Uint8Array | null; timersOnly?: boolean; unsigned?: Uint8Array[]; now?: number },
): VerifyResult {
  const size = TSIG_ALGORITHMS[key.algorithm].size;
  // RFC 8945 §5.2.2.1: a MAC longer than the digest is FORMERR, shorter than half or 10 is BADTRUNC.
  if (t.mac.length > size || t.mac.length < Math.max(10, size / 2)) {
    return { ok: false, error: TSIG_BADTRUNC, tsig: t, key, reason: `MAC of ${t.mac.length} bytes for ${key.algorithm}` };
  }
  const expected = computeMac(key, {
    prior: o.prior,
    messages: [...(o.unsigned ?? []), stripTsig(m, t)],
    time: t.timeSigned,
    fudge: t.fudge,
    error: t.error,
    other: t.other,
    timersOnly: o.timersOnly,
  });
  if (!timingSafeEqual(expected.subarray(0, t.mac.length), t.mac)) {
    return { ok: false, error: TSIG_BADSIG, tsig: t, key, reason: 'MAC does not match' };
  }
  const now = o.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t.timeSigned) > t.fudge) {
    return { ok: false, error: TSIG_BADTIME, tsig: t, key, reason: `time signed ${t.timeSigned} is off by more than ${t.fudge} s` };
  }
  return { ok: true, key, tsig: t };
}

/**
 * Verifies the messages of one response stream (AXFR/IXFR) as a client: the first against the
 * request's MAC, each later signed one against the previous MAC (timers only); up to 99
 * unsigned messages may stand between two signed ones, and the last must be signed.
 */
export class StreamVerifier {
  private readonly key: TsigKey;
  private prior: Uint8Array;
  private first = true;
  private unsigned: Uint8Array[] = [];

  constructor(key: TsigKey, requestMac: Uint8Array) {
    this.key = key;
    this.prior = requestMac;
  }

  /** Throws when a message fails; returns whether it was signed. */
  push(m: Uint8Array): boolean {
    const t = findTsig(m);
    if (t === null) {
      if (this.first) throw new MessageError('the response is not signed');
      this.unsigned.push(m);
      if (this.unsigned.length > 99) throw new MessageError('more than 99 unsigned messages in a row');
      return false;
    }
    if (!nameEquals(t.keyName, this.key.wireName)) throw new MessageError('response signed with another key');
    const r = verifyWith(this.key, m, t, { prior: this.prior, timersOnly: !this.first, unsigned: this.unsigned });
    if (!r.ok) throw new MessageError(`TSIG: ${r.reason} (error ${t.error || r.error})`);
    if (t.error !== 0) throw new MessageError(`TSIG error ${t.error} from the server`);
    this.prior = t.mac;
    this.unsigned = [];
    this.first = false;
    return true;
  }

  /** The stream ended: its last message must have been signed. */
  end(): void {
    if (this.unsigned.length > 0) throw new MessageError('the last message of the transfer is not signed');
  }
}
