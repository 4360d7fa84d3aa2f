// The IXFR journal on disk (--state-dir/journal/), so a restart of the primary still answers
// IXFR with the differences instead of the whole zone. Per zone, two files:
//
//   ZONE.jnl   append-only: 'PGJ1', then entries, each framed so that a crash at any moment
//              leaves a readable prefix:
//                u32 payload length   u32 CRC-32 of the payload   payload
//              payload: u32 from serial, u32 to serial, record old SOA, record new SOA,
//                       u32 count, records deleted, u32 count, records added
//              record:  u8 owner length, owner (wire), u16 type, u16 class, u32 TTL,
//                       u16 RDATA length, RDATA            (all big-endian)
//              A torn or corrupt tail (short frame, bad CRC, payload that does not parse, an
//              entry that does not chain on) is dropped with everything after it, and the file
//              cut back to the good prefix. Trimming the oldest entries (the journal's bounds)
//              or starting over rewrites the file whole (temporary file, fsync, rename).
//   ZONE.last  the transfer form (src/transfer/zone-records.ts) of the last version journaled,
//              written whole by temporary file + rename: after a restart, the first version
//              loaded is diffed against it.
//
// Order of writes for a new version: the entry is appended first, then ZONE.last replaced. A
// crash between the two leaves an entry ending at a serial ZONE.last does not have: at load the
// entries are kept only up to the one ending at ZONE.last's serial, so the journal always leads
// to the version it would diff the next one against.

import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { JournalEntry } from './journal.ts';
import { recordSize, type WireRecord } from './message.ts';

const MAGIC = Buffer.from('PGJ1', 'latin1');
const FRAME = 8;
const FORM_MAGIC = 0x50475846; // 'PGXF', as zone-records.ts

/** What a zone's files held at start: the last version journaled and the entries leading to it. */
export interface StoredJournal {
  last: SharedArrayBuffer;
  entries: JournalEntry[];
  /** Bytes dropped from the journal file's tail (torn or corrupt), 0 if none. */
  dropped: number;
}

/** Where the store tells about what it had to repair or could not write. */
export interface JournalStoreLog {
  warn(obj: object, msg: string): void;
}

export class JournalStore {
  readonly dir: string;
  private readonly log: JournalStoreLog | null;

  constructor(stateDir: string, log: JournalStoreLog | null = null) {
    this.dir = path.join(stateDir, 'journal');
    this.log = log;
  }

  private base(origin: string): string {
    const name = origin === '.' ? 'root' : origin.replace(/\.$/, '');
    return path.join(this.dir, name.replace(/[^A-Za-z0-9._-]/g, '_'));
  }

  /** The zone's journal as left on disk, repaired; null when there is no usable last version. */
  load(origin: string): StoredJournal | null {
    const base = this.base(origin);
    let last: SharedArrayBuffer;
    try {
      const bytes = readFileSync(`${base}.last`);
      if (!validForm(bytes)) {
        this.warn(origin, `${base}.last is not a transfer form; the journal of ${origin} starts over`);
        this.remove(origin);
        return null;
      }
      last = new SharedArrayBuffer(bytes.length);
      new Uint8Array(last).set(bytes);
    } catch {
      return null; // never journaled
    }
    const lastSerial = new DataView(last).getUint32(8);
    let file: Buffer;
    try {
      file = readFileSync(`${base}.jnl`);
    } catch {
      return { last, entries: [], dropped: 0 };
    }
    const { entries, good } = readEntries(file);
    // Keep the entries up to the one that ends at the saved version (see the order of writes).
    let keep = entries.length;
    while (keep > 0 && entries[keep - 1].to !== lastSerial) keep--;
    const dropped = file.length - good;
    if (keep < entries.length || dropped > 0) {
      this.warn(origin, `${base}.jnl: ${dropped > 0 ? `${dropped} byte(s) of torn or corrupt tail dropped` : ''}${dropped > 0 && keep < entries.length ? ', ' : ''}${keep < entries.length ? `${entries.length - keep} entry(ies) past the saved version dropped` : ''}`);
      this.rewrite(origin, entries.slice(0, keep));
    }
    return { last, entries: entries.slice(0, keep), dropped };
  }

  /** Append one entry (the journal grew by one version). */
  append(origin: string, entry: JournalEntry): void {
    const file = `${this.base(origin)}.jnl`;
    this.guard(origin, () => {
      mkdirSync(this.dir, { recursive: true });
      const fd = openSync(file, 'a', 0o644);
      try {
        // A new file starts with the magic; an existing one already has it (load() wrote or checked it).
        if (fstatSync(fd).size === 0) writeSync(fd, MAGIC);
        writeSync(fd, frame(entry));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }

  /** Replace the journal with these entries (oldest dropped, or started over). */
  rewrite(origin: string, entries: readonly JournalEntry[]): void {
    this.guard(origin, () => writeWhole(`${this.base(origin)}.jnl`, [MAGIC, ...entries.map(frame)]));
  }

  /** The version the next one will be diffed against. */
  saveLast(origin: string, transfer: SharedArrayBuffer): void {
    this.guard(origin, () => writeWhole(`${this.base(origin)}.last`, [new Uint8Array(transfer)]));
  }

  /** The zone is no longer served: its journal goes. */
  remove(origin: string): void {
    const base = this.base(origin);
    rmSync(`${base}.jnl`, { force: true });
    rmSync(`${base}.last`, { force: true });
  }

  /** Disk trouble costs the diff (secondaries fall back to AXFR), never the server. */
  private guard(origin: string, write: () => void): void {
    try {
      write();
    } catch (err) {
      this.warn(origin, `cannot write the journal of ${origin}: ${(err as Error).message}`);
    }
  }

  private warn(origin: string, message: string): void {
    this.log?.warn({ event: 'journal_repaired', zone: origin, code: 'PGN_WARN_JOURNAL' }, message);
  }
}

function writeWhole(file: string, parts: Uint8Array[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    for (const p of parts) writeSync(fd, p);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** One entry framed: length, CRC-32, payload. */
export function frame(e: JournalEntry): Uint8Array {
  let size = 8 + recordSize(e.oldSoa) + 1 + recordSize(e.newSoa) + 1 + 8;
  for (const r of e.deleted) size += recordSize(r) + 1;
  for (const r of e.added) size += recordSize(r) + 1;
  const out = new Uint8Array(FRAME + size);
  const dv = new DataView(out.buffer);
  let p = FRAME;
  dv.setUint32(p, e.from);
  dv.setUint32(p + 4, e.to);
  p += 8;
  p = put(out, dv, p, e.oldSoa);
  p = put(out, dv, p, e.newSoa);
  for (const list of [e.deleted, e.added]) {
    dv.setUint32(p, list.length);
    p += 4;
    for (const r of list) p = put(out, dv, p, r);
  }
  dv.setUint32(0, size);
  dv.setUint32(4, crc32(out.subarray(FRAME)));
  return out;
}

function put(out: Uint8Array, dv: DataView, p: number, r: WireRecord): number {
  out[p++] = r.owner.length;
  out.set(r.owner, p);
  p += r.owner.length;
  dv.setUint16(p, r.type);
  dv.setUint16(p + 2, r.class);
  dv.setUint32(p + 4, r.ttl);
  dv.setUint16(p + 8, r.rdata.length);
  out.set(r.rdata, p + 10);
  return p + 10 + r.rdata.length;
}

/** The entries of a journal file up to the first bad frame, and the length of that good prefix. */
export function readEntries(file: Uint8Array): { entries: JournalEntry[]; good: number } {
  const entries: JournalEntry[] = [];
  if (file.length < MAGIC.length || !MAGIC.equals(file.subarray(0, MAGIC.length))) return { entries, good: 0 };
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let p = MAGIC.length;
  while (p + FRAME <= file.length) {
    const size = dv.getUint32(p);
    const end = p + FRAME + size;
    if (end > file.length) break;
    const payload = file.subarray(p + FRAME, end);
    if (crc32(payload) !== dv.getUint32(p + 4)) break;
    const entry = parseEntry(payload);
    if (entry === null) break;
    if (entries.length > 0 && entries[entries.length - 1].to !== entry.from) break;
    entries.push(entry);
    p = end;
  }
  return { entries, good: p };
}

function parseEntry(b: Uint8Array): JournalEntry | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  const record = (): WireRecord | null => {
    if (p + 1 > b.length) return null;
    const ol = b[p];
    if (p + 1 + ol + 10 > b.length) return null;
    const owner = b.slice(p + 1, p + 1 + ol);
    p += 1 + ol;
    const rdlen = dv.getUint16(p + 8);
    if (p + 10 + rdlen > b.length) return null;
    const r = { owner, type: dv.getUint16(p), class: dv.getUint16(p + 2), ttl: dv.getUint32(p + 4), rdata: b.slice(p + 10, p + 10 + rdlen) };
    p += 10 + rdlen;
    return r;
  };
  if (b.length < 8) return null;
  const from = dv.getUint32(0);
  const to = dv.getUint32(4);
  p = 8;
  const oldSoa = record();
  const newSoa = oldSoa === null ? null : record();
  if (newSoa === null) return null;
  const lists: WireRecord[][] = [];
  for (let k = 0; k < 2; k++) {
    if (p + 4 > b.length) return null;
    const n = dv.getUint32(p);
    p += 4;
    const list: WireRecord[] = [];
    for (let i = 0; i < n; i++) {
      const r = record();
      if (r === null) return null;
      list.push(r);
    }
    lists.push(list);
  }
  if (p !== b.length) return null;
  let bytes = 0;
  for (const r of lists[0]) bytes += recordSize(r);
  for (const r of lists[1]) bytes += recordSize(r);
  return { from, to, oldSoa: oldSoa!, newSoa, deleted: lists[0], added: lists[1], bytes };
}

/** A transfer form whose every record lies inside the bytes (a damaged file must not be read past its end). */
export function validForm(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0) !== FORM_MAGIC) return false;
  const count = dv.getUint32(4);
  if (count === 0) return false;
  let p = 12;
  for (let i = 0; i < count; i++) {
    if (p + 1 > b.length) return false;
    p += 1 + b[p];
    if (p + 10 > b.length) return false;
    p += 10 + dv.getUint16(p + 8);
    if (p > b.length) return false;
  }
  return p === b.length;
}
