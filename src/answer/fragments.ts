// Denial proof fragments at query time: their format (compile/template-writer.ts
// writeFragment), their size, and writing them with the owner compressed against the query
// name the way Knot compresses an owner (write_owner → knot_compr_put_dname).
//
// A compression pointer holds 14 bits: nothing may point at an offset past 0x3FFF. When a
// fragment's owner lands beyond it (a large answer before the proof), later records and the
// RRSIGs cannot point at it: their owner is compressed against the query name again, as Knot
// does when its owner hint is out of pointer range (compr_set_ptr keeps no hint there).

import type { NameScratch } from './query.ts';

/** Largest offset a compression pointer can hold. */
export const MAX_POINTER = 0x3fff;

/** Bytes a fragment takes at most (its owner written whole for every record). */
export function fragmentSize(bytes: Uint8Array, f: number): number {
  let p = f;
  const ownerLen = (bytes[p] << 8) | bytes[p + 1];
  let size = ownerLen;
  p += 2 + ownerLen;
  for (let part = 0; part < 2; part++) {
    const records = (bytes[p] << 8) | bytes[p + 1];
    p += 2;
    for (let r = 0; r < records; r++) {
      const len = (bytes[p] << 8) | bytes[p + 1];
      size += (part === 0 && r === 0 ? 0 : ownerLen < 2 ? 2 : ownerLen) + len;
      p += 2 + len;
    }
  }
  return size;
}

/**
 * A fragment's NSEC/NSEC3 records: the owner compressed against the query name as Knot
 * compresses it (write_owner → knot_compr_put_dname), later records pointing at it.
 */
export function writeFragmentRecords(
  bytes: Uint8Array, f: number, p: number, out: Uint8Array, qname: NameScratch, labels: Int32Array,
): number {
  const ownerLen = (bytes[f] << 8) | bytes[f + 1];
  const owner = f + 2;
  let q = owner + ownerLen;
  const records = (bytes[q] << 8) | bytes[q + 1];
  q += 2;
  const ownerAt = p;
  for (let r = 0; r < records; r++) {
    if (r === 0 || ownerAt > MAX_POINTER) p = compressOwner(bytes, owner, out, p, qname, labels);
    else { out[p++] = 0xc0 | (ownerAt >>> 8); out[p++] = ownerAt & 0xff; }
    const len = (bytes[q] << 8) | bytes[q + 1];
    for (let i = 0; i < len; i++) out[p + i] = bytes[q + 2 + i];
    p += len;
    q += 2 + len;
  }
  return p;
}

/** How many records a fragment holds: part 0 its NSEC/NSEC3 records, part 1 its RRSIGs. */
export function fragmentRecords(bytes: Uint8Array, f: number, part: number): number {
  let q = f + 2 + ((bytes[f] << 8) | bytes[f + 1]);
  const records = (bytes[q] << 8) | bytes[q + 1];
  if (part === 0) return records;
  q += 2;
  for (let r = 0; r < records; r++) q += 2 + ((bytes[q] << 8) | bytes[q + 1]);
  return (bytes[q] << 8) | bytes[q + 1];
}

/**
 * A fragment's RRSIGs, their owner a pointer to the records' owner (at `ownerAt`), or the owner
 * compressed against the query name when `ownerAt` is out of pointer range.
 */
export function writeFragmentSigs(
  bytes: Uint8Array, f: number, p: number, out: Uint8Array, ownerAt: number, qname: NameScratch, labels: Int32Array,
): number {
  let q = f + 2 + ((bytes[f] << 8) | bytes[f + 1]);
  const records = (bytes[q] << 8) | bytes[q + 1];
  q += 2;
  for (let r = 0; r < records; r++) q += 2 + ((bytes[q] << 8) | bytes[q + 1]);
  const sigs = (bytes[q] << 8) | bytes[q + 1];
  q += 2;
  for (let r = 0; r < sigs; r++) {
    if (ownerAt > MAX_POINTER) {
      p = compressOwner(bytes, f + 2, out, p, qname, labels);
    } else {
      out[p++] = 0xc0 | (ownerAt >>> 8);
      out[p++] = ownerAt & 0xff;
    }
    const len = (bytes[q] << 8) | bytes[q + 1];
    for (let i = 0; i < len; i++) out[p + i] = bytes[q + 2 + i];
    p += len;
    q += 2 + len;
  }
  return p;
}

/**
 * Write the lowercased name at bytes[at] compressed against the query name (at offset 12)
 * with Knot's label-aligned suffix match. Returns the end.
 */
export function compressOwner(
  bytes: Uint8Array, at: number, out: Uint8Array, p: number, name: NameScratch, labels: Int32Array,
  labelAt?: Int32Array,
): number {
  let n = 0;
  for (let i = at; bytes[i] !== 0 && n < labels.length; i += bytes[i] + 1) labels[n++] = i;
  if (n === 0) {
    out[p++] = 0;
    return p;
  }
  const qn = name.labelCount;
  const first = qn > n ? qn - n : 0; // the question's labels aligned with the name's
  let i = 0;
  if (n > qn - first) {
    i = n - (qn - first);
    p = copyLabels(bytes, labels, 0, i - 1, out, p, labelAt);
  }
  let matchBegin = i;
  let compr = first;
  for (let j = first; i < n; i++, j++) {
    const a = labels[i];
    const b = name.labelStarts[j];
    const l = bytes[a];
    let equal = l === name.name[b];
    for (let k = 1; equal && k <= l; k++) equal = bytes[a + k] === name.name[b + k];
    if (!equal) {
      p = copyLabels(bytes, labels, matchBegin, i, out, p, labelAt);
      matchBegin = i + 1;
      compr = j + 1;
    }
  }
  if (labelAt) for (let k = matchBegin; k < n; k++) labelAt[k] = 12 + name.labelStarts[compr + k - matchBegin];
  if (matchBegin === n) {
    out[p++] = 0;
  } else {
    const target = 12 + name.labelStarts[compr];
    out[p++] = 0xc0 | (target >>> 8);
    out[p++] = target & 0xff;
  }
  return p;
}

/** Copy labels[from..to] of a name to out[p] (noting where each went); returns the end. */
function copyLabels(
  bytes: Uint8Array, labels: Int32Array, from: number, to: number, out: Uint8Array, p: number,
  labelAt: Int32Array | undefined,
): number {
  if (labelAt) for (let k = from; k <= to; k++) labelAt[k] = p + labels[k] - labels[from];
  for (let k = labels[from], end = labels[to] + bytes[labels[to]] + 1; k < end; k++) out[p++] = bytes[k];
  return p;
}
