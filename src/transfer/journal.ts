// The IXFR journal: the differences between the last versions of each zone we served, kept in
// memory, bounded by count and bytes per zone. A version whose serial did not move, or moved
// backwards, breaks the chain: the journal of that zone starts over (clients then get AXFR).

import { recordKey, recordSize, type WireRecord } from './message.ts';
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

  constructor(limits: Partial<JournalLimits> = {}) {
    this.limits = { ...DEFAULT_JOURNAL_LIMITS, ...limits };
  }

  /** A new version of `origin` is served. Returns the entry added, if any. */
  record(origin: string, transfer: SharedArrayBuffer | undefined): JournalEntry | null {
    const before = this.last.get(origin);
    if (transfer === undefined) {
      this.forget(origin);
      return null;
    }
    this.last.set(origin, transfer);
    if (before === undefined || before === transfer) return null;
    const a = new TransferForm(before);
    const b = new TransferForm(transfer);
    if (!serialLess(a.serial, b.serial) || a.count > this.limits.maxRecords || b.count > this.limits.maxRecords) {
      this.zones.delete(origin);
      return null;
    }
    const entry = diff(a, b);
    const list = this.zones.get(origin) ?? [];
    list.push(entry);
    let bytes = list.reduce((n, e) => n + e.bytes, 0);
    while (list.length > 0 && (list.length > this.limits.entries || bytes > this.limits.bytes)) bytes -= list.shift()!.bytes;
    this.zones.set(origin, list);
    return entry;
  }

  forget(origin: string): void {
    this.zones.delete(origin);
    this.last.delete(origin);
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

/** Records read from a transfer form are views into it; the journal keeps its own copies. */
function copy(r: WireRecord): WireRecord {
  return { owner: r.owner.slice(), type: r.type, class: r.class, ttl: r.ttl, rdata: r.rdata.slice() };
}
