// Serials for generated zones (tinydns data, the control API, services): a zone rebuilt from
// its source gets a new SOA serial only when its content changed, so secondaries transfer (and
// NOTIFY goes out) only then. The serial is max(previous + 1, now in seconds since the epoch),
// RFC 1982-increasing, and remembered across restarts in --state-dir/serials.json.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Zone } from '../zone/model.ts';
import { TYPE_SOA } from '../zone/types.ts';
import { recordKey } from './message.ts';
import { serialLess } from './serial.ts';

interface Entry {
  serial: number;
  /** SHA-256 of the zone's records without the SOA serial. */
  digest: string;
}

export class SerialKeeper {
  private readonly file: string | null;
  private readonly entries: Map<string, Entry>;
  private readonly now: () => number;

  /** `stateDir` null: serials are kept in memory only. `now`: seconds since the epoch (tests). */
  constructor(stateDir: string | null, now: () => number = () => Math.floor(Date.now() / 1000)) {
    this.file = stateDir === null ? null : path.join(stateDir, 'serials.json');
    this.now = now;
    this.entries = new Map();
    if (this.file !== null) {
      try {
        const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, Entry>;
        for (const [origin, e] of Object.entries(saved)) {
          if (Number.isInteger(e.serial) && typeof e.digest === 'string') this.entries.set(origin, e);
        }
      } catch {
        // none yet, or unreadable: start afresh (serials still increase: they start at "now")
      }
    }
  }

  /**
   * Set the serial of `zone`'s SOA (in place): the previous one if the content is unchanged,
   * else a higher one. Returns the serial.
   */
  assign(origin: string, zone: Zone): number {
    const soa = zone.records.find((r) => r.type === TYPE_SOA);
    if (soa === undefined) throw new Error(`${origin}: generated zone without SOA`);
    const digest = contentDigest(zone);
    const before = this.entries.get(origin);
    let serial: number;
    if (before !== undefined && before.digest === digest) {
      serial = before.serial;
    } else {
      const now = this.now() >>> 0;
      serial = before === undefined || serialLess(before.serial, now) ? now : (before.serial + 1) >>> 0;
      this.entries.set(origin, { serial, digest });
      this.save();
    }
    setSerial(soa.rdata, serial);
    return serial;
  }

  private save(): void {
    if (this.file === null) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(Object.fromEntries(this.entries), null, 1)}\n`);
    renameSync(tmp, this.file);
  }
}

/** The records in a fixed order, SOA serial zeroed: equal digests, equal content. */
function contentDigest(zone: Zone): string {
  const keys = zone.records.map((r) => {
    if (r.type !== TYPE_SOA) return recordKey(r);
    const rdata = r.rdata.slice();
    setSerial(rdata, 0);
    return recordKey({ ...r, rdata });
  });
  keys.sort();
  const h = createHash('sha256');
  for (const k of keys) h.update(k, 'latin1').update('\n');
  return h.digest('hex');
}

function setSerial(rdata: Uint8Array, serial: number): void {
  let p = 0;
  for (let n = 0; n < 2; n++) {
    while (rdata[p] !== 0) p += rdata[p] + 1;
    p++;
  }
  new DataView(rdata.buffer, rdata.byteOffset + p, 4).setUint32(0, serial >>> 0);
}
