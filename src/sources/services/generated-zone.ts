// Zones that Peregrine builds itself (services, registries): an apex (SOA and NS generated, or
// taken from a `base:` zone file), address and PTR records, checked like a zone file, and a
// fingerprint of everything but the SOA serial, so a serial moves exactly when content does.

import { createHash } from 'node:crypto';
import type { ZoneDataError } from '../../errors.ts';
import { checkZone } from '../../zone/check-zone.ts';
import type { ResourceRecord, Zone } from '../../zone/model.ts';
import { isSubdomain, lowerName, nameLength, parseName } from '../../zone/name.ts';
import { TYPE_A, TYPE_AAAA, TYPE_NS, TYPE_PTR, TYPE_SOA } from '../../zone/types.ts';
import type { Address } from './address.ts';

export interface SoaSettings {
  mname: string;
  rname: string;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export const DEFAULT_SOA = { refresh: 3600, retry: 600, expire: 86400 };

export interface NameServer {
  /** Absolute. */
  name: string;
  /** Addresses served for it (needed when the name is inside the zone). */
  ips: Address[];
  line?: number;
}

export interface ApexSettings {
  /** Absolute, lowercase, with the trailing dot. */
  origin: string;
  ttl: number;
  soa: SoaSettings;
  ns: NameServer[];
  /** Whether `ns` was written in the file (else it is the default: the server's addresses). */
  nsGiven: boolean;
  /** A zone file whose records (SOA, NS and more) are merged in; null: SOA and NS generated. */
  base: string | null;
  line: number;
}

export interface AddressRecords {
  owner: string;
  ttl: number;
  addresses: readonly Address[];
  line: number;
}

export interface PtrRecord {
  owner: string;
  ttl: number;
  target: string;
  line: number;
}

export interface ZoneContent {
  apex: ApexSettings;
  /** Where the records come from, for FILE:LINE (the services or registry file). */
  file: string;
  /** The base zone file's records, read by the caller (null without `base:`). */
  baseRecords: readonly ResourceRecord[] | null;
  baseFiles: readonly string[];
  addresses: readonly AddressRecords[];
  ptrs: readonly PtrRecord[];
}

/** A zone's records without its serial: fill it in with `withSerial`. */
export interface Assembled {
  fingerprint: string;
  withSerial(serial: number): Zone;
}

export type AssembleResult = { ok: true; zone: Assembled } | { ok: false; errors: ZoneDataError[] };

/** Build and check the zone; the SOA serial is a placeholder until withSerial. */
export function assembleZone(c: ZoneContent): AssembleResult {
  const origin = parseName(c.apex.origin, null);
  const records: ResourceRecord[] = [];
  const at = (line: number) => ({ file: c.file, line });
  let soa: ResourceRecord;
  if (c.baseRecords !== null) {
    const found = c.baseRecords.find((r) => r.type === TYPE_SOA);
    // readZone checked the base zone: it has exactly one SOA.
    soa = { ...found!, rdata: found!.rdata.slice() };
    for (const r of c.baseRecords) if (r !== found) records.push(r);
  } else {
    const s = c.apex.soa;
    const mname = parseName(s.mname, null);
    const rname = parseName(s.rname, null);
    const rdata = new Uint8Array(mname.length + rname.length + 20);
    rdata.set(mname, 0);
    rdata.set(rname, mname.length);
    const view = new DataView(rdata.buffer);
    const fixed = mname.length + rname.length;
    [0, s.refresh, s.retry, s.expire, s.minimum].forEach((v, i) => view.setUint32(fixed + 4 * i, v));
    soa = { owner: origin, type: TYPE_SOA, class: 1, ttl: c.apex.ttl, rdata, source: at(c.apex.line) };
    for (const ns of c.apex.ns) {
      const target = parseName(ns.name, null);
      records.push({ owner: origin, type: TYPE_NS, class: 1, ttl: c.apex.ttl, rdata: target, source: at(ns.line ?? c.apex.line) });
      // Addresses of a name server outside the zone are not ours to serve (a reverse zone
      // sharing its forward zone's name servers).
      if (!isSubdomain(target, origin)) continue;
      for (const a of ns.ips) records.push(addressRecord(target, c.apex.ttl, a, at(ns.line ?? c.apex.line)));
    }
  }
  for (const set of c.addresses) {
    const owner = parseName(set.owner, null);
    for (const a of set.addresses) records.push(addressRecord(owner, set.ttl, a, at(set.line)));
  }
  for (const p of c.ptrs) {
    records.push({ owner: parseName(p.owner, null), type: TYPE_PTR, class: 1, ttl: p.ttl, rdata: parseName(p.target, null), source: at(p.line) });
  }

  const serialAt = nameLength(soa.rdata, 0);
  const serialOffset = nameLength(soa.rdata, serialAt) + serialAt;
  new DataView(soa.rdata.buffer, soa.rdata.byteOffset).setUint32(serialOffset, 0);
  const files = [c.file, ...c.baseFiles];
  const zoneWith = (serial: number): Zone => {
    const rdata = soa.rdata.slice();
    new DataView(rdata.buffer).setUint32(serialOffset, serial >>> 0);
    return { origin, records: [{ ...soa, rdata }, ...records], files };
  };
  const errors = checkZone(zoneWith(0));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, zone: { fingerprint: fingerprint(soa, records), withSerial: zoneWith } };
}

function addressRecord(owner: Uint8Array, ttl: number, a: Address, source: { file: string; line: number }): ResourceRecord {
  return { owner, type: a.family === 4 ? TYPE_A : TYPE_AAAA, class: 1, ttl, rdata: a.bytes, source };
}

/** SHA-256 over the records in a fixed order (an RRset's order does not count), SOA serial zeroed. */
function fingerprint(soa: ResourceRecord, records: readonly ResourceRecord[]): string {
  const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  const line = (r: ResourceRecord) => `${hex(lowerName(r.owner))}|${r.type}|${r.class}|${r.ttl}|${hex(r.rdata)}`;
  const lines = records.map(line).sort();
  const h = createHash('sha256').update(line(soa));
  for (const l of lines) h.update('\n').update(l);
  return h.digest('hex');
}
