// A zone's records kept between versions for incremental compiles: its transfer form
// (transfer/zone-records.ts: SOA first, then the records in canonical order) with an index of
// record offsets, searched by name without making an object per record, and the application of a
// change (records deleted and added) to it as block copies of the unchanged runs.
//
// Memory: the form itself (shared, also what AXFR/IXFR out read) plus one u32 per record for the
// index, built in the build thread for the duration of one change and dropped after.

import { TYPE_SOA } from '../zone/types.ts';
import { lowerName } from '../zone/name.ts';
import { PeregrineError } from '../errors.ts';
import { soaSerial, type WireRecord } from '../transfer/message.ts';
import { canonicalKey, compareBytes } from '../transfer/zone-records.ts';

const MAGIC = 0x50475846; // 'PGXF'
const HEADER = 12;

/** A change that cannot be applied to the version we have (deletes a record we do not hold, …). */
export class ChangeError extends PeregrineError {
  constructor(message: string, zone: string) {
    super('PGN_ERR_INCREMENTAL_CHANGE', message, { zone });
  }
}

export class RecordStore {
  readonly form: SharedArrayBuffer;
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  /** Records, the SOA (index 0) included. */
  readonly count: number;
  readonly serial: number;
  /** Byte offset of record i (its owner-length byte); offsets[count] is the form's end. */
  readonly offsets: Uint32Array;

  constructor(form: SharedArrayBuffer) {
    this.form = form;
    this.bytes = new Uint8Array(form);
    this.dv = new DataView(form);
    if (form.byteLength < HEADER || this.dv.getUint32(0) !== MAGIC) throw new Error('not a transfer form');
    this.count = this.dv.getUint32(4);
    this.serial = this.dv.getUint32(8);
    const offsets = new Uint32Array(this.count + 1);
    const b = this.bytes;
    let p = HEADER;
    for (let i = 0; i < this.count; i++) {
      offsets[i] = p;
      const ol = b[p];
      p += 1 + ol + 10 + ((b[p + 1 + ol + 8] << 8) | b[p + 1 + ol + 9]);
    }
    offsets[this.count] = p;
    this.offsets = offsets;
  }

  owner(i: number): Uint8Array {
    const p = this.offsets[i];
    return this.bytes.subarray(p + 1, p + 1 + this.bytes[p]);
  }

  type(i: number): number {
    const p = this.offsets[i];
    return this.dv.getUint16(p + 1 + this.bytes[p]);
  }

  record(i: number): WireRecord {
    const p = this.offsets[i];
    const ol = this.bytes[p];
    const f = p + 1 + ol;
    const rdlen = this.dv.getUint16(f + 8);
    return {
      owner: this.bytes.subarray(p + 1, f), type: this.dv.getUint16(f), class: this.dv.getUint16(f + 2),
      ttl: this.dv.getUint32(f + 4), rdata: this.bytes.subarray(f + 10, f + 10 + rdlen),
    };
  }

  rdata(i: number): Uint8Array {
    const p = this.offsets[i];
    const f = p + 1 + this.bytes[p];
    return this.bytes.subarray(f + 10, f + 10 + this.dv.getUint16(f + 8));
  }

  /** First index ≥ 1 whose owner's canonical key is ≥ key (count if none). */
  lowerBound(key: Uint8Array): number {
    let lo = 1;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(canonicalKey(this.owner(mid)), key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The records owned by `name` (any case): [from, to). The SOA is not among them (index 0). */
  rangeOf(name: Uint8Array): [number, number] {
    const key = canonicalKey(name);
    const from = this.lowerBound(key);
    let to = from;
    while (to < this.count && compareBytes(canonicalKey(this.owner(to)), key) === 0) to++;
    return [from, to];
  }

  /** Index just past `name`'s records and those of every name below it. */
  subtreeEnd(name: Uint8Array): number {
    const key = canonicalKey(name);
    // Keys of descendants extend the name's key: the first key not starting with it ends the run.
    let lo = this.lowerBound(key);
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (startsWith(canonicalKey(this.owner(mid)), key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** One step of a change: the new SOA, records removed, records added (IXFR semantics, TTL not part of a record's identity). */
export interface ChangeStep {
  soa: WireRecord;
  deleted: WireRecord[];
  added: WireRecord[];
}

function identity(r: WireRecord): string {
  return `${Buffer.from(lowerName(r.owner)).toString('latin1')}|${r.type}|${r.class}|${Buffer.from(r.rdata).toString('latin1')}`;
}

/** The index of the record with this identity, or -1. */
function find(store: RecordStore, r: WireRecord): number {
  const [from, to] = store.rangeOf(r.owner);
  for (let i = from; i < to; i++) {
    if (store.type(i) === r.type && compareBytes(store.rdata(i), r.rdata) === 0) return i;
  }
  return -1;
}

/** What a change does to the store: indexes removed, records inserted (sorted), the new SOA. */
export interface NetChange {
  removed: Set<number>;
  inserted: WireRecord[];
  soa: WireRecord;
  /** The records removed (views into the store's form). */
  removedRecords: WireRecord[];
}

/**
 * Fold steps (IXFR versions applied in order) into one net change against the store: a record
 * deleted must exist (in the store or added by an earlier step); an added record replaces one of
 * the same identity (its TTL may differ).
 */
export function netChange(store: RecordStore, steps: ChangeStep[], zone: string): NetChange {
  const removed = new Set<number>();
  const inserted = new Map<string, WireRecord>();
  let soa = store.record(0);
  const soaClass = soa.class;
  for (const step of steps) {
    for (const r of step.deleted) {
      if (r.type === TYPE_SOA) continue;
      const k = identity(r);
      if (inserted.delete(k)) {
        // Added by an earlier step; the base record of that identity (if any) is already removed.
        continue;
      }
      const i = find(store, r);
      if (i < 0 || removed.has(i)) throw new ChangeError(`change deletes a record we do not have (${k.split('|')[1]})`, zone);
      removed.add(i);
    }
    for (const r of step.added) {
      if (r.type === TYPE_SOA || r.class !== soaClass) continue;
      const k = identity(r);
      const i = find(store, r);
      if (i >= 0) removed.add(i);
      inserted.set(k, r);
    }
    soa = step.soa;
  }
  const list = [...inserted.values()].map((r) => ({ r, key: canonicalKey(r.owner) }));
  list.sort((a, b) => compareBytes(a.key, b.key) || a.r.type - b.r.type || compareBytes(a.r.rdata, b.r.rdata));
  const removedRecords = [...removed].map((i) => store.record(i));
  return { removed, inserted: list.map((x) => x.r), soa, removedRecords };
}

function recordBytes(r: WireRecord): number {
  return 1 + r.owner.length + 10 + r.rdata.length;
}

/** The store's form with the change applied: unchanged runs copied whole, in canonical order. */
export function applyNetChange(store: RecordStore, change: NetChange): SharedArrayBuffer {
  const { removed, inserted, soa } = change;
  let size = HEADER + recordBytes(soa);
  for (let i = 1; i < store.count; i++) if (!removed.has(i)) size += store.offsets[i + 1] - store.offsets[i];
  // The loop above is one pass of integer reads; the copy below moves whole runs.
  for (const r of inserted) size += recordBytes(r);
  const out = new SharedArrayBuffer(size);
  const b = new Uint8Array(out);
  const dv = new DataView(out);
  const count = store.count - removed.size + inserted.length;
  dv.setUint32(0, MAGIC);
  dv.setUint32(4, count);
  dv.setUint32(8, soaSerial(soa.rdata));
  let p = HEADER;
  const put = (r: WireRecord): void => {
    b[p++] = r.owner.length;
    b.set(r.owner, p);
    p += r.owner.length;
    dv.setUint16(p, r.type);
    dv.setUint16(p + 2, r.class);
    dv.setUint32(p + 4, r.ttl);
    dv.setUint16(p + 8, r.rdata.length);
    b.set(r.rdata, p + 10);
    p += 10 + r.rdata.length;
  };
  put(soa);
  // Insert positions: each inserted record goes before the first kept record that sorts after it.
  const positions = inserted.map((r) => insertPosition(store, r));
  const removedSorted = [...removed].sort((x, y) => x - y);
  let next = 1; // next store record not yet copied
  let ri = 0;
  const copyUpTo = (end: number): void => {
    // Copy store records [next, end) minus removed ones, as whole runs.
    while (next < end) {
      while (ri < removedSorted.length && removedSorted[ri] < next) ri++;
      const stop = ri < removedSorted.length && removedSorted[ri] < end ? removedSorted[ri] : end;
      if (stop > next) {
        b.set(store.bytes.subarray(store.offsets[next], store.offsets[stop]), p);
        p += store.offsets[stop] - store.offsets[next];
      }
      next = stop === end ? end : stop + 1;
    }
  };
  for (let k = 0; k < inserted.length; k++) {
    copyUpTo(positions[k]);
    put(inserted[k]);
  }
  copyUpTo(store.count);
  if (p !== size) throw new Error(`transfer form size mismatch (${p} ≠ ${size})`);
  return out;
}

/** Index of the first store record (≥ 1) sorting after r. */
function insertPosition(store: RecordStore, r: WireRecord): number {
  const key = canonicalKey(r.owner);
  let lo = 1;
  let hi = store.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(canonicalKey(store.owner(mid)), key) || store.type(mid) - r.type || compareBytes(store.rdata(mid), r.rdata);
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
