// Zone file to checked zone model: the origin rules, parse, check — or every reason it cannot be served.

import { readZoneText } from '../zone/read-zone-text.ts';
import path from 'node:path';
import { type PeregrineError, ZoneDataError } from '../errors.ts';
import { checkZoneAll } from '../zone/check-zone.ts';
import type { Zone } from '../zone/model.ts';
import { NameSyntaxError, ROOT, nameToText, parseName } from '../zone/name.ts';
import { parseZoneText } from '../zone/parse-zone.ts';

export type ReadResult =
  | { ok: true; zone: Zone; origin: string; warnings: ZoneDataError[] }
  | { ok: false; errors: PeregrineError[]; warnings: ZoneDataError[] };

const DOLLAR_ORIGIN = /^[ \t]*\$ORIGIN[ \t]/im;

/**
 * Parse and check a zone file. The origin is `origin` when the operator named one, else the
 * file's own $ORIGIN, else the file name without `.zone`. A file with problems yields every
 * problem found, syntax and semantic at once (as named-checkzone lists them): the checks run
 * on the lines that parsed, and do not report missing what a skipped line may have held (an
 * SOA line with a typo is one error, not two). Warnings (zone data knotd and NSD both serve,
 * but probably a mistake) come with either outcome and do not stop the zone from loading.
 */
export function readZone(file: string, origin: string | null = null): ReadResult {
  let text: string;
  try {
    // latin1 keeps one char per byte, which is what the parser works on.
    text = readZoneText(file);
  } catch (err) {
    return { ok: false, errors: [new ZoneDataError(`cannot read zone file: ${(err as Error).message}`, file, 0)], warnings: [] };
  }

  let apex: Uint8Array | undefined;
  const given = origin ?? (DOLLAR_ORIGIN.test(text) ? null : originFromFileName(file));
  if (given !== null) {
    try {
      apex = parseOrigin(given);
    } catch (err) {
      if (!(err instanceof NameSyntaxError)) throw err;
      const why = origin === null ? ` (from the file name; use ORIGIN=FILE or $ORIGIN)` : '';
      return { ok: false, errors: [new ZoneDataError(`bad origin '${given}'${why}: ${err.message}`, file, 0)], warnings: [] };
    }
  }

  const parsed = parseZoneText(text, file, apex === undefined ? {} : { origin: apex });
  const checked = checkZoneAll(parsed.zone, parsed.skippedOwners);
  const warnings = byLine([...parsed.warnings, ...checked.warnings]);
  if (parsed.errors.length > 0 || checked.errors.length > 0) {
    // Syntax errors first (in file order), then what the checks found: the first is what /zones shows.
    return { ok: false, errors: [...parsed.errors, ...checked.errors], warnings };
  }
  return { ok: true, zone: parsed.zone, origin: nameToText(parsed.zone.origin), warnings };
}

/** Problems in file order (files in the order read, then lines), as an editor walks them. */
function byLine<T extends PeregrineError>(problems: T[]): T[] {
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.context.file ?? '')) fileOrder.set(p.context.file ?? '', fileOrder.size);
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) =>
      (fileOrder.get(a.p.context.file ?? '')! - fileOrder.get(b.p.context.file ?? '')!) ||
      ((a.p.context.line ?? 0) - (b.p.context.line ?? 0)) || a.i - b.i)
    .map((x) => x.p);
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
