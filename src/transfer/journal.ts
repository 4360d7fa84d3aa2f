// The IXFR journal: the differences between the last versions of each zone we served, kept in
// memory, bounded by count and bytes per zone. A version whose serial did not move, or moved
// backwards, breaks the chain: the journal of that zone starts over (clients then get AXFR).
// With a JournalStore (--state-dir) every change is also written to disk, and the first version
// of a zone after a restart is diffed against the last one journaled before it.

import { recordKey, recordSize, type WireRecord } from './message.ts';
import type { JournalStore } from './journal-store.ts';
import { serialLess } from './serial.ts';
import { TransferForm } from './zone-records.ts';

export interface JournalEntry {
  from: number;
  to: number;
  oldSoa: WireRecord;
  newSoa: WireRecord;
  deleted: WireRecord[];
  added: WireRecord[];
  bytes: number;
}

export interface JournalLimits {
  /** Versions kept per zone. */
  entries: number;
  /** Bytes of records kept per zone. */
  bytes: number;
  /** Zones with more records are not diffed (AXFR only): the diff would hold the primary up. */
  maxRecords: number;
}

export const DEFAULT_JOURNAL_LIMITS: JournalLimits = { entries: 20, bytes: 64 * 1024 * 1024, maxRecords: 500_000 };

export class Journal {
  private readonly limits: JournalLimits;
  private readonly zones = new Map<string, JournalEntry[]>();
  /** The transfer form of each zone's last version seen. */
  private readonly last = new Map<string, SharedArrayBuffer>();

  private readonly store: JournalStore | null;

  constructor(limits: Partial<JournalLimits> = {}, store: JournalStore | null = null) {
    this.limits = { ...DEFAULT_JOURNAL_LIMITS, ...limits };
    this.store = store;
  }

  /** A new version of `origin` is served. Returns the entry added, if any. */
  record(origin: string, transfer: SharedArrayBuffer | undefined): JournalEntry | null {
    if (transfer === undefined) {
      this.forget(origin);
      return null;
    }
    const before = this.last.get(origin) ?? this.restore(origin);
    this.last.set(origin, transfer);
    if (before === transfer) return null;
    if (before === undefined) {
      this.store?.saveLast(origin, transfer);
      return null;
    }
    // The same version again (a restart with the zone unchanged): nothing to journal.
    if (sameBytes(before, transfer)) return null;
    const a = new TransferForm(before);
    const b = new TransferForm(transfer);
    if (!serialLess(a.serial, b.serial) || a.count > this.limits.maxRecords || b.count > this.limits.maxRecords) {
      this.zones.delete(origin);
      this.store?.rewrite(origin, []);
      this.store?.saveLast(origin, transfer);
      return null;
    }
    const entry = diff(a, b);
    const list = this.zones.get(origin) ?? [];
    list.push(entry);
    const trimmed = this.trim(list);
    this.zones.set(origin, list);
    if (this.store !== null) {
      // The entry before the version it leads to (journal-store.ts: order of writes).
      if (trimmed) this.store.rewrite(origin, list);
      else this.store.append(origin, entry);
      this.store.saveLast(origin, transfer);
    }
    return entry;
  }

  /** Drop the oldest entries past the bounds; true if any was dropped. */
  private trim(list: JournalEntry[]): boolean {
    let bytes = list.reduce((n, e) => n + e.bytes, 0);
    let dropped = false;
    while (list.length > 0 && (list.length > this.limits.entries || bytes > this.limits.bytes)) {
      bytes -= list.shift()!.bytes;
      dropped = true;
    }
    return dropped;
  }

  /** The zone's journal as the store kept it before a restart (the last version, and the entries to it). */
  private restore(origin: string): SharedArrayBuffer | undefined {
    const stored = this.store?.load(origin) ?? null;
    if (stored === null) return undefined;
    const list = stored.entries;
    // The bounds may have shrunk since the file was written.
    if (this.trim(list)) this.store!.rewrite(origin, list);
    if (list.length > 0) this.zones.set(origin, list);
    return stored.last;
  }

  forget(origin: string): void {
    this.zones.delete(origin);
    this.last.delete(origin);
    this.store?.remove(origin);
  }

  /** The entries leading from `serial` to `current`, in order; null when the journal cannot. */
  since(origin: string, serial: number, current: number): JournalEntry[] | null {
    const list = this.zones.get(origin);
    if (list === undefined) return null;
    let i = list.findIndex((e) => e.from === serial);
    if (i < 0) return null;
    const chain: JournalEntry[] = [];
    let at = serial;
    for (; i < list.length && list[i].from === at; i++) {
      chain.push(list[i]);
      at = list[i].to;
    }
    return at === current ? chain : null;
  }

  entries(origin: string): readonly JournalEntry[] {
    return this.zones.get(origin) ?? [];
  }
}

/** Records (without the SOA) removed from `a` and added in `b`. */
export function diff(a: TransferForm, b: TransferForm): JournalEntry {
  const oldKeys = new Map<string, WireRecord>();
  let oldSoa: WireRecord | null = null;
  for (const r of a.records()) {
    if (oldSoa === null) oldSoa = copy(r);
    else oldKeys.set(recordKey(r), r);
  }
  const added: WireRecord[] = [];
  let newSoa: WireRecord | null = null;
  for (const r of b.records()) {
    if (newSoa === null) {
      newSoa = copy(r);
      continue;
    }
    const k = recordKey(r);
    if (oldKeys.has(k)) oldKeys.delete(k);
    else added.push(copy(r));
  }
  const deleted = [...oldKeys.values()].map(copy);
  let bytes = 0;
  for (const r of deleted) bytes += recordSize(r);
  for (const r of added) bytes += recordSize(r);
  return { from: a.serial, to: b.serial, oldSoa: oldSoa!, newSoa: newSoa!, deleted, added, bytes };
}

function sameBytes(a: SharedArrayBuffer, b: SharedArrayBuffer): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Records read from a transfer form are views into it; the journal keeps its own copies. */
function copy(r: WireRecord): WireRecord {
  return { owner: r.owner.slice(), type: r.type, class: r.class, ttl: r.ttl, rdata: r.rdata.slice() };
}
