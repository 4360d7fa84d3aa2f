// RFC 3597 generic RDATA: \# length hex... (valid for any type).

import { RdataError, decodeHex, parseUint } from './common.ts';
import type { Fields, Writer } from './common.ts';

/** Called with the cursor just after the `\#` token. */
export function parseGeneric(f: Fields, w: Writer): void {
  const len = parseUint(f.next('RFC 3597 RDATA length'), 0xffff, 'RFC 3597 RDATA length');
  const data = decodeHex(f.restOptional(), 'RFC 3597 RDATA');
  if (data.length !== len) {
    throw new RdataError(`RFC 3597 RDATA length ${len} does not match ${data.length} bytes of data`);
  }
  w.bytes(data);
}
