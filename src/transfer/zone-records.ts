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
import { TYPE_SOA } from '../zone/types.ts';
import { soaSerial, type WireRecord } from './message.ts';

const MAGIC = 0x50475846; // 'PGXF'
const HEADER = 12;

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Canonical-order key of a name: its labels right to left, each as its lowercased bytes then a
 * 0 terminator (bytes 0 and 1 escaped as 1 1 and 1 2, so a terminator sorts before any byte),
 * so byte comparison of keys is RFC 4034 §6.1 order (computed once per owner, not per
 * comparison) and a name's descendants follow it as one run (src/compile/record-store.ts
 * searches the form by it).
 */
export function canonicalKey(name: Uint8Array): Uint8Array {
  const starts: number[] = [];
  for (let i = 0; i < name.length && name[i] !== 0; i += name[i] + 1) starts.push(i);
  const key = new Uint8Array(name.length * 2);
  let p = 0;
  for (let k = starts.length - 1; k >= 0; k--) {
    const at = starts[k];
    const l = name[at];
    for (let j = 1; j <= l; j++) {
      const c = name[at + j];
      if (c < 2) {
        key[p++] = 1;
        key[p++] = c + 1;
      } else {
        key[p++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
      }
    }
    key[p++] = 0;
  }
  return key.subarray(0, p);
}

/** The zone's records (class of its SOA) in transfer order, SOA first, duplicates removed. */
export function transferRecords(zone: Zone): WireRecord[] {
  const soa = zone.records.find((r) => r.type === TYPE_SOA);
  if (soa === undefined) throw new Error('zone without SOA');
  const rest: { r: WireRecord; key: Uint8Array }[] = [];
  let lastOwner: Uint8Array | null = null;
  let key: Uint8Array = new Uint8Array(0);
  for (const r of zone.records) {
    if (r.type === TYPE_SOA || r.class !== soa.class) continue;
    // Records of one owner usually follow each other: one key for the run.
    if (r.owner !== lastOwner) {
      key = canonicalKey(r.owner);
      lastOwner = r.owner;
    }
    rest.push({ r: { owner: r.owner, type: r.type, class: r.class, ttl: r.ttl, rdata: r.rdata }, key });
  }
  rest.sort((a, b) => compareBytes(a.key, b.key) || a.r.type - b.r.type || compareBytes(a.r.rdata, b.r.rdata));
  const out: WireRecord[] = [{ owner: soa.owner, type: soa.type, class: soa.class, ttl: soa.ttl, rdata: soa.rdata }];
  for (let i = 0; i < rest.length; i++) {
    // Sorted, a duplicate (same name, type and data) sits right after its twin.
    const prev = i > 0 ? rest[i - 1] : null;
    const cur = rest[i];
    if (prev !== null && prev.r.type === cur.r.type && compareBytes(prev.key, cur.key) === 0 && compareBytes(prev.r.rdata, cur.r.rdata) === 0) continue;
    out.push(cur.r);
  }
  return out;
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
