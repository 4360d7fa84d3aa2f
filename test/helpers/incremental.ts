// Test helpers for incremental compiles: a zone as (image, transfer form), a change made by
// editing its records, and the comparison of every answer of the patched image with a full
// compile of the same records (all names, their children and wildcard expansions × many types,
// DO on and off, UDP 1232 and 512).

import { readFileSync } from 'node:fs';
import { compile } from '../../src/compile/compile-zone.ts';
import { applyChange, zoneFromForm } from '../../src/compile/apply-change.ts';
import type { IncrementalState } from '../../src/compile/incremental.ts';
import { AnswerEngine } from '../../src/answer/answer.ts';
import type { WireRecord } from '../../src/transfer/message.ts';
import { encodeTransfer, transferRecords, TransferForm } from '../../src/transfer/zone-records.ts';
import { diff } from '../../src/transfer/journal.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { lowerName, nameToText, parentName, parseName } from '../../src/zone/name.ts';
import { defaultOptions, encodeQuery } from './engine.ts';

export interface Version {
  image: SharedArrayBuffer;
  form: SharedArrayBuffer;
  state?: IncrementalState;
  /** How the last change was compiled. */
  how: 'full' | 'incremental';
  reason?: string;
}

export function parseRecords(origin: string, text: string): WireRecord[] {
  const parsed = parseZoneText(text, `${origin}zone`, { origin: parseName(origin, null) });
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map(String).join('\n'));
  return transferRecords(parsed.zone);
}

export function fixture(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'latin1');
}

/** A fully compiled version of these records. */
export function fullVersion(records: WireRecord[]): Version {
  const form = encodeTransfer(records);
  return { image: compile(zoneFromForm(form, 'test')).image, form, how: 'full' };
}

export function recordsOf(v: Version): WireRecord[] {
  return [...new TransferForm(v.form).records()].map((r) => ({ ...r, owner: r.owner.slice(), rdata: r.rdata.slice() }));
}

/** Apply the change from v's records to `next` (SOA first) incrementally. */
export function step(v: Version, next: WireRecord[]): Version {
  const before = new TransferForm(v.form);
  const after = new TransferForm(encodeTransfer(next));
  const d = diff(before, after);
  const out = applyChange({ image: v.image, form: v.form, steps: [{ soa: d.newSoa, deleted: d.deleted, added: d.added }], origin: 'test', state: v.state });
  if (!out.result.ok) return { image: compile(zoneFromForm(out.form, 'test')).image, form: out.form, how: 'full', reason: out.result.reason };
  return { image: out.result.image, form: out.form, state: out.result.state, how: 'incremental' };
}

/** The SOA with its serial moved by one. */
export function bumpSerial(records: WireRecord[]): WireRecord[] {
  const soa = records[0];
  const rdata = soa.rdata.slice();
  let p = 0;
  for (let n = 0; n < 2; n++) {
    while (rdata[p] !== 0) p += rdata[p] + 1;
    p++;
  }
  const dv = new DataView(rdata.buffer, rdata.byteOffset);
  dv.setUint32(p, (dv.getUint32(p) + 1) >>> 0);
  return [{ ...soa, rdata }, ...records.slice(1)];
}

const TYPES = ['A', 'AAAA', 'NS', 'MX', 'CNAME', 'TXT', 'SOA', 'DS', 'NSEC', 'NSEC3', 'RRSIG', 'ANY', 'SRV', 'DNAME', 'HINFO', 'DNSKEY'];

/** Every name worth asking about: owners, their ancestors, a child of each, and the same below each wildcard's parent. */
export function namesToAsk(...forms: SharedArrayBuffer[]): string[] {
  const names = new Set<string>();
  for (const form of forms) {
    const records = [...new TransferForm(form).records()];
    const apex = lowerName(records[0].owner);
    for (const r of records) {
      for (let n = lowerName(r.owner); n.length >= apex.length; n = parentName(n)) {
        names.add(nameToText(n));
        if (n.length === apex.length) break;
      }
    }
  }
  for (const n of [...names]) {
    names.add(`zz-nx.${n}`);
    names.add(`a.${n}`);
    if (n.startsWith('*.')) names.add(`expanded.${n.slice(2)}`);
  }
  return [...names].sort();
}

/** Questions whose answers differ between the two images, as "name type DO size" strings. */
export function differences(a: SharedArrayBuffer, b: SharedArrayBuffer, names: string[]): string[] {
  const ea = new AnswerEngine(defaultOptions);
  const eb = new AnswerEngine(defaultOptions);
  ea.setZones([a]);
  eb.setZones([b]);
  const outA = new Uint8Array(65536);
  const outB = new Uint8Array(65536);
  const diffs: string[] = [];
  for (const name of names) {
    for (const type of TYPES) {
      for (const dnssec of [false, true]) {
        for (const edns of [1232, 512]) {
          const q = encodeQuery(name, type, { edns, do: dnssec });
          const na = ea.answer(q, q.length, outA, false);
          const nb = eb.answer(q, q.length, outB, false);
          if (na !== nb || !Buffer.from(outA.subarray(0, na)).equals(Buffer.from(outB.subarray(0, nb)))) {
            diffs.push(`${name} ${type} DO=${dnssec ? 1 : 0} ${edns}`);
          }
        }
      }
    }
  }
  return diffs;
}

/** The patched version answers every question as a full compile of its records does. */
export function sameAsFull(v: Version, ...before: Version[]): string[] {
  const full = compile(zoneFromForm(v.form, 'test')).image;
  return differences(v.image, full, namesToAsk(v.form, ...before.map((b) => b.form)));
}
