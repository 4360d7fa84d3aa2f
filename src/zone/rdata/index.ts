// Presentation -> wire RDATA dispatch by RR type.

import * as T from '../types.ts';
import { RdataError } from './common.ts';
import type { Fields, Writer } from './common.ts';
import { parseA, parseAAAA, parseEUI48, parseEUI64, parseL32, parseNidL64 } from './address.ts';
import { parseMINFO, parseRP, parseSingleName } from './names.ts';
import { parseSOA } from './soa.ts';
import { parseAFSDB, parseLP, parseMX, parsePX, parseSRV } from './mx-srv.ts';
import { parseHINFO, parseTXT, parseURI } from './text.ts';
import { parseNAPTR } from './naptr.ts';
import { parseCAA } from './caa.ts';
import {
  parseBase64Blob, parseCERT, parseCSYNC, parseDNSKEY, parseDS, parseNSEC, parseNSEC3,
  parseNSEC3PARAM, parseRRSIG, parseZONEMD,
} from './dnssec.ts';
import { parseSSHFP, parseTLSA } from './sshfp-tlsa.ts';
import { parseSVCB } from './svcb.ts';
import { parseLOC } from './loc.ts';
import { parseGeneric } from './unknown.ts';

export type RdataParser = (f: Fields, w: Writer) => void;

const PARSERS = new Map<number, RdataParser>([
  [T.TYPE_A, parseA],
  [T.TYPE_NS, parseSingleName],
  [T.TYPE_MD, parseSingleName],
  [T.TYPE_MF, parseSingleName],
  [T.TYPE_CNAME, parseSingleName],
  [T.TYPE_SOA, parseSOA],
  [T.TYPE_MB, parseSingleName],
  [T.TYPE_MG, parseSingleName],
  [T.TYPE_MR, parseSingleName],
  [T.TYPE_PTR, parseSingleName],
  [T.TYPE_HINFO, parseHINFO],
  [T.TYPE_MINFO, parseMINFO],
  [T.TYPE_MX, parseMX],
  [T.TYPE_TXT, parseTXT],
  [T.TYPE_RP, parseRP],
  [T.TYPE_AFSDB, parseAFSDB],
  [T.TYPE_RT, parseMX],
  [T.TYPE_SIG, parseRRSIG],
  [T.TYPE_KEY, parseDNSKEY],
  [T.TYPE_PX, parsePX],
  [T.TYPE_AAAA, parseAAAA],
  [T.TYPE_LOC, parseLOC],
  [T.TYPE_SRV, parseSRV],
  [T.TYPE_NAPTR, parseNAPTR],
  [T.TYPE_KX, parseMX],
  [T.TYPE_CERT, parseCERT],
  [T.TYPE_DNAME, parseSingleName],
  [T.TYPE_DS, parseDS],
  [T.TYPE_SSHFP, parseSSHFP],
  [T.TYPE_RRSIG, parseRRSIG],
  [T.TYPE_NSEC, parseNSEC],
  [T.TYPE_DNSKEY, parseDNSKEY],
  [T.TYPE_DHCID, parseBase64Blob],
  [T.TYPE_NSEC3, parseNSEC3],
  [T.TYPE_NSEC3PARAM, parseNSEC3PARAM],
  [T.TYPE_TLSA, parseTLSA],
  [T.TYPE_SMIMEA, parseTLSA],
  [T.TYPE_CDS, parseDS],
  [T.TYPE_CDNSKEY, parseDNSKEY],
  [T.TYPE_OPENPGPKEY, parseBase64Blob],
  [T.TYPE_CSYNC, parseCSYNC],
  [T.TYPE_ZONEMD, parseZONEMD],
  [T.TYPE_SVCB, parseSVCB],
  [T.TYPE_HTTPS, parseSVCB],
  [T.TYPE_SPF, parseTXT],
  [T.TYPE_NID, parseNidL64],
  [T.TYPE_L32, parseL32],
  [T.TYPE_L64, parseNidL64],
  [T.TYPE_LP, parseLP],
  [T.TYPE_EUI48, parseEUI48],
  [T.TYPE_EUI64, parseEUI64],
  [T.TYPE_URI, parseURI],
  [T.TYPE_CAA, parseCAA],
  [32769, parseDS], // DLV
]);

/** Types that never appear as zone data. */
const META_TYPES = new Set([T.TYPE_OPT, T.TYPE_TKEY, T.TYPE_TSIG, T.TYPE_IXFR, T.TYPE_AXFR, T.TYPE_MAILA, T.TYPE_MAILB, T.TYPE_ANY]);

/** Whether `type` can be given in zone data at all. */
export function isDataType(type: number): boolean {
  return type !== 0 && !META_TYPES.has(type);
}

/**
 * Encode the RDATA in `f` (cursor positioned at the first RDATA token) for `type` into `w`
 * (already reset). Handles the RFC 3597 `\#` form for every type. Throws RdataError.
 */
export function encodeRdata(type: number, f: Fields, w: Writer): void {
  if (f.more() && f.tokens[f.pos] === '\\#' && !f.quoted[f.pos]) {
    f.pos++;
    parseGeneric(f, w);
    return;
  }
  const p = PARSERS.get(type);
  if (p === undefined) {
    throw new RdataError(`no presentation format known for ${T.typeToText(type)}; use the RFC 3597 form \\# length hex`);
  }
  p(f, w);
}
