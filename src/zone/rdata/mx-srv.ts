// Preference + name types (MX, AFSDB, RT, KX, LP), PX, and SRV.

import type { Fields, Writer } from './common.ts';

/** MX, KX, RT: preference exchange. */
export function parseMX(f: Fields, w: Writer): void {
  w.u16(f.u16('preference'));
  w.bytes(f.name('exchange name'));
  f.done();
}

/** AFSDB: subtype hostname. */
export function parseAFSDB(f: Fields, w: Writer): void {
  w.u16(f.u16('subtype'));
  w.bytes(f.name('hostname'));
  f.done();
}

/** LP (RFC 6742): preference FQDN. */
export function parseLP(f: Fields, w: Writer): void {
  w.u16(f.u16('preference'));
  w.bytes(f.name('locator name'));
  f.done();
}

/** PX: preference map822 mapx400. */
export function parsePX(f: Fields, w: Writer): void {
  w.u16(f.u16('preference'));
  w.bytes(f.name('MAP822 name'));
  w.bytes(f.name('MAPX400 name'));
  f.done();
}

/** SRV: priority weight port target. */
export function parseSRV(f: Fields, w: Writer): void {
  w.u16(f.u16('SRV priority'));
  w.u16(f.u16('SRV weight'));
  w.u16(f.u16('SRV port'));
  w.bytes(f.name('SRV target'));
  f.done();
}
