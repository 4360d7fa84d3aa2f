// SVCB / HTTPS (RFC 9460): priority target [key[=value]]...
// Values are char-strings (quoted or not); list values (mandatory, alpn, ipv4hint, ipv6hint)
// are comma-separated, with `\,` for a literal comma inside an item (RFC 9460 Appendix A.1).

import { RdataError, decodeBase64, decodeString, parseUint } from './common.ts';
import type { Fields, Writer } from './common.ts';
import { parseIpv4Into, parseIpv6Into } from './address.ts';

const KEY_MANDATORY = 0;
const KEY_ALPN = 1;
const KEY_NO_DEFAULT_ALPN = 2;
const KEY_PORT = 3;
const KEY_IPV4HINT = 4;
const KEY_ECH = 5;
const KEY_IPV6HINT = 6;
const KEY_DOHPATH = 7;
const KEY_OHTTP = 8;

const KEY_NAMES: Record<string, number> = {
  mandatory: KEY_MANDATORY,
  alpn: KEY_ALPN,
  'no-default-alpn': KEY_NO_DEFAULT_ALPN,
  port: KEY_PORT,
  ipv4hint: KEY_IPV4HINT,
  ech: KEY_ECH,
  ipv6hint: KEY_IPV6HINT,
  dohpath: KEY_DOHPATH,
  ohttp: KEY_OHTTP,
};

/** SvcParamKey from its presentation name or keyNNNNN. */
export function svcKeyFromText(t: string): number {
  const k = KEY_NAMES[t];
  if (k !== undefined) return k;
  if (/^key[0-9]{1,5}$/.test(t)) {
    const v = Number(t.slice(3));
    if (v === 65535) throw new RdataError(`SVCB key '${t}' is reserved`);
    if (v <= 0xffff) return v;
  }
  throw new RdataError(`unknown SVCB key '${t}'`);
}

/** Split a decoded value into comma-separated items, honouring `\,` and `\\`. */
function splitList(v: Uint8Array, key: string): Uint8Array[] {
  const items: Uint8Array[] = [];
  let cur: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === 0x5c) {
      if (i + 1 >= v.length) throw new RdataError(`bad SVCB ${key} value: dangling backslash`);
      cur.push(v[++i]);
    } else if (c === 0x2c) {
      if (cur.length === 0) throw new RdataError(`bad SVCB ${key} value: empty item`);
      items.push(Uint8Array.from(cur));
      cur = [];
    } else {
      cur.push(c);
    }
  }
  if (cur.length === 0) throw new RdataError(`bad SVCB ${key} value: empty item`);
  items.push(Uint8Array.from(cur));
  return items;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function encodeValue(key: number, keyText: string, raw: Uint8Array | null): Uint8Array {
  const need = (): Uint8Array => {
    if (raw === null || raw.length === 0) throw new RdataError(`SVCB ${keyText} needs a value`);
    return raw;
  };
  switch (key) {
    case KEY_MANDATORY: {
      const keys = splitList(need(), keyText).map((it) => svcKeyFromText(latin1(it)));
      keys.sort((a, b) => a - b);
      const out = new Uint8Array(keys.length * 2);
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] === KEY_MANDATORY) throw new RdataError('SVCB mandatory must not list mandatory');
        if (i > 0 && keys[i] === keys[i - 1]) throw new RdataError(`SVCB mandatory lists key${keys[i]} twice`);
        out[2 * i] = keys[i] >>> 8;
        out[2 * i + 1] = keys[i] & 0xff;
      }
      return out;
    }
    case KEY_ALPN: {
      const ids = splitList(need(), keyText);
      const parts: number[] = [];
      for (const id of ids) {
        if (id.length > 255) throw new RdataError('SVCB alpn id longer than 255 bytes');
        parts.push(id.length, ...id);
      }
      return Uint8Array.from(parts);
    }
    case KEY_NO_DEFAULT_ALPN:
    case KEY_OHTTP:
      if (raw !== null && raw.length > 0) throw new RdataError(`SVCB ${keyText} takes no value`);
      return new Uint8Array(0);
    case KEY_PORT: {
      const out = new Uint8Array(2);
      const p = parseUint(latin1(need()), 0xffff, 'SVCB port');
      out[0] = p >>> 8;
      out[1] = p & 0xff;
      return out;
    }
    case KEY_IPV4HINT: {
      const addrs = splitList(need(), keyText);
      const out = new Uint8Array(addrs.length * 4);
      addrs.forEach((a, i) => {
        const s = latin1(a);
        if (!parseIpv4Into(s, out, i * 4)) throw new RdataError(`bad SVCB ipv4hint '${s}'`);
      });
      return out;
    }
    case KEY_IPV6HINT: {
      const addrs = splitList(need(), keyText);
      const out = new Uint8Array(addrs.length * 16);
      addrs.forEach((a, i) => {
        const s = latin1(a);
        if (!parseIpv6Into(s, out, i * 16)) throw new RdataError(`bad SVCB ipv6hint '${s}'`);
      });
      return out;
    }
    case KEY_ECH:
      return decodeBase64(latin1(need()), 'SVCB ech');
    case KEY_DOHPATH:
      return need();
    default:
      return raw ?? new Uint8Array(0);
  }
}

export function parseSVCB(f: Fields, w: Writer): void {
  const priority = f.u16('SVCB priority');
  w.u16(priority);
  w.bytes(f.name('SVCB target name'));
  const params: { key: number; value: Uint8Array }[] = [];
  while (f.more()) {
    const tok = f.next('SVCB parameter');
    const eq = tok.indexOf('=');
    const keyText = eq < 0 ? tok : tok.slice(0, eq);
    const key = svcKeyFromText(keyText);
    let raw: Uint8Array | null = null;
    if (eq >= 0) {
      let v = tok.slice(eq + 1);
      if (v.length === 0 && f.nextIsQuoted()) {
        v = f.next('SVCB value');
      } else if (v.length >= 2 && v.charCodeAt(0) === 0x22 && v.charCodeAt(v.length - 1) === 0x22) {
        v = v.slice(1, -1);
      }
      raw = decodeString(v, `SVCB ${keyText} value`);
    }
    const value = encodeValue(key, keyText, raw);
    if (value.length > 0xffff) throw new RdataError(`SVCB ${keyText} value too long`);
    params.push({ key, value });
  }
  params.sort((a, b) => a.key - b.key);
  for (let i = 1; i < params.length; i++) {
    if (params[i].key === params[i - 1].key) throw new RdataError(`SVCB key${params[i].key} given twice`);
  }
  const present = new Set(params.map((p) => p.key));
  const mand = params.find((p) => p.key === KEY_MANDATORY);
  if (mand !== undefined) {
    for (let i = 0; i < mand.value.length; i += 2) {
      const k = (mand.value[i] << 8) | mand.value[i + 1];
      if (!present.has(k)) throw new RdataError(`SVCB mandatory key${k} is missing`);
    }
  }
  if (present.has(KEY_NO_DEFAULT_ALPN) && !present.has(KEY_ALPN)) {
    throw new RdataError('SVCB no-default-alpn requires alpn');
  }
  for (const p of params) {
    w.u16(p.key);
    w.u16(p.value.length);
    w.bytes(p.value);
  }
}
