// Wire RDATA → presentation text, the inverse of src/zone/rdata/*: for the control API's record
// listings and the zone files it writes. Names come out absolute, so the text means the same
// under any $ORIGIN. Types without a renderer here, and RDATA that does not fit its type's
// layout, come out in the RFC 3597 form `\# LENGTH HEX`, which every type's parser accepts:
// whatever this returns parses back to the same bytes (checked on every call: a rendering that
// would not is replaced by the `\#` form).

import { Lexer } from './lexer.ts';
import { nameLength, nameToText } from './name.ts';
import { Fields, RdataError, Writer } from './rdata/common.ts';
import { formatIpv6 } from './rdata/address.ts';
import { encodeRdata } from './rdata/index.ts';
import * as T from './types.ts';

/** Thrown inside a renderer when the bytes do not fit the type; caught here (→ `\#` form). */
class Misfit extends Error {}

/** Cursor over one RDATA; every read is bounds-checked. */
class Reader {
  private readonly b: Uint8Array;
  pos = 0;

  constructor(b: Uint8Array) {
    this.b = b;
  }

  get left(): number {
    return this.b.length - this.pos;
  }

  u8(): number {
    if (this.left < 1) throw new Misfit();
    return this.b[this.pos++];
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  u32(): number {
    return ((this.u16() << 16) >>> 0) + this.u16();
  }

  bytes(n: number): Uint8Array {
    if (this.left < n) throw new Misfit();
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  rest(): Uint8Array {
    return this.bytes(this.left);
  }

  name(): string {
    let n: number;
    try {
      n = nameLength(this.b, this.pos);
    } catch {
      throw new Misfit();
    }
    if (n > this.left) throw new Misfit();
    return nameToText(this.bytes(n));
  }

  /** A <character-string>, quoted. */
  charString(): string {
    return quote(this.bytes(this.u8()));
  }

  end(): void {
    if (this.left !== 0) throw new Misfit();
  }
}

/** A quoted string: printable ASCII as is, `"` and `\` escaped, other bytes as `\DDD`. */
export function quote(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x22 || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c < 0x20 || c > 0x7e) s += '\\' + String(c).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return `${s}"`;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function ipv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}


type Renderer = (r: Reader) => string;

const singleName: Renderer = (r) => r.name();
const prefName: Renderer = (r) => `${r.u16()} ${r.name()}`;
const ds: Renderer = (r) => `${r.u16()} ${r.u8()} ${r.u8()} ${hexOrEmpty(r.rest())}`;
const dnskey: Renderer = (r) => {
  const head = `${r.u16()} ${r.u8()} ${r.u8()}`;
  const key = r.rest();
  if (key.length === 0) throw new Misfit();
  return `${head} ${base64(key)}`;
};
const strings: Renderer = (r) => {
  const parts: string[] = [];
  do parts.push(r.charString());
  while (r.left > 0);
  return parts.join(' ');
};

/** DS digests and the like may not be empty in presentation form: such RDATA goes out as `\#`. */
function hexOrEmpty(b: Uint8Array): string {
  if (b.length === 0) throw new Misfit();
  return hex(b);
}

const RENDERERS = new Map<number, Renderer>([
  [T.TYPE_A, (r) => ipv4(r.bytes(4))],
  [T.TYPE_AAAA, (r) => formatIpv6(r.bytes(16))],
  [T.TYPE_NS, singleName],
  [T.TYPE_MD, singleName],
  [T.TYPE_MF, singleName],
  [T.TYPE_CNAME, singleName],
  [T.TYPE_MB, singleName],
  [T.TYPE_MG, singleName],
  [T.TYPE_MR, singleName],
  [T.TYPE_PTR, singleName],
  [T.TYPE_DNAME, singleName],
  [T.TYPE_SOA, (r) => `${r.name()} ${r.name()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()}`],
  [T.TYPE_MINFO, (r) => `${r.name()} ${r.name()}`],
  [T.TYPE_RP, (r) => `${r.name()} ${r.name()}`],
  [T.TYPE_MX, prefName],
  [T.TYPE_RT, prefName],
  [T.TYPE_KX, prefName],
  [T.TYPE_AFSDB, prefName],
  [T.TYPE_PX, (r) => `${r.u16()} ${r.name()} ${r.name()}`],
  [T.TYPE_SRV, (r) => `${r.u16()} ${r.u16()} ${r.u16()} ${r.name()}`],
  [T.TYPE_TXT, strings],
  [T.TYPE_SPF, strings],
  [T.TYPE_HINFO, (r) => `${r.charString()} ${r.charString()}`],
  [T.TYPE_NAPTR, (r) => `${r.u16()} ${r.u16()} ${r.charString()} ${r.charString()} ${r.charString()} ${r.name()}`],
  [T.TYPE_URI, (r) => {
    const head = `${r.u16()} ${r.u16()}`;
    const target = r.rest();
    if (target.length === 0) throw new Misfit();
    return `${head} ${quote(target)}`;
  }],
  [T.TYPE_CAA, (r) => {
    const flags = r.u8();
    const tag = String.fromCharCode(...r.bytes(r.u8()));
    if (!/^[A-Za-z0-9]+$/.test(tag)) throw new Misfit();
    return `${flags} ${tag} ${quote(r.rest())}`;
  }],
  [T.TYPE_DS, ds],
  [T.TYPE_CDS, ds],
  [32769, ds], // DLV
  [T.TYPE_DNSKEY, dnskey],
  [T.TYPE_CDNSKEY, dnskey],
  [T.TYPE_KEY, dnskey],
  [T.TYPE_SSHFP, (r) => `${r.u8()} ${r.u8()} ${hexOrEmpty(r.rest())}`],
  [T.TYPE_TLSA, (r) => `${r.u8()} ${r.u8()} ${r.u8()} ${hexOrEmpty(r.rest())}`],
  [T.TYPE_SMIMEA, (r) => `${r.u8()} ${r.u8()} ${r.u8()} ${hexOrEmpty(r.rest())}`],
]);

/** RFC 3597 generic form: `\# LENGTH HEX` (`\# 0` for empty RDATA). */
export function genericRdataText(rdata: Uint8Array): string {
  return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${hex(rdata)}`;
}

/** Presentation text of `rdata` for `type`; parses back (src/zone/rdata) to the same bytes. */
export function rdataToText(type: number, rdata: Uint8Array): string {
  const render = RENDERERS.get(type);
  if (render === undefined) return genericRdataText(rdata);
  const r = new Reader(rdata);
  let text: string;
  try {
    text = render(r);
    r.end();
  } catch (err) {
    if (err instanceof Misfit) return genericRdataText(rdata);
    throw err;
  }
  const back = parseRdataText(type, text, null);
  return back !== null && equalBytes(back, rdata) ? text : genericRdataText(rdata);
}

const fields = new Fields();
const writer = new Writer();

/**
 * One record's RDATA in presentation form (the text a zone file has after the type) to wire form;
 * relative names are relative to `origin`. Returns null for text that is not one record's RDATA
 * of `type`; see rdataFromText for the reason.
 */
function parseRdataText(type: number, text: string, origin: Uint8Array | null): Uint8Array | null {
  try {
    return rdataFromText(type, text, origin);
  } catch (err) {
    if (err instanceof RdataError) return null;
    throw err;
  }
}

/**
 * Presentation RDATA → wire RDATA with the zone-file parsers (so every type they know works, and
 * the RFC 3597 `\#` form for any type). Throws RdataError saying what is wrong. Line breaks are
 * refused (one string is one record). The text is Unicode (JSON's): non-ASCII characters go in as
 * UTF-8 bytes.
 */
export function rdataFromText(type: number, text: string, origin: Uint8Array | null): Uint8Array {
  if (/[\r\n]/.test(text)) throw new RdataError('line breaks are not allowed in RDATA');
  if (hasComment(text)) throw new RdataError("unquoted ';' would start a comment: quote the string or write \\059");
  const t = /[^\u0000-\u007f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
  const lx = new Lexer(t);
  if (!lx.next()) throw new RdataError('empty RDATA');
  if (lx.error !== null) throw new RdataError(lx.error);
  const f = fields.reset(lx.tokens.slice(0, lx.count), lx.quoted.slice(0, lx.count), 0, lx.count, origin);
  const w = writer.reset();
  encodeRdata(type, f, w);
  f.done();
  return w.finish();
}

/** A `;` outside quotes and not escaped: the zone-file syntax would silently drop the rest. */
function hasComment(text: string): boolean {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) quoted = !quoted;
    else if (c === 0x3b && !quoted) return true;
  }
  return false;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
