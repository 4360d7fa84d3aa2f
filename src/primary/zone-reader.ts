// Zone file to checked zone model: the origin rules, parse, check — or every reason it cannot be served.

import { readZoneText } from '../zone/read-zone-text.ts';
import path from 'node:path';
import { type PeregrineError, ZoneDataError } from '../errors.ts';
import { checkZone } from '../zone/check-zone.ts';
import type { Zone } from '../zone/model.ts';
import { NameSyntaxError, ROOT, nameToText, parseName } from '../zone/name.ts';
import { parseZoneText } from '../zone/parse-zone.ts';

export type ReadResult =
  | { ok: true; zone: Zone; origin: string }
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
    text = readZoneText(file);
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

/** `dir/example.com.zone` → `example.com`. */
export function originFromFileName(file: string): string {
  const base = path.basename(file);
  return base.endsWith('.zone') ? base.slice(0, -'.zone'.length) : base;
}

/** An origin as the operator writes it: absolute whether or not it ends with a dot. */
export function parseOrigin(text: string): Uint8Array {
  return parseName(text, ROOT);
}
