// Geo views compiled: for every (owner, view) of a zone's geo file, a small zone — the main
// zone's apex RRsets, the view's RRsets at the owner (with the geo TTL), and the RRsets a CNAME
// in the view leads to, followed through further CNAMEs — compiled like any zone, so a view's
// answers are precompiled templates and the per-query work is choosing the image. Each image
// carries its selector (image/geo-view.ts). What Knot's mod-geoip answers is what the view's
// image answers for the owner: the view's RRset, NODATA (SOA) for types the view lacks, the CNAME
// chased through the zone; no additional section for the view's own records, as Knot adds none.
//
// The main zone's data is read back from its image (image/image-records.ts), so every source —
// files, transfers, the API, services — gets views the same way, on the primary, at publication.

import type { AnswerOptions } from '../answer/answer.ts';
import { ImageRecords, type ImageRRset } from '../image/image-records.ts';
import { GEO_SUBNET, GEO_WEIGHTED, GEO_PREFIXES, withSelector, type GeoNetwork } from '../image/geo-view.ts';
import { H_APEX, H_APEX_LEN, H_FLAGS, IMAGE_SIGNED, IMAGE_TINYDNS } from '../image/layout.ts';
import { ZoneImage } from '../image/zone-image.ts';
import type { GeoConfig, GeoOwner, GeoView } from '../sources/geo/geo-file.ts';
import type { ResourceRecord, Zone } from '../zone/model.ts';
import { isSubdomain, nameToText, parentName } from '../zone/name.ts';
import { TYPE_CNAME } from '../zone/types.ts';
import { compile } from './compile-zone.ts';
import { ZoneDataError } from '../errors.ts';

/** How far a CNAME in a view is followed through the zone for the view's image. */
const MAX_CHAIN = 16;

export interface CompiledViews {
  images: SharedArrayBuffer[];
  /** Owners and views left out, with why (FILE:LINE). */
  warnings: ZoneDataError[];
}

/**
 * The view images of `main` (a zone's main image) for `geo`. `prefixes` (geodb mode): the
 * networks each view answers, per owner index and view index, from the MaxMind DB.
 */
export function compileGeoViews(
  main: SharedArrayBuffer,
  geo: GeoConfig,
  options: AnswerOptions,
  prefixes?: GeoNetwork[][][],
): CompiledViews {
  const zone = new ZoneImage(main);
  const h = zone.u32;
  const apex = zone.bytes.slice(h[H_APEX], h[H_APEX] + h[H_APEX_LEN]);
  const warnings: ZoneDataError[] = [...geo.warnings];
  const warn = (line: number, message: string) => warnings.push(new ZoneDataError(message, geo.file, line, 'PGN_WARN_GEO'));
  if ((h[H_FLAGS] & (IMAGE_SIGNED | IMAGE_TINYDNS)) !== 0) {
    const why = (h[H_FLAGS] & IMAGE_SIGNED) !== 0 ? 'is signed (views would need online signing, which Peregrine does not do)' : 'is tinydns data (use its % locations)';
    warn(0, `zone ${nameToText(apex)} ${why}: the geo file is not applied`);
    return { images: [], warnings };
  }
  const reader = new ImageRecords([main], options);
  const apexSets = reader.rrsetsAt(zone, apex);
  const images: SharedArrayBuffer[] = [];
  geo.owners.forEach((owner, oi) => {
    if (!isSubdomain(owner.name, apex)) {
      warn(owner.line, `${nameToText(owner.name)} is not in zone ${nameToText(apex)}: never asked`);
      return;
    }
    owner.views.forEach((view, vi) => {
      if (view.rrsets.length === 0) return; // Knot keeps no view without records.
      const records = viewZone(reader, zone, apex, apexSets, owner, view, geo.ttl);
      const image = compile({ origin: apex, records, files: [] } satisfies Zone).image;
      const base = { order: vi, owner: owner.name };
      if (geo.mode === 'subnet') images.push(withSelector(image, { ...base, mode: GEO_SUBNET, net: view.net }));
      else if (geo.mode === 'weighted') images.push(withSelector(image, { ...base, mode: GEO_WEIGHTED, weight: view.weight }));
      else images.push(withSelector(image, { ...base, mode: GEO_PREFIXES, prefixes: prefixes?.[oi]?.[vi] ?? [] }));
    });
  });
  return { images, warnings };
}

/** The records of one view's zone. */
function viewZone(reader: ImageRecords, zone: ZoneImage, apex: Uint8Array, apexSets: ImageRRset[], owner: GeoOwner, view: GeoView, ttl: number): ResourceRecord[] {
  const source = { file: 'geo', line: view.line };
  const records: ResourceRecord[] = [];
  const add = (sets: ImageRRset[]) => {
    for (const s of sets) for (const rdata of s.rdata) records.push({ owner: s.owner, type: s.type, class: 1, ttl: s.ttl, rdata, source });
  };
  // The owner is the apex: the view replaces the apex RRsets it names, the SOA and NS stay.
  const ownerIsApex = owner.name.length === apex.length && isSubdomain(owner.name, apex);
  add(ownerIsApex ? apexSets.filter((s) => !view.rrsets.some((v) => v.type === s.type)) : apexSets);
  for (const set of view.rrsets) for (const rdata of set.rdata) records.push({ owner: owner.name, type: set.type, class: 1, ttl, rdata, source });
  // A CNAME is chased through the zone: the target's RRsets (and theirs, for a chain) come along.
  const seen = new Set<string>([nameToText(owner.name)]);
  let cname = view.rrsets.find((s) => s.type === TYPE_CNAME)?.rdata[0];
  for (let i = 0; cname !== undefined && i < MAX_CHAIN; i++) {
    const key = nameToText(cname).toLowerCase();
    if (seen.has(key) || !isSubdomain(cname, apex) || parentName(cname).length === 0) break;
    seen.add(key);
    const sets = reader.rrsetsAt(zone, cname);
    add(sets);
    cname = sets.find((s) => s.type === TYPE_CNAME)?.rdata[0];
  }
  return records;
}
