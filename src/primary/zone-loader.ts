// One zone file to one servable image: readZone, then compile, plus what the logs say about it.

import { compileZone } from '../compile/compile-zone.ts';
import { PeregrineError } from '../errors.ts';
import type { Zone } from '../zone/model.ts';
import { nameEquals, nameLength } from '../zone/name.ts';
import { TYPE_SOA } from '../zone/types.ts';
import { readZone } from './zone-reader.ts';

export interface LoadedZone {
  /** Presentation form, lowercase, with the trailing dot. */
  origin: string;
  file: string;
  serial: number | null;
  records: number;
  image: SharedArrayBuffer;
}

export type LoadResult =
  | { ok: true; zone: LoadedZone }
  | { ok: false; errors: PeregrineError[] };

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
