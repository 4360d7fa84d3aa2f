// The transfer form of a zone: its records as AXFR sends them, built where images are built
// (loadZoneModel) and kept beside the image on LoadedZone. The compiled image holds response
// templates, not records; transfers, the IXFR journal and the secondary's state file read this.
//
// Layout (one SharedArrayBuffer, big-endian, written once, read-only after):
//   u32 magic 'PGXF'   u32 record count N (the SOA included)   u32 serial
//   N records, back to back, the SOA first, then the rest in canonical order (RFC 4034 §6.3:
//   owner, then type, then RDATA), duplicates removed:
//     u8 owner length, owner (uncompressed wire, case as in the source),
//     u16 type, u16 class, u32 TTL, u16 RDATA length, RDATA (uncompressed wire)

import type { Zone } from '../zone/model.ts';
import { compareCanonical } from '../zone/name.ts';
import { TYPE_SOA } from '../zone/types.ts';
import { recordKey, soaSerial, type WireRecord } from './message.ts';

const MAGIC = 0x50475846; // 'PGXF'
const HEADER = 12;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The zone's records (class of its SOA) in transfer order, SOA first. */
export function transferRecords(zone: Zone): WireRecord[] {
  const soa = zone.records.find((r) => r.type === TYPE_SOA);
  if (soa === undefined) throw new Error('zone without SOA');
  const seen = new Set<string>();
  const rest: WireRecord[] = [];
  for (const r of zone.records) {
    if (r.type === TYPE_SOA || r.class !== soa.class) continue;
    const w: WireRecord = { owner: r.owner, type: r.type, class: r.class, ttl: r.ttl, rdata: r.rdata };
    const key = recordKey(w);
    if (seen.has(key)) continue;
    seen.add(key);
    rest.push(w);
  }
  rest.sort((a, b) => compareCanonical(a.owner, b.owner) || a.type - b.type || compareBytes(a.rdata, b.rdata));
  return [{ owner: soa.owner, type: soa.type, class: soa.class, ttl: soa.ttl, rdata: soa.rdata }, ...rest];
}

export function encodeTransfer(records: WireRecord[]): SharedArrayBuffer {
  let size = HEADER;
  for (const r of records) size += 1 + r.owner.length + 10 + r.rdata.length;
  const sab = new SharedArrayBuffer(size);
  const b = new Uint8Array(sab);
  const dv = new DataView(sab);
  dv.setUint32(0, MAGIC);
  dv.setUint32(4, records.length);
  dv.setUint32(8, soaSerial(records[0].rdata));
  let p = HEADER;
  for (const r of records) {
    b[p++] = r.owner.length;
    b.set(r.owner, p);
    p += r.owner.length;
    dv.setUint16(p, r.type);
    dv.setUint16(p + 2, r.class);
    dv.setUint32(p + 4, r.ttl);
    dv.setUint16(p + 8, r.rdata.length);
    p += 10;
    b.set(r.rdata, p);
    p += r.rdata.length;
  }
  return sab;
}

/** A reader over a transfer form; records are views into the buffer (no copy). */
export class TransferForm {
  readonly count: number;
  readonly serial: number;
  private readonly bytes: Uint8Array;
  private readonly dv: DataView;

  constructor(sab: SharedArrayBuffer) {
    this.bytes = new Uint8Array(sab);
    this.dv = new DataView(sab);
    if (sab.byteLength < HEADER || this.dv.getUint32(0) !== MAGIC) throw new Error('not a transfer form');
    this.count = this.dv.getUint32(4);
    this.serial = this.dv.getUint32(8);
  }

  get soa(): WireRecord {
    return this.records().next().value as WireRecord;
  }

  *records(): Generator<WireRecord> {
    const b = this.bytes;
    const dv = this.dv;
    let p = HEADER;
    for (let i = 0; i < this.count; i++) {
      const ol = b[p++];
      const owner = b.subarray(p, p + ol);
      p += ol;
      const rdlen = dv.getUint16(p + 8);
      yield { owner, type: dv.getUint16(p), class: dv.getUint16(p + 2), ttl: dv.getUint32(p + 4), rdata: b.subarray(p + 10, p + 10 + rdlen) };
      p += 10 + rdlen;
    }
  }
}
