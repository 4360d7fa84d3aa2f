// DNSSEC and digest types: DS/CDS, DNSKEY/CDNSKEY/KEY, RRSIG/SIG, NSEC, NSEC3, NSEC3PARAM,
// CSYNC, ZONEMD, plus base64 blobs (DHCID, OPENPGPKEY) and CERT.

import {
  RdataError,
  decodeBase32Hex,
  decodeBase64,
  decodeHex,
  parseAlgorithm,
  parseInterval,
  parseTypeField,
  parseUint,
  writeTypeBitmap,
} from './common.ts';
import type { Fields, Writer } from './common.ts';

const DS_DIGEST_LENGTH: Record<number, number> = { 1: 20, 2: 32, 3: 32, 4: 48 };

/** DS / CDS: key-tag algorithm digest-type digest (hex, may be split by spaces). */
export function parseDS(f: Fields, w: Writer): void {
  w.u16(f.u16('DS key tag'));
  w.u8(parseAlgorithm(f.next('DS algorithm'), 'DS algorithm'));
  const dt = f.u8('DS digest type');
  w.u8(dt);
  const digest = decodeHex(f.rest('DS digest'), 'DS digest');
  const want = DS_DIGEST_LENGTH[dt];
  if (want !== undefined && digest.length !== want) {
    throw new RdataError(`bad DS digest: ${digest.length} bytes, digest type ${dt} needs ${want}`);
  }
  w.bytes(digest);
}

/** DNSKEY / CDNSKEY / KEY: flags protocol algorithm public-key (base64, may be split). */
export function parseDNSKEY(f: Fields, w: Writer): void {
  w.u16(f.u16('DNSKEY flags'));
  w.u8(f.u8('DNSKEY protocol'));
  w.u8(parseAlgorithm(f.next('DNSKEY algorithm'), 'DNSKEY algorithm'));
  w.bytes(decodeBase64(f.rest('DNSKEY public key'), 'DNSKEY public key'));
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** RRSIG time: YYYYMMDDHHmmSS (UTC) or plain seconds since the epoch; result is mod 2^32. */
export function parseSigTime(t: string, field: string): number {
  if (t.length <= 10) return parseUint(t, 0xffffffff, field);
  if (t.length !== 14 || !/^[0-9]{14}$/.test(t)) {
    throw new RdataError(`bad ${field} '${t}': expected YYYYMMDDHHmmSS or seconds`);
  }
  const y = +t.slice(0, 4);
  const mo = +t.slice(4, 6);
  const d = +t.slice(6, 8);
  const h = +t.slice(8, 10);
  const mi = +t.slice(10, 12);
  const s = +t.slice(12, 14);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (
    y < 1970 || mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1] || (mo === 2 && d === 29 && !leap) ||
    h > 23 || mi > 59 || s > 60
  ) {
    throw new RdataError(`bad ${field} '${t}': not a valid date`);
  }
  const secs = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  return secs % 0x100000000;
}

/** RRSIG / SIG: type-covered alg labels original-ttl expiration inception key-tag signer signature. */
export function parseRRSIG(f: Fields, w: Writer): void {
  w.u16(parseTypeField(f.next('RRSIG type covered'), 'RRSIG type covered'));
  w.u8(parseAlgorithm(f.next('RRSIG algorithm'), 'RRSIG algorithm'));
  w.u8(f.u8('RRSIG labels'));
  const ttl = f.next('RRSIG original TTL');
  w.u32(parseInterval(ttl, 'RRSIG original TTL'));
  w.u32(parseSigTime(f.next('RRSIG expiration'), 'RRSIG expiration'));
  w.u32(parseSigTime(f.next('RRSIG inception'), 'RRSIG inception'));
  w.u16(f.u16('RRSIG key tag'));
  w.bytes(f.name('RRSIG signer name'));
  w.bytes(decodeBase64(f.rest('RRSIG signature'), 'RRSIG signature'));
}

/** NSEC: next-domain type... */
export function parseNSEC(f: Fields, w: Writer): void {
  w.bytes(f.name('NSEC next domain name'));
  writeTypeBitmap(f, w, 'NSEC type list');
}

function writeSalt(f: Fields, w: Writer, field: string): void {
  const t = f.next(field);
  if (t === '-') {
    w.u8(0);
    return;
  }
  const salt = decodeHex(t, field);
  if (salt.length > 255) throw new RdataError(`${field} longer than 255 bytes`);
  w.u8(salt.length);
  w.bytes(salt);
}

/** NSEC3: hash-alg flags iterations salt next-hashed-owner (base32hex) type... */
export function parseNSEC3(f: Fields, w: Writer): void {
  w.u8(f.u8('NSEC3 hash algorithm'));
  w.u8(f.u8('NSEC3 flags'));
  w.u16(f.u16('NSEC3 iterations'));
  writeSalt(f, w, 'NSEC3 salt');
  const t = f.next('NSEC3 next hashed owner');
  const next = decodeBase32Hex(t, 'NSEC3 next hashed owner');
  if (next.length === 0 || next.length > 255) throw new RdataError(`bad NSEC3 next hashed owner '${t}'`);
  w.u8(next.length);
  w.bytes(next);
  writeTypeBitmap(f, w, 'NSEC3 type list');
}

/** NSEC3PARAM: hash-alg flags iterations salt. */
export function parseNSEC3PARAM(f: Fields, w: Writer): void {
  w.u8(f.u8('NSEC3PARAM hash algorithm'));
  w.u8(f.u8('NSEC3PARAM flags'));
  w.u16(f.u16('NSEC3PARAM iterations'));
  writeSalt(f, w, 'NSEC3PARAM salt');
  f.done();
}

/** CSYNC (RFC 7477): soa-serial flags type... */
export function parseCSYNC(f: Fields, w: Writer): void {
  w.u32(f.u32('CSYNC SOA serial'));
  w.u16(f.u16('CSYNC flags'));
  writeTypeBitmap(f, w, 'CSYNC type list');
}

/** ZONEMD (RFC 8976): serial scheme hash-algorithm digest (hex, may be split). */
export function parseZONEMD(f: Fields, w: Writer): void {
  w.u32(f.u32('ZONEMD serial'));
  const scheme = f.u8('ZONEMD scheme');
  w.u8(scheme);
  const alg = f.u8('ZONEMD hash algorithm');
  w.u8(alg);
  const digest = decodeHex(f.rest('ZONEMD digest'), 'ZONEMD digest');
  if (digest.length < 12) throw new RdataError(`bad ZONEMD digest: ${digest.length} bytes, at least 12 needed`);
  const want = scheme === 1 ? (alg === 1 ? 48 : alg === 2 ? 64 : -1) : -1;
  if (want > 0 && digest.length !== want) {
    throw new RdataError(`bad ZONEMD digest: ${digest.length} bytes, hash algorithm ${alg} needs ${want}`);
  }
  w.bytes(digest);
}

/** DHCID, OPENPGPKEY: a base64 blob (may be split). */
export function parseBase64Blob(f: Fields, w: Writer): void {
  w.bytes(decodeBase64(f.rest('base64 data'), 'base64 data'));
}

const CERT_TYPES: Record<string, number> = {
  PKIX: 1, SPKI: 2, PGP: 3, IPKIX: 4, ISPKI: 5, IPGP: 6, ACPKIX: 7, IACPKIX: 8, URI: 253, OID: 254,
};

/** CERT (RFC 4398): type key-tag algorithm certificate (base64). */
export function parseCERT(f: Fields, w: Writer): void {
  const t = f.next('CERT type');
  const c = t.charCodeAt(0);
  let ct: number | undefined;
  if (c >= 0x30 && c <= 0x39) ct = parseUint(t, 0xffff, 'CERT type');
  else ct = CERT_TYPES[t.toUpperCase()];
  if (ct === undefined) throw new RdataError(`bad CERT type '${t}'`);
  w.u16(ct);
  w.u16(f.u16('CERT key tag'));
  w.u8(parseAlgorithm(f.next('CERT algorithm'), 'CERT algorithm'));
  w.bytes(decodeBase64(f.rest('CERT certificate'), 'CERT certificate'));
}
