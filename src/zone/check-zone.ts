// Semantic checks on a parsed zone, the ones BIND/Knot/NSD refuse to load a zone over:
// SOA and apex NS, CNAME/DNAME rules, owners outside the zone, missing glue and unresolvable
// in-zone NS targets, and TTLs that differ within one RRset.
// Data below a delegation point (occluded) is accepted, as Knot and NSD do.

import { ZoneDataError } from '../errors.ts';
import type { ResourceRecord, WireName, Zone } from './model.ts';
import { isSubdomain, nameLength, nameToText } from './name.ts';
import {
  TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_DNAME, TYPE_NS, TYPE_NSEC, TYPE_RRSIG, TYPE_SOA, typeToText,
} from './types.ts';

interface Node {
  name: WireName;
  /** Indexes into zone.records, in source order. */
  recs: number[];
}

/** Map key for a name: its lowercased wire bytes as a string. */
function keyOf(name: Uint8Array, start = 0, end = name.length): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = name[i];
    s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
  }
  return s;
}

function where(rr: ResourceRecord, other: ResourceRecord): string {
  return other.source.file === rr.source.file ? `line ${other.source.line}` : `${other.source.file}:${other.source.line}`;
}

export function checkZone(zone: Zone): ZoneDataError[] {
  const errors: ZoneDataError[] = [];
  const recs = zone.records;
  const origin = zone.origin;
  const originText = nameToText(origin);
  const err = (rr: ResourceRecord | null, message: string): void => {
    if (rr === null) errors.push(new ZoneDataError(message, zone.files[0] ?? '', 0));
    else errors.push(new ZoneDataError(message, rr.source.file, rr.source.line));
  };

  // Group by owner.
  const nodes = new Map<string, Node>();
  for (let i = 0; i < recs.length; i++) {
    const k = keyOf(recs[i].owner);
    const n = nodes.get(k);
    if (n === undefined) nodes.set(k, { name: recs[i].owner, recs: [i] });
    else n.recs.push(i);
  }
  const originKey = keyOf(origin);
  const apex = nodes.get(originKey);

  // Owners outside the zone (once per owner name).
  for (const n of nodes.values()) {
    if (!isSubdomain(n.name, origin)) {
      err(recs[n.recs[0]], `${nameToText(n.name)} is outside the zone ${originText}`);
    }
  }

  // SOA: exactly one, at the apex.
  let soa: ResourceRecord | null = null;
  for (const rr of recs) {
    if (rr.type !== TYPE_SOA) continue;
    if (keyOf(rr.owner) !== originKey) {
      err(rr, `SOA record at ${nameToText(rr.owner)} is not at the zone apex ${originText}`);
    } else if (soa === null) {
      soa = rr;
    } else {
      err(rr, `more than one SOA record at ${originText} (first at ${where(rr, soa)})`);
    }
  }
  if (soa === null) err(null, `no SOA record at the zone apex ${originText}`);

  // NS at the apex.
  if (apex === undefined || !apex.recs.some((i) => recs[i].type === TYPE_NS)) {
    err(soa, `no NS records at the zone apex ${originText}`);
  }

  // Per node: CNAME rules, DNAME count, RRset TTLs; collect delegations and DNAMEs.
  const cuts = new Set<string>();
  const dnames = new Set<string>();
  for (const [k, n] of nodes) {
    let cname = -1;
    let other = -1;
    let dname = -1;
    const rrsets = new Map<number, ResourceRecord>();
    for (const i of n.recs) {
      const rr = recs[i];
      const t = rr.type;
      if (t === TYPE_CNAME) {
        if (cname >= 0) err(rr, `more than one CNAME record at ${nameToText(n.name)}`);
        else cname = i;
      } else if (t !== TYPE_RRSIG && t !== TYPE_NSEC) {
        if (other < 0) other = i;
      }
      if (t === TYPE_DNAME) {
        if (dname >= 0) err(rr, `more than one DNAME record at ${nameToText(n.name)}`);
        else dname = i;
      }
      // RRset identity: (type, class), and for RRSIG the covered type as well.
      let setKey = t * 65536 + rr.class;
      if (t === TYPE_RRSIG && rr.rdata.length >= 2) setKey = -1 - (((rr.rdata[0] << 8) | rr.rdata[1]) * 65536 + rr.class);
      const first = rrsets.get(setKey);
      if (first === undefined) rrsets.set(setKey, rr);
      else if (first.ttl !== rr.ttl) {
        err(rr, `TTL ${rr.ttl} of ${nameToText(n.name)} ${typeToText(t)} differs from TTL ${first.ttl} at ${where(rr, first)}`);
      }
    }
    if (cname >= 0) {
      if (k === originKey) {
        err(recs[cname], `CNAME at the zone apex ${originText}`);
      } else if (other >= 0) {
        err(recs[Math.max(cname, other)], `CNAME and other data at ${nameToText(n.name)}`);
      }
    }
    if (dname >= 0) dnames.add(k);
    if (k !== originKey && n.recs.some((i) => recs[i].type === TYPE_NS)) cuts.add(k);
  }

  /** Nearest delegation at or above `name` (below the apex), or null. */
  const cutAbove = (name: WireName): string | null => {
    if (cuts.size === 0) return null;
    let off = 0;
    const end = name.length - origin.length;
    while (off < end) {
      const k = keyOf(name, off);
      if (cuts.has(k)) return k;
      off += name[off] + 1;
    }
    return null;
  };

  // Data below a DNAME.
  if (dnames.size > 0) {
    for (const n of nodes.values()) {
      if (!isSubdomain(n.name, origin)) continue;
      let off = n.name[0] + 1; // start at the parent
      const end = n.name.length - origin.length;
      while (off <= end && off < n.name.length) {
        const k = keyOf(n.name, off);
        if (dnames.has(k)) {
          err(recs[n.recs[0]], `${nameToText(n.name)} is below the DNAME at ${nameToText(n.name.subarray(off))}`);
          break;
        }
        off += n.name[off] + 1;
      }
    }
  }

  // NS targets inside the zone need addresses: glue below a cut, authoritative data otherwise.
  const hasAddress = (k: string): boolean => {
    const n = nodes.get(k);
    return n !== undefined && n.recs.some((i) => recs[i].type === TYPE_A || recs[i].type === TYPE_AAAA);
  };
  for (const rr of recs) {
    if (rr.type !== TYPE_NS) continue;
    if (!isSubdomain(rr.owner, origin)) continue; // reported as outside the zone
    const ownerKey = keyOf(rr.owner);
    // NS records below another delegation are occluded, not served: skip them.
    if (ownerKey !== originKey && cutAbove(rr.owner.subarray(rr.owner[0] + 1)) !== null) continue;
    if (rr.rdata.length === 0 || nameLength(rr.rdata, 0) !== rr.rdata.length) continue;
    const target = rr.rdata;
    if (!isSubdomain(target, origin)) continue;
    const tk = keyOf(target);
    if (hasAddress(tk)) continue;
    if (cutAbove(target) !== null) {
      err(rr, `missing glue: NS target ${nameToText(target)} has no A or AAAA record`);
    } else {
      err(rr, `NS target ${nameToText(target)} has no address record`);
    }
  }

  return errors;
}
