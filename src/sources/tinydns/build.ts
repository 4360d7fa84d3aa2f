// One tinydns data file to servable zones: read, parse, split into zones (and location
// versions), compile. Runs in a build thread (build-worker.ts) for `serve`, in-line for `check`.
// Zones whose fingerprint the caller already serves are not compiled again.

import { readFileSync, statSync } from 'node:fs';
import { ZoneDataError, type PeregrineError } from '../../errors.ts';
import { encodeError, encodeResult, type WireError, type WireZone } from '../../primary/build-result.ts';
import { loadZoneModel, type LoadedZone } from '../../primary/zone-loader.ts';
import { parseTinydnsData } from './parse-data.ts';
import { tinydnsZones } from './zones.ts';

export interface TinydnsBuildTask {
  kind: 'tinydns';
  file: string;
  /** Origin → fingerprint of the versions served now: those zones are reported unchanged, not compiled. */
  known?: Record<string, string>;
  /** Unix seconds the data is judged at (default: now). */
  now?: number;
}

export interface BuiltTinydnsZone {
  origin: string;
  fingerprint: string;
  /** null: unchanged (the fingerprint was known). */
  zone: LoadedZone | null;
  line: number;
}

export type TinydnsBuildResult =
  | { ok: true; zones: BuiltTinydnsZone[]; ignored: number; nextEvent: number | null; records: number }
  | { ok: false; errors: PeregrineError[] };

export type TinydnsWireResult =
  | { ok: true; zones: (Omit<BuiltTinydnsZone, 'zone'> & { zone: WireZone | null })[]; ignored: number; nextEvent: number | null; records: number }
  | { ok: false; errors: WireError[] };

export function buildTinydns(task: TinydnsBuildTask): TinydnsBuildResult {
  const { file } = task;
  let text: string;
  let mtime: number;
  try {
    // latin1 keeps one char per byte: the data is bytes, and so are its names.
    text = readFileSync(file, 'latin1');
    mtime = Math.floor(statSync(file).mtimeMs / 1000);
  } catch (err) {
    return { ok: false, errors: [new ZoneDataError(`cannot read tinydns data: ${(err as Error).message}`, file, 0)] };
  }
  const parsed = parseTinydnsData(text, file, mtime);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const now = task.now ?? Math.floor(Date.now() / 1000);
  const split = tinydnsZones(parsed.data, now);
  if (split.errors.length > 0) return { ok: false, errors: split.errors };
  const zones: BuiltTinydnsZone[] = [];
  const errors: PeregrineError[] = [];
  for (const z of split.zones) {
    if (task.known?.[z.origin] === z.fingerprint) {
      zones.push({ origin: z.origin, fingerprint: z.fingerprint, zone: null, line: z.line });
      continue;
    }
    let main: LoadedZone | null = null;
    const variants: SharedArrayBuffer[] = [];
    for (const version of z.versions) {
      const r = loadZoneModel(version.zone, file, { now: new Date(now * 1000) });
      if (!r.ok) {
        errors.push(...r.errors);
        break;
      }
      if (main === null) main = r.zone;
      else variants.push(r.zone.image);
    }
    if (main === null) continue;
    if (variants.length > 0) main.variants = variants;
    zones.push({ origin: z.origin, fingerprint: z.fingerprint, zone: main, line: z.line });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, zones, ignored: split.ignored, nextEvent: split.nextEvent, records: parsed.data.records.length };
}

export function encodeTinydnsResult(r: TinydnsBuildResult): TinydnsWireResult {
  if (!r.ok) return { ok: false, errors: r.errors.map(encodeError) };
  return {
    ...r,
    zones: r.zones.map((z) => {
      if (z.zone === null) return { ...z, zone: null };
      const wire = encodeResult({ ok: true, zone: z.zone });
      return { ...z, zone: wire.ok ? wire.zone : null };
    }),
  };
}
