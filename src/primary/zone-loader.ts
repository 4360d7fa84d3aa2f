// One zone file to one servable image: read, parse, check, compile — or the reasons it cannot be served.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileZone } from '../compile/compile-zone.ts';
import { PeregrineError, ZoneDataError } from '../errors.ts';
import { checkZone } from '../zone/check-zone.ts';
import type { Zone } from '../zone/model.ts';
import { NameSyntaxError, ROOT, nameEquals, nameLength, nameToText, parseName } from '../zone/name.ts';
import { parseZoneText } from '../zone/parse-zone.ts';
import { TYPE_SOA } from '../zone/types.ts';

export interface LoadedZone {
  /** Presentation form, lowercase, with the trailing dot. */
  origin: string;
  file: string;
  serial: number | null;
  records: number;
  image: SharedArrayBuffer;
}

export type ReadResult =
  | { ok: true; zone: Zone; origin: string }
  | { ok: false; errors: PeregrineError[] };

export type LoadResult =
  | { ok: true; zone: LoadedZone }
  | { ok: false; errors: PeregrineError[] };

const DOLLAR_ORIGIN = /^[ \t]*\$ORIGIN[ \t]/im;

/**
 * Parse and check a zone file. The origin is `origin` when the operator named one, else the
 * file's own $ORIGIN, else the file name without `.zone`. A file with problems yields every
 * problem found; `checkZone` only runs on a file that parsed cleanly, since checks on a
 * half-read zone (say, one whose SOA line failed) would mostly report echoes of parse errors.
 */
export function readZone(file: string, origin: string | null = null): ReadResult {
  let text: string;
  try {
    // latin1 keeps one char per byte, which is what the parser works on.
    text = readFileSync(file, 'latin1');
  } catch (err) {
    return { ok: false, errors: [new ZoneDataError(`cannot read zone file: ${(err as Error).message}`, file, 0)] };
  }

  let apex: Uint8Array | undefined;
  const given = origin ?? (DOLLAR_ORIGIN.test(text) ? null : originFromFileName(file));
  if (given !== null) {
    try {
      apex = parseOrigin(given);
    } catch (err) {
      if (!(err instanceof NameSyntaxError)) throw err;
      const why = origin === null ? ` (from the file name; use ORIGIN=FILE or $ORIGIN)` : '';
      return { ok: false, errors: [new ZoneDataError(`bad origin '${given}'${why}: ${err.message}`, file, 0)] };
    }
  }

  const parsed = parseZoneText(text, file, apex === undefined ? {} : { origin: apex });
  if (parsed.errors.length > 0) return { ok: false, errors: parsed.errors };
  const problems = checkZone(parsed.zone);
  if (problems.length > 0) return { ok: false, errors: problems };
  return { ok: true, zone: parsed.zone, origin: nameToText(parsed.zone.origin) };
}

/** readZone, then compile. An image that does not fit the format is an error like any other. */
export function loadZone(file: string, origin: string | null = null): LoadResult {
  const read = readZone(file, origin);
  if (!read.ok) return read;
  let image: SharedArrayBuffer;
  try {
    image = compileZone(read.zone);
  } catch (err) {
    if (err instanceof PeregrineError) return { ok: false, errors: [err] };
    throw err;
  }
  return {
    ok: true,
    zone: {
      origin: read.origin,
      file,
      serial: soaSerial(read.zone),
      records: read.zone.records.length,
      image,
    },
  };
}

/** `dir/example.com.zone` → `example.com`. */
export function originFromFileName(file: string): string {
  const base = path.basename(file);
  return base.endsWith('.zone') ? base.slice(0, -'.zone'.length) : base;
}

/** An origin as the operator writes it: absolute whether or not it ends with a dot. */
export function parseOrigin(text: string): Uint8Array {
  return parseName(text, ROOT);
}

/** The apex SOA's serial, for logs (null if checkZone ever lets a zone without SOA through). */
export function soaSerial(zone: Zone): number | null {
  for (const rr of zone.records) {
    if (rr.type !== TYPE_SOA || !nameEquals(rr.owner, zone.origin)) continue;
    const rdata = rr.rdata;
    let off = nameLength(rdata, 0);
    off += nameLength(rdata, off);
    if (off + 4 > rdata.length) return null;
    return ((rdata[off] << 24) >>> 0) + (rdata[off + 1] << 16) + (rdata[off + 2] << 8) + rdata[off + 3];
  }
  return null;
}
