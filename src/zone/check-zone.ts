// Semantic checks on a parsed zone, in two grades. ERRORS are what knotd (default semantic checks)
// or NSD refuse to load a zone over: SOA missing, repeated or off the apex, CNAME beside other data
// or repeated, DNAME repeated or with names below it, owners outside the zone, RRsets too large for
// any DNS message. WARNINGS are what both load and serve, though it is probably a mistake (the
// zone serves): no NS at the apex, missing glue, NS/MX/SRV targets in the zone that are CNAMEs
// or have no address, TTLs that differ within one RRset. test/interop/zone-acceptance.test.ts
// pins the split against the real knotd and nsd. Data below a delegation point (occluded) is
// accepted, as Knot and NSD do.

import { WARN_ZONE_DATA, ZoneDataError } from '../errors.ts';
import type { ResourceRecord, WireName, Zone } from './model.ts';
import { isSubdomain, nameLength, nameToText } from './name.ts';
import { NameIndex } from './name-index.ts';
import {
  TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_DNAME, TYPE_MX, TYPE_NS, TYPE_NSEC, TYPE_RRSIG, TYPE_SOA, TYPE_SRV, typeToText,
} from './types.ts';

function where(rr: ResourceRecord, other: ResourceRecord): string {
  return other.source.file === rr.source.file ? `line ${other.source.line}` : `${other.source.file}:${other.source.line}`;
}

/** RRset identity within a node: (type, class), and for RRSIG the covered type as well. */
function setKeyOf(rr: ResourceRecord): number {
  if (rr.type === TYPE_RRSIG && rr.rdata.length >= 2) return -1 - (((rr.rdata[0] << 8) | rr.rdata[1]) * 65536 + rr.class);
  return rr.type * 65536 + rr.class;
}

function isWholeName(b: Uint8Array): boolean {
  try {
    return nameLength(b, 0) === b.length;
  } catch {
    return false;
  }
}

const CUT = 1;
const DNAME = 2;
const ADDR = 4;
const ALIAS = 8;

/** What checkZoneAll finds: errors keep a zone from loading, warnings do not. */
export interface ZoneCheck {
  errors: ZoneDataError[];
  warnings: ZoneDataError[];
  /**
   * The warnings about delegation data (no apex NS, NS targets without address or glue or that
   * are CNAMEs) and RRset TTLs: what the control API refuses in zones it builds itself.
   */
  serious: ZoneDataError[];
}

/**
 * Check a zone; returns every problem found (empty if the zone is servable). Problems that
 * belong to no record (a missing SOA) are reported at line 0 of the zone's first file.
 */
/** Largest DNS message (over TCP; RFC 1035 §4.2.2). */
const MAX_MESSAGE = 65535;
/** Header and QTYPE/QCLASS of a response; the question's name is the owner's length. */
const MESSAGE_FIXED = 12 + 4;
/** A record beyond its RDATA: compressed owner (2), type, class, TTL, RDLENGTH (10). */
const RECORD_FIXED = 12;

export function checkZone(zone: Zone): ZoneDataError[] {
  return checkZoneAll(zone).errors;
}

/**
 * Every problem of a zone, errors and warnings (each a ZoneDataError; warnings have code
 * WARN_ZONE_DATA). `skippedOwners`: owners of lines the parser skipped for syntax errors (null:
 * unknown owner); what those lines may have held (an SOA, NS, an address) is not reported missing,
 * so a check of a file with syntax errors lists the other problems without echoes of them.
 */
export function checkZoneAll(zone: Zone, skippedOwners: readonly (WireName | null)[] = []): ZoneCheck {
  const errors: ZoneDataError[] = [];
  const warnings: ZoneDataError[] = [];
  const serious: ZoneDataError[] = [];
  const recs = zone.records;
  const origin = zone.origin;
  const originText = nameToText(origin);
  const err = (rr: ResourceRecord | null, message: string): void => {
    if (rr === null) errors.push(new ZoneDataError(message, zone.files[0] ?? '', 0));
    else errors.push(new ZoneDataError(message, rr.source.file, rr.source.line));
  };
  const skipped = new Set<string>();
  let skippedUnknown = false;
  for (const o of skippedOwners) {
    if (o === null) skippedUnknown = true;
    else skipped.add(nameToText(o).toLowerCase());
  }
  /** A name whose records may have been on a skipped line. */
  const mayHaveBeenSkipped = (name: WireName): boolean =>
    skippedUnknown || (skipped.size > 0 && skipped.has(nameToText(name).toLowerCase()));
  const warn = (rr: ResourceRecord | null, message: string, isSerious = false): void => {
    const w = rr === null
      ? new ZoneDataError(message, zone.files[0] ?? '', 0, WARN_ZONE_DATA)
      : new ZoneDataError(message, rr.source.file, rr.source.line, WARN_ZONE_DATA);
    warnings.push(w);
    if (isSerious) serious.push(w);
  };

  // Group by owner: node ids from a name index, then records per node in CSR form.
  const index = new NameIndex();
  const nodeOf = new Int32Array(recs.length);
  for (let i = 0; i < recs.length; i++) nodeOf[i] = index.add(recs[i].owner);
  const nNodes = index.size;
  const start = new Int32Array(nNodes + 1);
  for (let i = 0; i < recs.length; i++) start[nodeOf[i] + 1]++;
  for (let k = 0; k < nNodes; k++) start[k + 1] += start[k];
  const list = new Int32Array(recs.length);
  const fill = start.slice(0, nNodes);
  for (let i = 0; i < recs.length; i++) list[fill[nodeOf[i]]++] = i; // source order within a node
  const nodeName = (k: number): WireName => recs[list[start[k]]].owner;
  const apexId = index.get(origin);

  // Owners outside the zone (once per owner name).
  for (let k = 0; k < nNodes; k++) {
    if (!isSubdomain(nodeName(k), origin)) {
      err(recs[list[start[k]]], `${nameToText(nodeName(k))} is outside the zone ${originText}`);
    }
  }

  // SOA: exactly one, at the apex.
  let soa: ResourceRecord | null = null;
  for (let i = 0; i < recs.length; i++) {
    const rr = recs[i];
    if (rr.type !== TYPE_SOA) continue;
    if (nodeOf[i] !== apexId) {
      err(rr, `SOA record at ${nameToText(rr.owner)} is not at the zone apex ${originText}`);
    } else if (soa === null) {
      soa = rr;
    } else {
      err(rr, `more than one SOA record at ${originText} (first at ${where(rr, soa)})`);
    }
  }
  if (soa === null && !mayHaveBeenSkipped(origin)) err(null, `no SOA record at the zone apex ${originText}`);

  // Per node: CNAME rules, DNAME count, RRset TTLs; flag delegations, DNAMEs and addresses.
  const flags = new Uint8Array(nNodes);
  let anyCut = false;
  let anyDname = false;
  let apexNs = false;
  for (let k = 0; k < nNodes; k++) {
    const s0 = start[k];
    const s1 = start[k + 1];
    let cname = -1;
    let other = -1;
    let dname = -1;
    let f = 0;
    const sets = s1 - s0 > 16 ? new Map<number, ResourceRecord>() : null;
    const sizes = s1 - s0 > 16 ? new Map<number, number>() : null;
    for (let j = s0; j < s1; j++) {
      const i = list[j];
      const rr = recs[i];
      const t = rr.type;
      if (t === TYPE_CNAME) {
        f |= ALIAS;
        if (cname >= 0) err(rr, `more than one CNAME record at ${nameToText(rr.owner)}`);
        else cname = i;
      } else if (t !== TYPE_RRSIG && t !== TYPE_NSEC) {
        if (other < 0) other = i;
        if (t === TYPE_A || t === TYPE_AAAA) f |= ADDR;
        else if (t === TYPE_NS) f |= CUT;
        else if (t === TYPE_DNAME) {
          f |= DNAME;
          if (dname >= 0) err(rr, `more than one DNAME record at ${nameToText(rr.owner)}`);
          else dname = i;
        }
      }
      // TTLs within an RRset.
      const sk = setKeyOf(rr);
      let first: ResourceRecord | undefined;
      if (sets !== null) {
        first = sets.get(sk);
        if (first === undefined) sets.set(sk, rr);
      } else {
        for (let q = s0; q < j; q++) {
          const o = recs[list[q]];
          if (setKeyOf(o) === sk) {
            first = o;
            break;
          }
        }
      }
      if (first !== undefined && first.ttl !== rr.ttl) {
        warn(rr, `TTL ${rr.ttl} of ${nameToText(rr.owner)} ${typeToText(t)} differs from TTL ${first.ttl} at ${where(rr, first)}`, true);
      }
      // The RRset must fit in one DNS message (over TCP) with its question: each record takes
      // at least a 2-byte owner pointer, 10 bytes of type/class/TTL/length, and its RDATA.
      let size: number;
      if (sizes !== null) {
        size = (sizes.get(sk) ?? MESSAGE_FIXED + rr.owner.length) + RECORD_FIXED + rr.rdata.length;
        sizes.set(sk, size);
      } else {
        size = MESSAGE_FIXED + rr.owner.length + RECORD_FIXED + rr.rdata.length;
        for (let q = s0; q < j; q++) {
          const o = recs[list[q]];
          if (setKeyOf(o) === sk) size += RECORD_FIXED + o.rdata.length;
        }
      }
      const before = size - RECORD_FIXED - rr.rdata.length;
      if (size > MAX_MESSAGE && before <= MAX_MESSAGE) {
        err(rr, `the ${nameToText(rr.owner)} ${typeToText(t)} RRset does not fit in a DNS message (65535 bytes) from this record on: it could never be answered`);
      }
    }
    if (cname >= 0) {
      if (k === apexId) err(recs[cname], `CNAME at the zone apex ${originText}`);
      else if (other >= 0) err(recs[Math.max(cname, other)], `CNAME and other data at ${nameToText(recs[cname].owner)}`);
    }
    if (k === apexId) {
      apexNs = (f & CUT) !== 0;
      f &= ~CUT;
    }
    if ((f & CUT) !== 0) anyCut = true;
    if ((f & DNAME) !== 0) anyDname = true;
    flags[k] = f;
  }
  if (!apexNs && !mayHaveBeenSkipped(origin)) warn(soa, `no NS records at the zone apex ${originText}`, true);

  /** Whether the name in `name` from offset `off` is at or below a delegation (below the apex). */
  const belowCut = (name: Uint8Array, off: number): boolean => {
    if (!anyCut) return false;
    const end = name.length - origin.length;
    while (off < end) {
      const id = index.get(name, off);
      if (id >= 0 && (flags[id] & CUT) !== 0) return true;
      off += name[off] + 1;
    }
    return false;
  };

  // Data below a DNAME.
  if (anyDname) {
    for (let k = 0; k < nNodes; k++) {
      const name = nodeName(k);
      if (!isSubdomain(name, origin)) continue;
      const end = name.length - origin.length;
      for (let off = name[0] + 1; off <= end && off < name.length; off += name[off] + 1) {
        const id = index.get(name, off);
        if (id >= 0 && (flags[id] & DNAME) !== 0) {
          err(recs[list[start[k]]], `${nameToText(name)} is below the DNAME at ${nameToText(name.subarray(off))}`);
          break;
        }
      }
    }
  }

  /** Whether some wildcard `*.ANCESTOR` of the name (below the apex) exists: it may answer for it. */
  const wildcardCovers = (name: Uint8Array): boolean => {
    const end = name.length - origin.length;
    for (let off = name[0] + 1; off <= end && off < name.length; off += name[off] + 1) {
      const wild = new Uint8Array(2 + name.length - off);
      wild[0] = 1;
      wild[1] = 0x2a; // '*'
      wild.set(name.subarray(off), 2);
      if (index.get(wild) >= 0) return true;
    }
    return false;
  };

  // Wildcard oddities both peers serve, each in its own way (zone-acceptance.test.ts lists how).
  for (let k = 0; k < nNodes; k++) {
    const name = nodeName(k);
    if (name[0] !== 1 || name[1] !== 0x2a || !isSubdomain(name, origin)) continue; // not `*.…`
    const first = recs[list[start[k]]];
    if ((flags[k] & CUT) !== 0) {
      warn(first, `${nameToText(name)} has NS records: a wildcard cannot delegate (RFC 4592 §4.2); servers answer such names differently`);
    }
    for (let j = start[k]; j < start[k + 1]; j++) {
      const rr = recs[list[j]];
      if (rr.type !== TYPE_CNAME || !isWholeName(rr.rdata)) continue;
      // A target below the wildcard's parent that does not exist is itself answered by the wildcard: a loop.
      if (isSubdomain(rr.rdata, name.subarray(2)) && rr.rdata.length > name.length - 2 && index.get(rr.rdata) < 0) {
        warn(rr, `CNAME at ${nameToText(name)} points to ${nameToText(rr.rdata)}, which the wildcard itself answers: a CNAME loop`);
      }
    }
  }

  // Targets inside the zone need addresses (warnings: knotd and NSD both serve such zones).
  // NS: glue below a cut, authoritative data otherwise; MX and SRV: authoritative data.
  // Wording as named-checkzone's.
  for (let i = 0; i < recs.length; i++) {
    const rr = recs[i];
    const t = rr.type;
    let at: number;
    if (t === TYPE_NS) at = 0;
    else if (t === TYPE_MX) at = 2;
    else if (t === TYPE_SRV) at = 6;
    else continue;
    if (!isSubdomain(rr.owner, origin)) continue; // reported as outside the zone
    // Records below a delegation are occluded, not served: skip them (but not the cut's own NS).
    if (belowCut(rr.owner, t === TYPE_NS && nodeOf[i] !== apexId ? rr.owner[0] + 1 : 0)) continue;
    if (rr.rdata.length <= at) continue;
    const target = rr.rdata.subarray(at);
    if (!isWholeName(target)) continue; // malformed RFC 3597 data; nothing to check
    if (target.length === 1) continue; // the root: MX 0 . / SRV . say "no service"
    if (!isSubdomain(target, origin)) continue;
    const what = `${typeToText(t)} '${nameToText(target)}'`;
    const cut = belowCut(target, 0);
    if (cut && t !== TYPE_NS) continue; // another zone's name: not ours to check
    const tid = index.get(target);
    const tf = tid >= 0 ? flags[tid] : 0;
    if ((tf & ADDR) !== 0 || mayHaveBeenSkipped(target)) continue;
    if (cut) {
      warn(rr, `${nameToText(rr.owner)}/${what} has no glue (no A or AAAA record below the delegation)`, true);
    } else if ((tf & ALIAS) !== 0) {
      warn(rr, `${what} is a CNAME (illegal)`, t === TYPE_NS);
    } else if (tid >= 0 || !wildcardCovers(target)) {
      warn(rr, `${what} has no address records (A or AAAA)`, t === TYPE_NS);
    }
  }

  return { errors, warnings, serious };
}
