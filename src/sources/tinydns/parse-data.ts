// tinydns-data lines to records, as tinydns-data (djbdns 1.05) reads them: every line type
// (`.` `&` `=` `+` `@` `'` `^` `C` `Z` `:` `%` `-` `#`), default TTLs per line type, the `x`
// naming rule (`a` → `a.ns.fqdn` / `a.mx.fqdn`), `\NNN` octal escapes in names and data, TAI64
// timestamps and client locations. Records keep what decides their visibility (timestamp,
// location); zones.ts turns them into zones.
//
// Where tinydns-data silently accepts garbage (an address `1.2.3.400`, a TTL `12x`, a timestamp
// with upper-case digits — all of which it reads as some other value), this parser reports
// `FILE:LINE: message` instead. Everything tinydns-data documents is read as it reads it.

import { ZoneDataError } from '../../errors.ts';
import type { WireName } from '../../zone/model.ts';
import {
  TYPE_A, TYPE_AXFR, TYPE_CNAME, TYPE_DNAME, TYPE_MX, TYPE_NS, TYPE_NSEC, TYPE_NSEC3, TYPE_PTR,
  TYPE_RRSIG, TYPE_SOA, TYPE_TXT,
} from '../../zone/types.ts';

/** tinydns-data's default TTLs (its TTL_NS, TTL_POSITIVE, TTL_NEGATIVE). */
export const TTL_NS = 259200;
export const TTL_POSITIVE = 86400;
export const TTL_NEGATIVE = 2560;
/** SOA fields a `.` line (and an empty `Z` field) gets: refresh, retry, expire, minimum. */
export const SOA_REFRESH = 16384;
export const SOA_RETRY = 2048;
export const SOA_EXPIRE = 1048576;
export const SOA_MINIMUM = 2560;

/** TAI64 label of Unix time 0, as tinydns's clock counts (2^62 + 10). */
const TAI64_UNIX_EPOCH = (1n << 62n) + 10n;
/** Fields tinydns-data splits a line into (the rest of a longer line is ignored, as there). */
const NUMFIELDS = 15;

export interface TinyRecord {
  /** Owner as written (case kept); a wildcard keeps its `*` label. */
  owner: WireName;
  type: number;
  /** As written or defaulted; 0 with a timestamp means "until then" (see `ending`). */
  ttl: number;
  rdata: Uint8Array;
  /** Unix seconds of the line's timestamp, or null when it has none. */
  timestamp: number | null;
  /** Location code (one or two characters), '' for every client. */
  location: string;
  line: number;
  /** SOA whose serial is the file's modification time (a `.` line, or `Z` with no serial). */
  mtimeSerial?: boolean;
  /** A `.` or `Z` line: its owner is a zone apex. */
  apex?: boolean;
}

/** A `%lo:ipprefix` line: clients whose IPv4 address starts with `prefix` are in `location`. */
export interface LocationPrefix {
  location: string;
  /** 0 to 4 leading address bytes. */
  prefix: Uint8Array;
  line: number;
}

export interface TinyData {
  file: string;
  records: TinyRecord[];
  locations: LocationPrefix[];
  /** The file's modification time in Unix seconds: default serial of its SOA records. */
  mtime: number;
}

export type ParseResult = { ok: true; data: TinyData } | { ok: false; errors: ZoneDataError[] };

/** Lines with problems reported before the parse gives up listing them. */
const MAX_ERRORS = 100;

class LineError extends Error {}

/** Parse the text of a data file (latin1: one char per byte). `mtime` is the file's, in Unix seconds. */
export function parseTinydnsData(text: string, file: string, mtime: number): ParseResult {
  const records: TinyRecord[] = [];
  const locations: LocationPrefix[] = [];
  const errors: ZoneDataError[] = [];
  // tinydns-data: a zero mtime would give serial 0, so it uses 1.
  const serial = mtime >>> 0 === 0 ? 1 : mtime >>> 0;
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start another.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    // Trailing spaces and tabs are ignored (and a CR, for files written on Windows).
    const line = lines[n].replace(/[ \t\r]+$/, '');
    if (line.length === 0) continue;
    const lead = line[0];
    if (lead === '#' || lead === '-') continue;
    const f = splitFields(line);
    const add = (r: Omit<TinyRecord, 'line'>): void => void records.push({ ...r, line: lineNo });
    try {
      parseLine(lead, f, add, locations, lineNo, serial);
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      errors.push(new ZoneDataError(err.message, file, lineNo));
      if (errors.length >= MAX_ERRORS) break;
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, data: { file, records, locations, mtime } };
}

function splitFields(line: string): string[] {
  const parts = line.slice(1).split(':');
  const f: string[] = [];
  for (let i = 0; i < NUMFIELDS; i++) f.push(parts[i] ?? '');
  return f;
}

function parseLine(
  lead: string,
  f: string[],
  add: (r: Omit<TinyRecord, 'line'>) => void,
  locations: LocationPrefix[],
  line: number,
  serial: number,
): void {
  switch (lead) {
    case '%': {
      locations.push({ location: locationOf(f[0]), prefix: ipPrefix(f[1]), line });
      return;
    }
    case 'Z': {
      const owner = name(f[0]);
      const given = f[3] !== '';
      const soa = new Uint8Array(20);
      const view = new DataView(soa.buffer);
      view.setUint32(0, given ? u32(f[3], 'serial') : serial);
      view.setUint32(4, f[4] === '' ? SOA_REFRESH : u32(f[4], 'refresh'));
      view.setUint32(8, f[5] === '' ? SOA_RETRY : u32(f[5], 'retry'));
      view.setUint32(12, f[6] === '' ? SOA_EXPIRE : u32(f[6], 'expire'));
      view.setUint32(16, f[7] === '' ? SOA_MINIMUM : u32(f[7], 'minimum'));
      add({
        owner, type: TYPE_SOA, ttl: ttl(f[8], TTL_NEGATIVE), timestamp: timestamp(f[9]), location: locationOf(f[10]),
        rdata: concat(name(f[1]), name(f[2]), soa), mtimeSerial: !given, apex: true,
      });
      return;
    }
    case '.':
    case '&': {
      const owner = name(f[0]);
      const t = ttl(f[3], TTL_NS);
      const ts = timestamp(f[4]);
      const location = locationOf(f[5]);
      const server = name(xName(f[2], 'ns', f[0]));
      if (lead === '.') {
        const soa = new Uint8Array(20);
        const view = new DataView(soa.buffer);
        view.setUint32(0, serial);
        view.setUint32(4, SOA_REFRESH);
        view.setUint32(8, SOA_RETRY);
        view.setUint32(12, SOA_EXPIRE);
        view.setUint32(16, SOA_MINIMUM);
        // tinydns-data: the SOA's TTL is TTL_NEGATIVE, or 0 when the line's TTL is 0.
        add({
          owner, type: TYPE_SOA, ttl: t === 0 ? 0 : TTL_NEGATIVE, timestamp: ts, location,
          rdata: concat(server, concat(Uint8Array.of(10), latin1('hostmaster'), owner), soa), mtimeSerial: true, apex: true,
        });
      }
      add({ owner, type: TYPE_NS, ttl: t, timestamp: ts, location, rdata: server });
      const ip = address(f[1]);
      if (ip !== null) add({ owner: server, type: TYPE_A, ttl: t, timestamp: ts, location, rdata: ip });
      return;
    }
    case '+':
    case '=': {
      const owner = name(f[0]);
      const t = ttl(f[2], TTL_POSITIVE);
      const ts = timestamp(f[3]);
      const location = locationOf(f[4]);
      const ip = address(f[1]);
      // tinydns-data makes nothing of a line without an address.
      if (ip === null) return;
      add({ owner, type: TYPE_A, ttl: t, timestamp: ts, location, rdata: ip });
      if (lead === '=') add({ owner: reverseName(ip), type: TYPE_PTR, ttl: t, timestamp: ts, location, rdata: owner });
      return;
    }
    case '@': {
      const owner = name(f[0]);
      const t = ttl(f[4], TTL_POSITIVE);
      const ts = timestamp(f[5]);
      const location = locationOf(f[6]);
      const exchanger = name(xName(f[2], 'mx', f[0]));
      const dist = f[3] === '' ? 0 : u32(f[3], 'distance');
      if (dist > 0xffff) throw new LineError(`distance ${dist} is out of range (0-65535)`);
      add({ owner, type: TYPE_MX, ttl: t, timestamp: ts, location, rdata: concat(Uint8Array.of(dist >> 8, dist & 0xff), exchanger) });
      const ip = address(f[1]);
      if (ip !== null) add({ owner: exchanger, type: TYPE_A, ttl: t, timestamp: ts, location, rdata: ip });
      return;
    }
    case '^':
    case 'C': {
      const owner = name(f[0]);
      add({
        owner, type: lead === 'C' ? TYPE_CNAME : TYPE_PTR, ttl: ttl(f[2], TTL_POSITIVE), timestamp: timestamp(f[3]),
        location: locationOf(f[4]), rdata: name(f[1]),
      });
      return;
    }
    case "'": {
      const owner = name(f[0]);
      const text = unescape(f[1]);
      // Character-strings of at most 127 bytes each, as tinydns-data cuts them.
      const parts: number[] = [];
      for (let i = 0; i < text.length; i += 127) {
        const k = Math.min(127, text.length - i);
        parts.push(k, ...text.subarray(i, i + k));
      }
      add({
        owner, type: TYPE_TXT, ttl: ttl(f[2], TTL_POSITIVE), timestamp: timestamp(f[3]), location: locationOf(f[4]),
        rdata: Uint8Array.from(parts),
      });
      return;
    }
    case ':': {
      const owner = name(f[0]);
      if (!/^\d+$/.test(f[1])) throw new LineError(`type '${f[1]}' is not a number (1-65535)`);
      const type = Number(f[1]);
      if (type < 1 || type > 65535) throw new LineError(`type ${type} is out of range (1-65535)`);
      const prohibited = PROHIBITED_GENERIC.get(type);
      if (prohibited !== undefined) throw new LineError(`type ${prohibited} prohibited${GENERIC_WHY.get(type) ?? ''}`);
      add({
        owner, type, ttl: ttl(f[3], TTL_POSITIVE), timestamp: timestamp(f[4]), location: locationOf(f[5]),
        rdata: unescape(f[2]),
      });
      return;
    }
    default:
      throw new LineError(`unrecognized leading character '${printable(lead)}'`);
  }
}

/** Types a `:` line may not make: tinydns-data's list, and those whose meaning tinydns ignores but ours would not. */
const PROHIBITED_GENERIC = new Map<number, string>([
  [0, '0'], [TYPE_NS, 'NS'], [TYPE_CNAME, 'CNAME'], [TYPE_SOA, 'SOA'], [TYPE_PTR, 'PTR'], [TYPE_MX, 'MX'],
  [TYPE_AXFR, 'AXFR'], [TYPE_DNAME, 'DNAME'], [TYPE_RRSIG, 'RRSIG'], [TYPE_NSEC, 'NSEC'], [TYPE_NSEC3, 'NSEC3'],
]);
const GENERIC_WHY = new Map<number, string>([
  [TYPE_NS, ' (use a . or & line)'], [TYPE_CNAME, ' (use a C line)'], [TYPE_SOA, ' (use a Z line)'],
  [TYPE_PTR, ' (use a ^ line)'], [TYPE_MX, ' (use an @ line)'],
  [TYPE_DNAME, ' (tinydns serves it as opaque data: not supported)'], [TYPE_RRSIG, ' (no DNSSEC in tinydns data)'],
  [TYPE_NSEC, ' (no DNSSEC in tinydns data)'], [TYPE_NSEC3, ' (no DNSSEC in tinydns data)'],
]);

/** The `x` rule: a server name without a dot is `x.ns.fqdn` (or `x.mx.fqdn`); empty x gives `ns.fqdn`. */
function xName(x: string, kind: 'ns' | 'mx', fqdn: string): string {
  return x.includes('.') ? x : `${x}.${kind}.${fqdn}`;
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `\NNN` (one to three octal digits) is that byte; `\X` is X; tinydns-data's txtparse. */
function unescape(s: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    let c = s.charCodeAt(i++) & 0xff;
    if (c === 0x5c) {
      if (i >= s.length) break;
      c = s.charCodeAt(i++) & 0xff;
      if (c >= 0x30 && c <= 0x37) {
        c -= 0x30;
        for (let k = 0; k < 2 && i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x37; k++) {
          c = ((c << 3) + (s.charCodeAt(i++) - 0x30)) & 0xff;
        }
      }
    }
    out.push(c);
  }
  return Uint8Array.from(out);
}

/**
 * A name as dns_domain_fromdot reads it: labels split at unescaped dots (empty labels are
 * skipped, so `a..b.` is `a.b.`), octal escapes, every name absolute.
 */
function name(text: string): WireName {
  const bytes: number[] = [];
  let label: number[] = [];
  const endLabel = (): void => {
    if (label.length === 0) return;
    if (label.length > 63) throw new LineError(`label longer than 63 bytes in name '${printable(text)}'`);
    bytes.push(label.length, ...label);
    label = [];
  };
  let i = 0;
  while (i < text.length) {
    let c = text.charCodeAt(i++) & 0xff;
    if (c === 0x2e) {
      endLabel();
      continue;
    }
    if (c === 0x5c) {
      if (i >= text.length) break;
      c = text.charCodeAt(i++) & 0xff;
      if (c >= 0x30 && c <= 0x37) {
        c -= 0x30;
        for (let k = 0; k < 2 && i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x37; k++) {
          c = ((c << 3) + (text.charCodeAt(i++) - 0x30)) & 0xff;
        }
      }
    }
    label.push(c);
  }
  endLabel();
  bytes.push(0);
  if (bytes.length > 255) throw new LineError(`name longer than 255 bytes: '${printable(text)}'`);
  return Uint8Array.from(bytes);
}

function ttl(text: string, fallback: number): number {
  return text === '' ? fallback : u32(text, 'TTL');
}

function u32(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new LineError(`${what} '${printable(text)}' is not a number`);
  const v = Number(text);
  if (v > 0xffffffff) throw new LineError(`${what} ${text} is out of range (0-4294967295)`);
  return v;
}

/** A TAI64 label (16 lower-case hex digits) to Unix seconds; empty: none. */
function timestamp(text: string): number | null {
  if (text === '') return null;
  if (!/^[0-9a-f]{16}$/.test(text)) {
    throw new LineError(`timestamp '${printable(text)}' is not a TAI64 label (16 lower-case hex digits, e.g. 4000000065000000)`);
  }
  const label = BigInt(`0x${text}`);
  // An all-zero timestamp is "no timestamp" to tinydns.
  if (label === 0n) return null;
  return Number(label - TAI64_UNIX_EPOCH);
}

function locationOf(text: string): string {
  if (text.length > 2) throw new LineError(`location '${printable(text)}' is longer than two characters`);
  // tinydns pads a one-character location with a zero byte, and a location of two zero bytes is none.
  return text.replace(/\0+$/, '');
}

/** a.b.c.d, or empty (no address). */
function address(text: string): Uint8Array | null {
  if (text === '') return null;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null || m.slice(1).some((o) => Number(o) > 255)) throw new LineError(`bad IPv4 address '${printable(text)}'`);
  return Uint8Array.from(m.slice(1).map(Number));
}

/** A `%` line's prefix: zero to four dotted octets (`192.168`, `10.`, empty for every client). */
function ipPrefix(text: string): Uint8Array {
  if (text === '') return new Uint8Array(0);
  const m = /^\d{1,3}(\.\d{1,3}){0,3}\.?$/.exec(text);
  const octets = text.split('.').filter((o) => o !== '').map(Number);
  if (m === null || octets.some((o) => o > 255)) {
    throw new LineError(`bad IPv4 prefix '${printable(text)}' (whole octets: 10, 192.168, 192.168.1)`);
  }
  return Uint8Array.from(octets);
}

/** d.c.b.a.in-addr.arpa for a.b.c.d. */
function reverseName(ip: Uint8Array): WireName {
  const labels = [...ip].reverse().map(String);
  labels.push('in-addr', 'arpa');
  const out: number[] = [];
  for (const l of labels) out.push(l.length, ...latin1(l));
  out.push(0);
  return Uint8Array.from(out);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
