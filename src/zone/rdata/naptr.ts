// NAPTR (RFC 3403): order preference "flags" "services" "regexp" replacement.

import type { Fields, Writer } from './common.ts';
import { writeCharString } from './common.ts';

export function parseNAPTR(f: Fields, w: Writer): void {
  w.u16(f.u16('NAPTR order'));
  w.u16(f.u16('NAPTR preference'));
  writeCharString(w, f.next('NAPTR flags'), 'NAPTR flags');
  writeCharString(w, f.next('NAPTR services'), 'NAPTR services');
  writeCharString(w, f.next('NAPTR regexp'), 'NAPTR regexp');
  w.bytes(f.name('NAPTR replacement'));
  f.done();
}
