// RR type and class registry: mnemonics <-> numbers, with RFC 3597 TYPEnnn / CLASSnnn forms.

export const TYPE_A = 1;
export const TYPE_NS = 2;
export const TYPE_MD = 3;
export const TYPE_MF = 4;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const TYPE_MB = 7;
export const TYPE_MG = 8;
export const TYPE_MR = 9;
export const TYPE_NULL = 10;
export const TYPE_WKS = 11;
export const TYPE_PTR = 12;
export const TYPE_HINFO = 13;
export const TYPE_MINFO = 14;
export const TYPE_MX = 15;
export const TYPE_TXT = 16;
export const TYPE_RP = 17;
export const TYPE_AFSDB = 18;
export const TYPE_X25 = 19;
export const TYPE_ISDN = 20;
export const TYPE_RT = 21;
export const TYPE_NSAP = 22;
export const TYPE_NSAP_PTR = 23;
export const TYPE_SIG = 24;
export const TYPE_KEY = 25;
export const TYPE_PX = 26;
export const TYPE_GPOS = 27;
export const TYPE_AAAA = 28;
export const TYPE_LOC = 29;
export const TYPE_NXT = 30;
export const TYPE_SRV = 33;
export const TYPE_NAPTR = 35;
export const TYPE_KX = 36;
export const TYPE_CERT = 37;
export const TYPE_A6 = 38;
export const TYPE_DNAME = 39;
export const TYPE_OPT = 41;
export const TYPE_APL = 42;
export const TYPE_DS = 43;
export const TYPE_SSHFP = 44;
export const TYPE_IPSECKEY = 45;
export const TYPE_RRSIG = 46;
export const TYPE_NSEC = 47;
export const TYPE_DNSKEY = 48;
export const TYPE_DHCID = 49;
export const TYPE_NSEC3 = 50;
export const TYPE_NSEC3PARAM = 51;
export const TYPE_TLSA = 52;
export const TYPE_SMIMEA = 53;
export const TYPE_HIP = 55;
export const TYPE_CDS = 59;
export const TYPE_CDNSKEY = 60;
export const TYPE_OPENPGPKEY = 61;
export const TYPE_CSYNC = 62;
export const TYPE_ZONEMD = 63;
export const TYPE_SVCB = 64;
export const TYPE_HTTPS = 65;
export const TYPE_SPF = 99;
export const TYPE_NID = 104;
export const TYPE_L32 = 105;
export const TYPE_L64 = 106;
export const TYPE_LP = 107;
export const TYPE_EUI48 = 108;
export const TYPE_EUI64 = 109;
export const TYPE_TKEY = 249;
export const TYPE_TSIG = 250;
export const TYPE_IXFR = 251;
export const TYPE_AXFR = 252;
export const TYPE_MAILB = 253;
export const TYPE_MAILA = 254;
export const TYPE_ANY = 255;
export const TYPE_URI = 256;
export const TYPE_CAA = 257;

export const CLASS_IN = 1;
export const CLASS_CH = 3;
export const CLASS_HS = 4;
export const CLASS_NONE = 254;
export const CLASS_ANY = 255;

const TYPES: ReadonlyArray<readonly [string, number]> = [
  ['A', TYPE_A], ['NS', TYPE_NS], ['MD', TYPE_MD], ['MF', TYPE_MF], ['CNAME', TYPE_CNAME],
  ['SOA', TYPE_SOA], ['MB', TYPE_MB], ['MG', TYPE_MG], ['MR', TYPE_MR], ['NULL', TYPE_NULL],
  ['WKS', TYPE_WKS], ['PTR', TYPE_PTR], ['HINFO', TYPE_HINFO], ['MINFO', TYPE_MINFO],
  ['MX', TYPE_MX], ['TXT', TYPE_TXT], ['RP', TYPE_RP], ['AFSDB', TYPE_AFSDB], ['X25', TYPE_X25],
  ['ISDN', TYPE_ISDN], ['RT', TYPE_RT], ['NSAP', TYPE_NSAP], ['NSAP-PTR', TYPE_NSAP_PTR],
  ['SIG', TYPE_SIG], ['KEY', TYPE_KEY], ['PX', TYPE_PX], ['GPOS', TYPE_GPOS], ['AAAA', TYPE_AAAA],
  ['LOC', TYPE_LOC], ['NXT', TYPE_NXT], ['SRV', TYPE_SRV], ['NAPTR', TYPE_NAPTR], ['KX', TYPE_KX],
  ['CERT', TYPE_CERT], ['A6', TYPE_A6], ['DNAME', TYPE_DNAME], ['OPT', TYPE_OPT], ['APL', TYPE_APL],
  ['DS', TYPE_DS], ['SSHFP', TYPE_SSHFP], ['IPSECKEY', TYPE_IPSECKEY], ['RRSIG', TYPE_RRSIG],
  ['NSEC', TYPE_NSEC], ['DNSKEY', TYPE_DNSKEY], ['DHCID', TYPE_DHCID], ['NSEC3', TYPE_NSEC3],
  ['NSEC3PARAM', TYPE_NSEC3PARAM], ['TLSA', TYPE_TLSA], ['SMIMEA', TYPE_SMIMEA], ['HIP', TYPE_HIP],
  ['CDS', TYPE_CDS], ['CDNSKEY', TYPE_CDNSKEY], ['OPENPGPKEY', TYPE_OPENPGPKEY],
  ['CSYNC', TYPE_CSYNC], ['ZONEMD', TYPE_ZONEMD], ['SVCB', TYPE_SVCB], ['HTTPS', TYPE_HTTPS],
  ['SPF', TYPE_SPF], ['NID', TYPE_NID], ['L32', TYPE_L32], ['L64', TYPE_L64], ['LP', TYPE_LP],
  ['EUI48', TYPE_EUI48], ['EUI64', TYPE_EUI64], ['TKEY', TYPE_TKEY], ['TSIG', TYPE_TSIG],
  ['IXFR', TYPE_IXFR], ['AXFR', TYPE_AXFR], ['MAILB', TYPE_MAILB], ['MAILA', TYPE_MAILA],
  ['ANY', TYPE_ANY], ['URI', TYPE_URI], ['CAA', TYPE_CAA], ['DLV', 32769],
];

const CLASSES: ReadonlyArray<readonly [string, number]> = [
  ['IN', CLASS_IN], ['CH', CLASS_CH], ['CHAOS', CLASS_CH], ['HS', CLASS_HS], ['HESIOD', CLASS_HS],
  ['NONE', CLASS_NONE], ['ANY', CLASS_ANY],
];

const typeByName = new Map<string, number>();
const nameByType = new Map<number, string>();
for (const [n, v] of TYPES) {
  typeByName.set(n, v);
  nameByType.set(v, n);
}
const classByName = new Map<string, number>();
const nameByClass = new Map<number, string>();
for (const [n, v] of CLASSES) {
  classByName.set(n, v);
  if (!nameByClass.has(v)) nameByClass.set(v, n);
}

/** Parse `prefix` + decimal 0..65535 (RFC 3597 TYPEnnn / CLASSnnn), case-insensitive prefix. */
function generic(s: string, prefix: string): number | undefined {
  const p = prefix.length;
  if (s.length <= p || s.length > p + 5) return undefined;
  if (s.slice(0, p).toUpperCase() !== prefix) return undefined;
  let v = 0;
  for (let i = p; i < s.length; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return v <= 0xffff ? v : undefined;
}

/** Type number for a mnemonic or `TYPEnnn` (case-insensitive); undefined if unknown. */
export function typeFromText(s: string): number | undefined {
  const v = typeByName.get(s);
  if (v !== undefined) return v;
  const u = s.toUpperCase();
  return typeByName.get(u) ?? generic(u, 'TYPE');
}

/** Mnemonic for a type number, or `TYPEnnn`. */
export function typeToText(n: number): string {
  return nameByType.get(n) ?? `TYPE${n}`;
}

/** Class number for `IN`, `CH`, `HS`, `NONE`, `ANY` or `CLASSnnn` (case-insensitive). */
export function classFromText(s: string): number | undefined {
  const v = classByName.get(s);
  if (v !== undefined) return v;
  const u = s.toUpperCase();
  return classByName.get(u) ?? generic(u, 'CLASS');
}

/** Mnemonic for a class number, or `CLASSnnn`. */
export function classToText(n: number): string {
  return nameByClass.get(n) ?? `CLASS${n}`;
}
