// Character-string types: TXT, SPF (one or more strings), HINFO (cpu os), URI.

import { RdataError, decodeString, writeCharString } from './common.ts';
import type { Fields, Writer } from './common.ts';

/** TXT / SPF: one or more <character-string>s, each at most 255 bytes. */
export function parseTXT(f: Fields, w: Writer): void {
  if (!f.more()) throw new RdataError('missing TXT string');
  let n = 1;
  while (f.more()) {
    writeCharString(w, f.next('TXT string'), `TXT string ${n}`);
    n++;
  }
}

/** HINFO: cpu os. */
export function parseHINFO(f: Fields, w: Writer): void {
  writeCharString(w, f.next('HINFO CPU'), 'HINFO CPU');
  writeCharString(w, f.next('HINFO OS'), 'HINFO OS');
  f.done();
}

/** URI (RFC 7553): priority weight "target" (target takes the rest of the RDATA). */
export function parseURI(f: Fields, w: Writer): void {
  w.u16(f.u16('URI priority'));
  w.u16(f.u16('URI weight'));
  const target = decodeString(f.next('URI target'), 'URI target');
  if (target.length === 0) throw new RdataError('empty URI target');
  w.bytes(target);
  f.done();
}
