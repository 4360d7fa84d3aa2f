// The EDNS options a query carries that change the response's OPT record: NSID (RFC 5001) and
// COOKIE (RFC 7873, cookies.ts). read() walks the query's OPT RDATA once (query.ts already
// checked that the options tile it exactly); write() appends the response's options. The NSID
// option is precomputed at start: nothing is allocated per query.
//
// An option on the wire (RFC 6891 §6.1.2):
//   +0 OPTION-CODE (u16) | +2 OPTION-LENGTH (u16) | +4 OPTION-DATA (OPTION-LENGTH bytes)

import { ConfigError } from '../errors.ts';
import type { ClientAddress } from './client-address.ts';
import { COOKIE_BADCOOKIE, COOKIE_FORMERR, COOKIE_VALID, ServerCookies, type CookieSecrets } from './cookies.ts';

const OPTION_NSID = 3;
const OPTION_COOKIE = 10;
/** Longest NSID we answer with: what fits any response comfortably (Knot takes any length). */
export const MAX_NSID = 128;

export const OPTIONS_OK = 0;
export const OPTIONS_FORMERR = 1;
export const OPTIONS_BADCOOKIE = 2;

/** `--nsid STR`: the bytes of STR, or `0x` followed by hex digits for raw bytes (as Knot reads it). */
export function parseNsid(text: string, what = '--nsid'): Uint8Array {
  let bytes: Uint8Array;
  if (/^0x/i.test(text)) {
    const hex = text.slice(2);
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
      throw new ConfigError(`${what}: '${text}' is not an even number of hex digits after 0x`);
    }
    bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
  } else {
    bytes = Uint8Array.from(Buffer.from(text, 'utf8'));
  }
  if (bytes.length === 0) throw new ConfigError(`${what}: empty`);
  if (bytes.length > MAX_NSID) throw new ConfigError(`${what}: ${bytes.length} bytes, at most ${MAX_NSID}`);
  return bytes;
}

export class EdnsOptions {
  /** The whole NSID option (header included), or null when NSID is off. */
  private readonly nsid: Uint8Array | null;
  private readonly cookies: ServerCookies | null;
  private nsidWanted = false;
  private cookieWanted = false;
  /** The last query carried a server cookie that checks out (RRL lets it through, as BIND does). */
  cookieValid = false;
  /** Bytes of options write() appends for the last query read. */
  length = 0;

  constructor(nsid: Uint8Array | null, secrets: CookieSecrets | null) {
    if (nsid === null) {
      this.nsid = null;
    } else {
      this.nsid = new Uint8Array(4 + nsid.length);
      this.nsid[1] = OPTION_NSID;
      this.nsid[2] = nsid.length >>> 8;
      this.nsid[3] = nsid.length & 0xff;
      this.nsid.set(nsid, 4);
    }
    this.cookies = secrets === null ? null : new ServerCookies(secrets);
  }

  /** The cookie checker, for tests that set its clock. */
  get serverCookies(): ServerCookies | null {
    return this.cookies;
  }

  /** Forget the last query's options (a query without EDNS, or one not read). */
  clear(): void {
    this.nsidWanted = this.cookieWanted = this.cookieValid = false;
    this.length = 0;
  }

  /** Read the options in q[start, end) from `client`: one of OPTIONS_*. */
  read(q: Uint8Array, start: number, end: number, client: ClientAddress, tcp: boolean): number {
    this.clear();
    let cookieSeen = false;
    let result = OPTIONS_OK;
    for (let o = start; o + 4 <= end;) {
      const code = (q[o] << 8) | q[o + 1];
      const length = (q[o + 2] << 8) | q[o + 3];
      // RFC 5001 §2.1: a request carries the option empty. Only the first COOKIE counts (as Knot).
      if (code === OPTION_NSID && length === 0 && this.nsid !== null) {
        this.nsidWanted = true;
      } else if (code === OPTION_COOKIE && !cookieSeen && this.cookies !== null) {
        cookieSeen = true;
        const status = this.cookies.check(q, o + 4, length, client, tcp);
        if (status === COOKIE_FORMERR) {
          this.clear();
          return OPTIONS_FORMERR;
        }
        this.cookieWanted = true;
        this.cookieValid = status === COOKIE_VALID;
        if (status === COOKIE_BADCOOKIE) result = OPTIONS_BADCOOKIE;
      }
      o += 4 + length;
    }
    this.length = (this.nsidWanted ? this.nsid!.length : 0) + (this.cookieWanted ? 4 + this.cookies!.response.length : 0);
    return result;
  }

  /** Append the options for the last query read at out[p]; returns the new end. */
  write(out: Uint8Array, p: number): number {
    if (this.nsidWanted) {
      const nsid = this.nsid!;
      for (let i = 0; i < nsid.length; i++) out[p + i] = nsid[i];
      p += nsid.length;
    }
    if (this.cookieWanted) {
      const data = this.cookies!.response;
      out[p] = 0; out[p + 1] = OPTION_COOKIE;
      out[p + 2] = 0; out[p + 3] = data.length;
      p += 4;
      for (let i = 0; i < data.length; i++) out[p + i] = data[i];
      p += data.length;
    }
    return p;
  }
}
