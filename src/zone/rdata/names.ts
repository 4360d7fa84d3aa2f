// Name-only RDATA: NS, CNAME, DNAME, PTR, MB, MG, MR, MD, MF (one name); MINFO, RP (two names).

import type { Fields, Writer } from './common.ts';

export function parseSingleName(f: Fields, w: Writer): void {
  w.bytes(f.name('target name'));
  f.done();
}

/** MINFO: rmailbx emailbx. */
export function parseMINFO(f: Fields, w: Writer): void {
  w.bytes(f.name('responsible mailbox'));
  w.bytes(f.name('error mailbox'));
  f.done();
}

/** RP: mbox-dname txt-dname. */
export function parseRP(f: Fields, w: Writer): void {
  w.bytes(f.name('mailbox name'));
  w.bytes(f.name('TXT name'));
  f.done();
}
