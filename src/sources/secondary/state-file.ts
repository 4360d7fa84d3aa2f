// A transferred zone on disk (--state-dir/secondary/ORIGIN.zone), so a restart serves it at
// once: an RFC 1035 zone file with every record in the generic form of RFC 3597
// (`owner TTL CLASS TYPEn \# len hex`), which any zone parser reads back byte for byte whatever
// the type. Written to a temporary file, synced, then renamed: never half a zone.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { WireRecord } from '../../transfer/message.ts';
import { nameToText } from '../../zone/name.ts';

export function stateFile(stateDir: string, origin: string): string {
  const name = origin === '.' ? 'root' : origin.replace(/\.$/, '');
  return path.join(stateDir, 'secondary', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.zone`);
}

export function writeStateFile(file: string, origin: string, source: string, records: Iterable<WireRecord>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const lines = [`; ${origin} transferred from ${source} at ${new Date().toISOString()} by Peregrine`, `$ORIGIN .`];
  for (const r of records) {
    const hex = Buffer.from(r.rdata).toString('hex');
    lines.push(`${nameToText(r.owner)} ${r.ttl} CLASS${r.class} TYPE${r.type} \\# ${r.rdata.length}${hex === '' ? '' : ` ${hex}`}`);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The zone was found current at the primary: the file's time is when we last knew that. */
export function touchStateFile(file: string, at = new Date()): void {
  try {
    utimesSync(file, at, at);
  } catch {
    // no file (yet): nothing to mark
  }
}
