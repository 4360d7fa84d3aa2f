// The compiled zone image format, shared by the compiler (writer) and the workers (readers).
//
// One zone = one SharedArrayBuffer, written once by the primary, then read-only. Every
// structure is 4-byte aligned and read through a Uint32Array (u32 fields) or a Uint16Array
// (u16 fields, template headers), both in the machine's byte order: the image never leaves
// the process that made it.
//
//  ┌───────────────────────────────────────────────────────────────────────────────────┐
//  │ header          HEADER_WORDS u32 (see H_*)                                        │
//  │ names           lowercased wire names of every node, back to back (4-aligned end) │
//  │ templates       response templates (see below), each 4-aligned                    │
//  │ groups          template groups: u32 count, then count × u32 template offsets      │
//  │ type tables     per node: u32 count, then count × {u32 qtype, u32 group, u32 doGroup}│
//  │ nodes           NODE_WORDS u32 per node (see N_*)                                 │
//  │ hash table      u32 per slot: node index + 1, 0 = empty; linear probing            │
//  └───────────────────────────────────────────────────────────────────────────────────┘
//
// Names are hashed with `hashName` (name-hash.ts) over their lowercased wire bytes without
// the final root label, in reverse byte order, so a query's every suffix hash falls out of
// one right-to-left pass.
//
// tinydns split horizon (locations): a zone whose answers depend on the client's location is
// several images with the same apex, published side by side: the one for every other client
// (H_LOCATION 0) carries the location table, each other one names its location in H_LOCATION
// (the one or two characters of the `%` line, as a u16: first char << 8 | second). Workers group
// images by apex and, only for a zone that has such images, find the client's location in the
// table and answer from that location's image (or the other one). Zones without locations pay
// nothing.
// Location table (H_LOCATION_TABLE, 0 if none): u32 count, then count × {u32 prefix bytes
// (first address byte in the high byte), u32 prefix length in bytes (0-4), u32 location}, in
// the file's order; a client is in the location of the longest prefix it matches (the first
// of equal length), as tinydns decides.
//
// Template (offset T, 4-aligned; u16 fields at T/2 + k in a Uint16Array):
//   +0  flags       low 4 bits RCODE, bit 8 AA, bit 9 AUTH_OPTIONAL (tinydns: leave the
//                   authority section out, without TC, when it does not fit)
//   +1  nominalLen  wire length of the question name this template was written for
//   +2  ancount     +3 nscount     +4 arcount
//   +5  bodyLen     bytes of body (answer, authority and additional sections)
//   +6  pointerCount  +7 additionalCount
//   +8  proof       PROOF_* bits: proof fragments the worker adds to the authority section
//   +9  split       body offset where the additional section starts
//   +10 answerSigs  body offset where the answer's RRSIGs start (a DNAME's synthesized CNAME
//                   and the chased answer go before them, in Knot's order)
//   +11 authStart   body offset where the authority section starts
//   +12 authSigs    body offset where the authority's RRSIGs start (fragments' NSEC/NSEC3
//                   records go before them, their RRSIGs after them, as Knot orders them)
//   +13 unitCount   RRsets in answer and authority
//   +14 pointerCount × u16  body offsets of every compression pointer, for relocation
//   then unitCount × 2 u16: {start, records} — each answer/authority RRset, in order, so a
//                   response that does not fit is cut after the last whole RRset (Knot: TC)
//   then additionalCount × 4 u16: {start, end, records, depends | ADD_REQUIRED} — each
//                   additional RRset's body range; `depends` is 1 + the index of the entry a
//                   signature belongs to; ADD_REQUIRED marks glue below the cut (TC if left out)
//   then body bytes, as they follow the question in the response
//
// Names are compressed as Knot compresses them (one remembered suffix, owners pointing at
// earlier occurrences), so a response has Knot's size and is cut where Knot cuts it.
// Pointers are written for the nominal message (header, question with the nominal name,
// body). When a template is copied elsewhere, each pointer is moved by where its target
// went: the question name itself (offset 12) stays 12 — or becomes the offset of the name
// the template answers for (a name synthesized from a DNAME); a suffix of the question
// name moves with the end of the name actually there; a target in the body moves with the
// part of the body it is in. So a template written for `*.X` (wildcard answers, NXDOMAIN,
// NODATA, referrals for names below a cut) serves any name below X.
//
// Additional owners point back at the names in answer/authority RDATA, never into the
// additional section, so any additional RRset can be left out when a response would not fit
// (Knot fills additional data greedily).
//
// Node record (NODE_WORDS u32):
//   N_NAME      offset of the node's lowercased wire name
//   N_NAMELEN   low 16 bits name length, high 16 bits NODE_* flags
//   N_HASH      hashName of the name
//   N_TYPES     offset of the type table (qtype → template group)
//   N_DEFAULT   group for a qtype not in the table (NODATA, CNAME chain, referral)
//   N_ANY       group for QTYPE=ANY (RFC 8482: one RRset, over UDP and TCP, as Knot does)
//   N_BELOW     group for names below this node that do not exist (NXDOMAIN, referral, DNAME)
//   N_WILDCARD  node index + 1 of `*.<this>`, 0 if none
//   N_DNAME     offset of a DNAME record {u32 ttl, u32 target offset, u32 target length}, 0 if none
//   N_DEFAULT_DO, N_ANY_DO, N_BELOW_DO   the same with DNSSEC records (DO=1)
//   N_PROOF, N_PROOF2  fragments proving this name has no data of a type: its NSEC (or the one
//               covering an empty non-terminal), its matching NSEC3, or an opt-out proof
//   N_WILD_PROOF  fragment denying `*.<this>`: the NSEC or NSEC3 covering it
//
// Fragments are proof records (an NSEC or NSEC3 RRset and its RRSIGs, format in
// compile/template-writer.ts writeFragment) that workers add where a template's PROOF_* bits
// ask. Fragment ids are 1-based indexes into the fragment table (u32 count, count × u32 offset).
//
// NSEC table: u32 count, then count × {u32 key offset, u32 key length, u32 fragment id}, in
// canonical order; a key is the owner's labels right to left, each [length][bytes], so a
// query name is compared without allocation.
// NSEC3 table: u32 count, u32 iterations, u32 salt offset, u32 salt length, then
// count × {u32 hash offset (20 bytes), u32 fragment id}, in hash order.

export const IMAGE_MAGIC = 0x4e524750; // 'PGRN'
export const IMAGE_VERSION = 2;

export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_LENGTH = 2;
export const H_APEX = 3;
export const H_APEX_LEN = 4;
export const H_HASH = 5;
export const H_HASH_MASK = 6;
export const H_NODES = 7;
export const H_NODE_COUNT = 8;
export const H_SERIAL = 9;
export const H_FLAGS = 10;
export const H_RECORDS = 11;
export const H_DENIAL = 12;
export const H_FRAGMENTS = 13;
export const H_NSEC_TABLE = 14;
export const H_NSEC3_TABLE = 15;
/** tinydns location this image answers for (0: every client of no other image of the zone). */
export const H_LOCATION = 16;
/** Offset of the location table (see above), 0 if none. */
export const H_LOCATION_TABLE = 17;
/**
 * The zone's cell in the per-zone query counters + 1 (0: not counted), written by the primary
 * before it first publishes the image (src/primary/zone-metrics.ts), never after; the compiler leaves 0.
 */
export const H_METRICS_SLOT = 18;
export const HEADER_WORDS = 19;

export const DENIAL_NONE = 0;
export const DENIAL_NSEC = 1;
export const DENIAL_NSEC3 = 2;

export const IMAGE_SIGNED = 1;
export const IMAGE_NSEC3 = 2;
/** Answers shaped as tinydns shapes them: DS at the apex is the zone's own, not its parent's. */
export const IMAGE_TINYDNS = 4;
/**
 * Set on a copy of the image of a secondary zone whose SOA expire time passed without a
 * successful refresh: workers answer SERVFAIL for it (RFC 1035 §4.3.5 "no longer authoritative").
 */
export const IMAGE_EXPIRED = 8;

export const N_NAME = 0;
export const N_NAMELEN = 1;
export const N_HASH = 2;
export const N_TYPES = 3;
export const N_DEFAULT = 4;
export const N_ANY = 5;
export const N_BELOW = 6;
export const N_WILDCARD = 7;
export const N_DNAME = 8;
export const N_DEFAULT_DO = 9;
export const N_ANY_DO = 10;
export const N_BELOW_DO = 11;
export const N_PROOF = 12;
export const N_PROOF2 = 13;
export const N_WILD_PROOF = 14;
export const NODE_WORDS = 15;

/** Node answers for its own data (flag absent: it is a cut or sits below one / a DNAME). */
export const NODE_AUTH = 1;
export const NODE_APEX = 2;
export const NODE_CUT = 4;
/** Below a zone cut (glue) or below a DNAME: never answered from its own data. */
export const NODE_OCCLUDED = 8;
export const NODE_ENT = 16;

export const T_FLAGS = 0;
export const T_NOMINAL = 1;
export const T_AN = 2;
export const T_NS = 3;
export const T_AR = 4;
export const T_BODYLEN = 5;
export const T_RELOCS = 6;
export const T_CUTS = 7;
export const T_PROOF = 8;
export const T_SPLIT = 9;
export const T_ANSWER_SIGS = 10;
export const T_AUTH_START = 11;
export const T_AUTH_SIGS = 12;
export const T_UNITS = 13;
export const T_HEADER_U16 = 14;
export const T_AA = 0x100;
export const T_AUTH_OPTIONAL = 0x200;
export const ADD_REQUIRED = 0x8000;

/** Add the answering node's N_PROOF and N_PROOF2 fragments. */
export const PROOF_NODE = 1;
/** Add the closest encloser's N_PROOF (its matching NSEC3). */
export const PROOF_ENCLOSER = 2;
/** Add the closest encloser's N_WILD_PROOF (no wildcard below it). */
export const PROOF_ENCLOSER_WILDCARD = 4;
/** Search at query time: NSEC covering the query name, or NSEC3 covering its next closer. */
export const PROOF_QNAME = 8;

/** Compression targets stay below this so a pointer moved by any delta (≤ 255) stays valid. */
export const MAX_POINTER_TARGET = 0x3f00 - 256;
