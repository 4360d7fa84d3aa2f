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
import { compareCanonical, lowerName, nameToText, parentName, parseName } from '../../src/zone/name.ts';
import { TYPE_DS, TYPE_NSEC, TYPE_NSEC3, TYPE_NSEC3PARAM, TYPE_RRSIG } from '../../src/zone/types.ts';
import { nameKey, ZoneTree } from '../../src/compile/zone-tree.ts';
import { nsec3Hash } from '../../src/compile/denial.ts';
import { encodeBase32Hex } from '../../src/compile/lazy-tree.ts';
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
  // In transfer order (SOA first, then canonical order), as every served zone's form is.
  const form = encodeTransfer(transferRecords(zoneFromForm(encodeTransfer(records), 'test')));
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

/** An NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2). */
export function typeBitmap(types: number[]): Uint8Array {
  const out: number[] = [];
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  for (let w = 0; w < 256; w++) {
    const inWindow = sorted.filter((t) => t >> 8 === w);
    if (inWindow.length === 0) continue;
    const bytes = new Uint8Array(((inWindow[inWindow.length - 1] & 0xff) >> 3) + 1);
    for (const t of inWindow) bytes[(t & 0xff) >> 3] |= 0x80 >> (t & 7);
    out.push(w, bytes.length, ...bytes);
  }
  return Uint8Array.from(out);
}

/**
 * The records with their NSEC or NSEC3 chain made again for the names they hold (no new
 * signatures: the answers are compared, not validated), as a signer would after a change.
 * Signatures of NSEC/NSEC3 owners still there are kept.
 */
export function rechain(records: WireRecord[]): WireRecord[] {
  const zone = zoneFromForm(encodeTransfer(records), 'test');
  const tree = new ZoneTree(zone);
  const param = tree.apex.rrsets.get(TYPE_NSEC3PARAM)?.rdatas[0];
  const nsec3 = records.find((r) => r.type === TYPE_NSEC3);
  const keep = records.filter((r) => r.type !== TYPE_NSEC && r.type !== TYPE_NSEC3);
  const sigOf = (r: WireRecord): number => (r.rdata[0] << 8) | r.rdata[1];
  const owners = [...tree.nodes.values()].filter((n) => !n.occludedBy);
  const ttl = 300;
  if (param === undefined || nsec3 === undefined) {
    const chain = owners.filter((n) => !n.isEnt).sort((a, b) => compareCanonical(a.name, b.name));
    const live = new Set(chain.map((n) => n.key));
    const out = keep.filter((r) => !(r.type === TYPE_RRSIG && sigOf(r) === TYPE_NSEC && !live.has(nameKey(lowerName(r.owner)))));
    chain.forEach((n, i) => {
      const next = chain[(i + 1) % chain.length].name;
      const types = [...n.rrsets.keys(), TYPE_NSEC, ...(n.sigs.size > 0 ? [TYPE_RRSIG] : [])];
      const bitmap = typeBitmap(types.filter((t) => t !== TYPE_NSEC3));
      const rdata = new Uint8Array(next.length + bitmap.length);
      rdata.set(next);
      rdata.set(bitmap, next.length);
      out.push({ owner: n.name, type: TYPE_NSEC, class: 1, ttl, rdata });
    });
    return out;
  }
  const optOut = (nsec3.rdata[1] & 1) !== 0;
  const params = { iterations: (param[2] << 8) | param[3], salt: param.subarray(5, 5 + param[4]) };
  const chain = owners.filter((n) => !(optOut && n.isCut && !n.rrsets.has(TYPE_DS)))
    .map((n) => ({ n, hash: nsec3Hash(n.name, params) }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.hash), Buffer.from(b.hash)));
  const ownerOf = (h: Uint8Array): Uint8Array => {
    const label = encodeBase32Hex(h);
    const o = new Uint8Array(1 + label.length + tree.apex.name.length);
    o[0] = label.length;
    for (let i = 0; i < label.length; i++) o[1 + i] = label.charCodeAt(i);
    o.set(tree.apex.name, 1 + label.length);
    return o;
  };
  const live = new Set(chain.map((e) => nameKey(ownerOf(e.hash))));
  const out = keep.filter((r) => !(r.type === TYPE_RRSIG && sigOf(r) === TYPE_NSEC3 && !live.has(nameKey(lowerName(r.owner)))));
  chain.forEach((e, i) => {
    const next = chain[(i + 1) % chain.length].hash;
    const types = e.n.isEnt ? [] : [...e.n.rrsets.keys(), ...(e.n.sigs.size > 0 ? [TYPE_RRSIG] : [])];
    const bitmap = typeBitmap(types);
    const head = [1, optOut ? 1 : 0, params.iterations >> 8, params.iterations & 0xff, params.salt.length, ...params.salt, 20, ...next];
    const rdata = new Uint8Array(head.length + bitmap.length);
    rdata.set(head);
    rdata.set(bitmap, head.length);
    out.push({ owner: ownerOf(e.hash), type: TYPE_NSEC3, class: 1, ttl, rdata });
  });
  return out;
}
