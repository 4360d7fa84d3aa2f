// Where API zones live on disk: `STATE_DIR/api/<name>.zone`, one ordinary zone file per zone,
// replaced atomically (temp file in the same directory, fsync, rename, fsync of the directory) so
// that a crash leaves the old or the new version, never half of one.

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** The directory of API zones inside the state directory (created if missing). */
export function apiZoneDir(stateDir: string): string {
  const dir = path.join(stateDir, 'api');
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  return dir;
}

/**
 * The file of a zone: its name without the trailing dot, lowercase, every character other than
 * letters, digits, `-`, `_` and `.` as %XX (so no label can reach outside the directory). The
 * file states its $ORIGIN; the name only has to be unique.
 */
export function apiZoneFile(dir: string, origin: string): string {
  const base = origin.toLowerCase().replace(/\.$/, '');
  let name = '';
  for (const ch of base) {
    name += /[a-z0-9_.-]/.test(ch) ? ch : `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return path.join(dir, `${name}.zone`);
}

let tempCounter = 0;

/** Replace `file` with `text`: after this returns, a crash leaves the new content. */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${++tempCounter}`);
  const fd = openSync(temp, 'w', 0o640);
  try {
    // The text is one char per byte (latin1), as the zone-file parser reads it.
    const bytes = Buffer.from(text, 'latin1');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  syncDir(dir);
}

/** Remove `file` for good (the directory entry is synced). */
export function removeFileDurably(file: string): void {
  unlinkSync(file);
  syncDir(path.dirname(file));
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Temp files a crash left behind (`.NAME.zone.tmp-…`): removed at start. */
export function removeStaleTemps(dir: string): string[] {
  const stale = readdirSync(dir).filter((n) => n.startsWith('.') && n.includes('.zone.tmp-'));
  for (const name of stale) rmSync(path.join(dir, name), { force: true });
  return stale;
}
