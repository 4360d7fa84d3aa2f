// The SOA serial of a generated zone: it moves by one each time the zone's content changes
// (a new fingerprint), never otherwise, and survives restarts in --state-dir.
//
// State: `<state-dir>/generated-serials/<zone>json` = {"serial": N, "fingerprint": "…"}, written
// by atomic rename on every change. Without a state dir (or a saved value), the first serial
// is the Unix time in seconds, so that a restart normally moves forward; a restart after more
// changes than seconds have passed could go back, which --state-dir prevents.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../primary/log.ts';

interface Saved {
  serial: number;
  fingerprint: string;
}

export class SerialKeeper {
  private readonly file: string | null;
  private readonly log: Logger;
  private saved: Saved | null;
  private readonly now: () => number;

  constructor(stateDir: string | null, origin: string, log: Logger, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
    this.file = stateDir === null ? null : path.join(stateDir, 'generated-serials', `${origin.replaceAll('/', '_')}json`);
    this.saved = this.read();
  }

  /** The serial for content with this fingerprint: the last one if unchanged, else one more (RFC 1982). */
  serialFor(fingerprint: string): number {
    const last = this.saved;
    if (last !== null && last.fingerprint === fingerprint) return last.serial;
    const serial = last === null ? Math.floor(this.now() / 1000) >>> 0 : (last.serial + 1) >>> 0;
    this.saved = { serial, fingerprint };
    this.write(this.saved);
    return serial;
  }

  /** The serial and fingerprint saved last (null: none). Zone files under --serial-policy increment. */
  last(): Saved | null {
    return this.saved === null ? null : { ...this.saved };
  }

  /** Remember this serial for this content (written at once when there is a state dir). */
  record(serial: number, fingerprint: string): void {
    if (this.saved !== null && this.saved.serial === serial && this.saved.fingerprint === fingerprint) return;
    this.saved = { serial, fingerprint };
    this.write(this.saved);
  }

  private read(): Saved | null {
    if (this.file === null) return null;
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<Saved>;
      if (typeof v.serial === 'number' && Number.isInteger(v.serial) && v.serial >= 0 && v.serial <= 0xffffffff && typeof v.fingerprint === 'string') {
        return { serial: v.serial, fingerprint: v.fingerprint };
      }
      this.log.warn({ event: 'serial_state_bad', file: this.file, code: 'PGN_WARN_SERIAL_STATE' }, `${this.file}: not a saved serial; starting from the time`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.warn({ event: 'serial_state_bad', file: this.file, code: 'PGN_WARN_SERIAL_STATE' }, `${this.file}: ${(err as Error).message}; starting from the time`);
      }
    }
    return null;
  }

  private write(saved: Saved): void {
    if (this.file === null) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(saved)}\n`);
      renameSync(tmp, this.file);
    } catch (err) {
      this.log.error({ event: 'serial_state_error', file: this.file, code: 'PGN_ERR_STATE_WRITE' }, `cannot save serial to ${this.file}: ${(err as Error).message}`);
    }
  }
}
