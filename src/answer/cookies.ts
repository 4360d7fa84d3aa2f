// DNS cookies (RFC 7873) with the interoperable server cookie of RFC 9018, checked and made on
// the per-packet path without allocation. The policy is Knot's mod-cookies and BIND's:
//   - COOKIE option data of a length other than 8 or 16..40 bytes: FORMERR (RFC 7873 §5.2.2);
//   - a client cookie alone: a fresh server cookie and a normal answer (RFC 7873 §5.2.3 (3));
//   - a server cookie that checks out (current or previous secret, timestamp at most 1 hour old
//     and at most 5 minutes ahead): a normal answer; the cookie is echoed, or re-issued when it
//     is more than half an hour old or was made with the previous secret (RFC 9018 §4.3);
//   - a server cookie that does not: BADCOOKIE with a fresh one over UDP; over TCP (the address
//     is proven by the handshake) a fresh one and a normal answer, as Knot does.
//
// Server cookie (RFC 9018 §4.2), 16 bytes:
//   0      1      2  3   4 .. 7       8 .. 15
//   +------+------+-----+------------+----------------------------------------------+
//   | ver=1| reserved 0 | timestamp  | SipHash-2-4(secret, CC | ver | res | ts | IP) |
//   +------+------------+------------+----------------------------------------------+
// CC is the 8-byte client cookie; IP the client's address, 4 bytes (IPv4) or 16 (IPv6).

import { ConfigError } from '../errors.ts';
import { SipHash24 } from './siphash.ts';
import type { ClientAddress } from './client-address.ts';
import { randomBytes } from 'node:crypto';

export const COOKIE_SECRET_BYTES = 16;
const CLIENT_COOKIE = 8;
const SERVER_COOKIE = 16;
const VERSION = 1;
/** RFC 9018 §4.3: a cookie is good for an hour, five minutes of clock skew ahead. */
const MAX_AGE = 3600;
const MAX_AHEAD = 300;
const REISSUE_AGE = 1800;

/** The secret new cookies are made with, and the one before it (still accepted). */
export interface CookieSecrets {
  current: Uint8Array;
  previous: Uint8Array | null;
}

/** What check() found; the response's COOKIE option is then in `response`. */
export const COOKIE_OK = 0;
export const COOKIE_VALID = 1;
export const COOKIE_FORMERR = 2;
export const COOKIE_BADCOOKIE = 3;

/** `--cookie-secret-file`: first line the current secret (32 hex digits), optional second line the previous. */
export function parseCookieSecrets(text: string, file: string): CookieSecrets {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0 || lines.length > 2) {
    throw new ConfigError(`${file}: expected one or two lines of 32 hex digits (current secret, then the previous one)`, { file });
  }
  const secrets = lines.map((l, i) => {
    const hex = l.startsWith('0x') ? l.slice(2) : l;
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
      throw new ConfigError(`${file}:${i + 1}: a cookie secret is 32 hex digits (16 bytes)`, { file, line: i + 1 });
    }
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  });
  return { current: secrets[0], previous: secrets[1] ?? null };
}

/** Without a secret file: a random secret for this run (cookies from before a restart turn BADCOOKIE once). */
export function randomCookieSecrets(): CookieSecrets {
  return { current: Uint8Array.from(randomBytes(COOKIE_SECRET_BYTES)), previous: null };
}

export class ServerCookies {
  private readonly current = new SipHash24();
  private readonly previous: SipHash24 | null;
  /** Hash input: CC | version | reserved | timestamp | client IP. */
  private readonly input = new Uint8Array(CLIENT_COOKIE + 8 + 16);
  private readonly mac = new Uint8Array(8);
  /** The COOKIE option data of the response (client cookie, server cookie). */
  readonly response = new Uint8Array(CLIENT_COOKIE + SERVER_COOKIE);
  /** Seconds since the epoch, for tests; the answer path reads the clock. */
  now: () => number = () => Math.floor(Date.now() / 1000);

  constructor(secrets: CookieSecrets) {
    this.current.setKey(secrets.current);
    if (secrets.previous !== null) {
      this.previous = new SipHash24();
      this.previous.setKey(secrets.previous);
    } else {
      this.previous = null;
    }
  }

  /**
   * The COOKIE option data q[start, start + length) from `client`: one of COOKIE_*. Unless
   * FORMERR, `response` then holds the option data to send back (24 bytes).
   */
  check(q: Uint8Array, start: number, length: number, client: ClientAddress, tcp: boolean): number {
    if (length !== CLIENT_COOKIE && (length < CLIENT_COOKIE + 8 || length > CLIENT_COOKIE + 32)) return COOKIE_FORMERR;
    const input = this.input;
    const response = this.response;
    for (let i = 0; i < CLIENT_COOKIE; i++) input[i] = response[i] = q[start + i];
    const ipLength = client.family === 4 ? 4 : 16;
    for (let i = 0; i < ipLength; i++) input[16 + i] = client.bytes[i];
    const inputLength = 16 + ipLength;
    const now = this.now() >>> 0;
    if (length === CLIENT_COOKIE) {
      this.issue(now, inputLength);
      return COOKIE_OK;
    }
    const sc = start + CLIENT_COOKIE;
    if (length === CLIENT_COOKIE + SERVER_COOKIE && q[sc] === VERSION && q[sc + 1] === 0 && q[sc + 2] === 0 && q[sc + 3] === 0) {
      const stamp = ((q[sc + 4] << 24) | (q[sc + 5] << 16) | (q[sc + 6] << 8) | q[sc + 7]) >>> 0;
      // Serial-number arithmetic on 32-bit seconds: the age, negative when ahead of our clock.
      const age = (now - stamp) | 0;
      if (age <= MAX_AGE && age >= -MAX_AHEAD) {
        for (let i = 0; i < 8; i++) input[CLIENT_COOKIE + i] = q[sc + i];
        let valid = this.matches(this.current, q, sc + 8, inputLength);
        let old = false;
        if (!valid && this.previous !== null) valid = old = this.matches(this.previous, q, sc + 8, inputLength);
        if (valid) {
          if (old || age > REISSUE_AGE) this.issue(now, inputLength);
          else for (let i = 0; i < SERVER_COOKIE; i++) response[CLIENT_COOKIE + i] = q[sc + i];
          return COOKIE_VALID;
        }
      }
    }
    this.issue(now, inputLength);
    return tcp ? COOKIE_OK : COOKIE_BADCOOKIE;
  }

  /** A fresh server cookie into `response`, made with the current secret. */
  private issue(now: number, inputLength: number): void {
    const input = this.input;
    input[8] = VERSION; input[9] = 0; input[10] = 0; input[11] = 0;
    input[12] = now >>> 24; input[13] = (now >>> 16) & 0xff; input[14] = (now >>> 8) & 0xff; input[15] = now & 0xff;
    const response = this.response;
    for (let i = 8; i < 16; i++) response[i] = input[i];
    this.current.hash(input, 0, inputLength, response, 16);
  }

  /** Whether the hash of `input` under `h` is q[at, at + 8) (compared in full, not stopping early). */
  private matches(h: SipHash24, q: Uint8Array, at: number, inputLength: number): boolean {
    h.hash(this.input, 0, inputLength, this.mac, 0);
    let diff = 0;
    for (let i = 0; i < 8; i++) diff |= this.mac[i] ^ q[at + i];
    return diff === 0;
  }
}
