// SOA: mname rname serial refresh retry expire minimum (timers may use TTL units).

import { parseInterval } from './common.ts';
import type { Fields, Writer } from './common.ts';

export function parseSOA(f: Fields, w: Writer): void {
  w.bytes(f.name('SOA primary server name'));
  w.bytes(f.name('SOA responsible mailbox'));
  w.u32(f.u32('SOA serial'));
  w.u32(parseInterval(f.next('SOA refresh'), 'SOA refresh'));
  w.u32(parseInterval(f.next('SOA retry'), 'SOA retry'));
  w.u32(parseInterval(f.next('SOA expire'), 'SOA expire'));
  w.u32(parseInterval(f.next('SOA minimum'), 'SOA minimum'));
  f.done();
}
