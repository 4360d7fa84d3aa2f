// Test zones whose DNSSEC answers run past 16 KiB (the reach of a compression pointer), and a
// walker that checks every compression pointer of a message. The signatures are not real (the
// unit tests check which records are sent and how they are written, not their validity); the
// interop suite signs the same zones with dnssec-signzone (test/interop/large-answers.test.ts).
import { createHash } from 'node:crypto';
import { compareCanonical, parseName } from '../../src/zone/name.ts';
import { base32hex } from './base32hex.ts';

export const BIG_ORIGIN = 'big.test.';
/**
 * Where the wildcard MX is: deep, so that a DNAME onto it (`dmx`) moves the chased template's
 * pointers by more than 512 bytes (a long DNAME target and synthesized CNAME before it).
 */
export const WMX = `wmx.${'l'.repeat(63)}.${BIG_ORIGIN}`;

export interface BigZoneShape {
  /** A records at the wildcard `*.w` (default 1500). */
  wildcardA?: number;
  /** MX records at the wildcard `*.wmx`, each to its own in-zone host with A and AAAA (default 0). */
  wildcardMx?: number;
  /** Whether the MX hosts have AAAA records besides A (default true). */
  mxAaaa?: boolean;
}

interface Rec { owner: string; type: string; data: string; ttl?: number }

/** The records, unsigned: `*.w` with many A records, a DNAME onto it, `*.wmx` with many MX, a few names. */
function records(shape: BigZoneShape): Rec[] {
  const o = BIG_ORIGIN;
  const out: Rec[] = [
    { owner: o, type: 'SOA', data: `ns.${o} hostmaster.${o} 1 7200 3600 1209600 300` },
    { owner: o, type: 'NS', data: `ns.${o}` },
    { owner: o, type: 'DNSKEY', data: `257 3 13 ${FAKE_KEY}` },
    { owner: `ns.${o}`, type: 'A', data: '192.0.2.53' },
    { owner: `mail.${o}`, type: 'MX', data: `10 ns.${o}` },
    { owner: `d.${o}`, type: 'DNAME', data: `w.${o}` },
    { owner: `dmx.${o}`, type: 'DNAME', data: WMX },
  ];
  const count = shape.wildcardA ?? 1500;
  for (let i = 0; i < count; i++) out.push({ owner: `*.w.${o}`, type: 'A', data: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
  for (let i = 0; i < (shape.wildcardMx ?? 0); i++) {
    out.push({ owner: `*.${WMX}`, type: 'MX', data: `${i} mx${i}.${o}` });
    out.push({ owner: `mx${i}.${o}`, type: 'A', data: `10.1.${(i >> 8) & 255}.${i & 255}` });
    if (shape.mxAaaa !== false) out.push({ owner: `mx${i}.${o}`, type: 'AAAA', data: `2001:db8::${i.toString(16)}` });
  }
  return out;
}

const FAKE_SIG = Buffer.alloc(64, 7).toString('base64');
const FAKE_KEY = Buffer.alloc(64, 9).toString('base64');

const labelCount = (name: string) => name.split('.').filter((l) => l !== '' && l !== '*').length;

function line(r: Rec): string {
  return `${r.owner} ${r.ttl ?? 3600} ${r.type} ${r.data}`;
}

function sig(owner: string, type: string, ttl = 3600): string {
  return `${owner} ${ttl} RRSIG ${type} 13 ${labelCount(owner)} ${ttl} 20361120141423 20261123141423 12345 ${BIG_ORIGIN} ${FAKE_SIG}`;
}

/** Owners and their types, in canonical order; with `ents`, empty non-terminals too. */
function owners(recs: Rec[], ents: boolean): { name: string; types: string[] }[] {
  const types = new Map<string, Set<string>>();
  for (const r of recs) {
    if (!types.has(r.owner)) types.set(r.owner, new Set());
    types.get(r.owner)!.add(r.type);
  }
  if (ents) {
    for (const name of [...types.keys()]) {
      let parent = name.slice(name.indexOf('.') + 1);
      while (parent.length > BIG_ORIGIN.length && parent.endsWith(BIG_ORIGIN)) {
        if (!types.has(parent)) types.set(parent, new Set());
        parent = parent.slice(parent.indexOf('.') + 1);
      }
    }
  }
  const wire = (n: string) => parseName(n, null);
  return [...types.entries()]
    .sort((a, b) => compareCanonical(wire(a[0]), wire(b[0])))
    .map(([name, set]) => ({ name, types: [...set] }));
}

/** Not signed (the DO templates of a large additional section would not fit 64 KiB). */
export function bigUnsignedZone(shape: BigZoneShape = {}): string {
  return records(shape).filter((r) => r.type !== 'DNSKEY').map(line).join('\n') + '\n';
}

/** Signed with NSEC (fake signatures; the chain in canonical order). */
export function bigNsecZone(shape: BigZoneShape = {}): string {
  const recs = records(shape);
  const lines = recs.map(line);
  const all = owners(recs, false);
  all.forEach((n, i) => {
    const next = all[(i + 1) % all.length].name;
    for (const t of n.types) lines.push(sig(n.name, t));
    lines.push(`${n.name} 300 NSEC ${next} ${[...n.types, 'RRSIG', 'NSEC'].join(' ')}`);
    lines.push(sig(n.name, 'NSEC', 300));
  });
  return lines.join('\n') + '\n';
}

function nsec3Hash(name: string): string {
  return base32hex(createHash('sha1').update(parseName(name, null)).digest());
}

/** Signed with NSEC3 (no salt, 0 iterations), empty non-terminals with their own NSEC3. */
export function bigNsec3Zone(shape: BigZoneShape = {}): string {
  const recs = records(shape);
  recs.push({ owner: BIG_ORIGIN, type: 'NSEC3PARAM', data: '1 0 0 -', ttl: 0 });
  const lines = recs.map(line);
  const hashed = owners(recs, true).map((n) => ({ ...n, hash: nsec3Hash(n.name) }))
    .sort((a, b) => (a.hash < b.hash ? -1 : 1));
  hashed.forEach((n, i) => {
    const next = hashed[(i + 1) % hashed.length].hash;
    for (const t of n.types) lines.push(sig(n.name, t, t === 'NSEC3PARAM' ? 0 : 3600));
    const bitmap = n.types.length > 0 ? [...n.types, 'RRSIG'].join(' ') : '';
    const owner = `${n.hash}.${BIG_ORIGIN}`;
    lines.push(`${owner} 300 NSEC3 1 0 0 - ${next.toUpperCase()} ${bitmap}`);
    lines.push(sig(owner, 'NSEC3', 300));
  });
  return lines.join('\n') + '\n';
}

/** A name below `suffix` about `length` bytes long on the wire (labels of 63). */
export function longNameBelow(suffix: string, length = 240): string {
  const labels: string[] = [];
  let size = parseName(suffix, null).length;
  let c = 0;
  while (size + 64 <= length) {
    labels.push(String.fromCharCode(97 + (c++ % 26)).repeat(63));
    size += 64;
  }
  if (length - size > 1) {
    labels.push('q'.repeat(length - size - 1));
  }
  return `${labels.join('.')}.${suffix}`;
}

/**
 * Every compression pointer of a DNS message, checked: it points before itself and at most at
 * 0x3FFF, at a label or pointer inside the message. Returns the problems (empty when none).
 * Walks the header's counts, names in owners and in the RDATA of NS, CNAME, PTR, MX and SOA.
 */
export function pointerProblems(msg: Uint8Array): string[] {
  const problems: string[] = [];
  const u16 = (p: number) => (msg[p] << 8) | msg[p + 1];
  const name = (start: number): number => {
    let p = start;
    for (let guard = 0; guard < 128; guard++) {
      if (p >= msg.length) { problems.push(`name at ${start} runs past the end`); return msg.length; }
      const l = msg[p];
      if (l === 0) return p + 1;
      if ((l & 0xc0) === 0xc0) {
        const target = u16(p) & 0x3fff;
        if (target >= p) problems.push(`pointer at ${p} points forward to ${target}`);
        if (target < 12) problems.push(`pointer at ${p} points into the header (${target})`);
        return p + 2;
      }
      if ((l & 0xc0) !== 0) { problems.push(`bad label type at ${p}`); return msg.length; }
      p += l + 1;
    }
    problems.push(`name at ${start} has too many labels`);
    return msg.length;
  };
  let p = 12;
  for (let i = 0; i < u16(4); i++) p = name(p) + 4;
  const records = u16(6) + u16(8) + u16(10);
  for (let i = 0; i < records && p < msg.length; i++) {
    p = name(p);
    const type = u16(p);
    const rdlength = u16(p + 8);
    const rd = p + 10;
    if (type === 2 || type === 5 || type === 12) name(rd);
    else if (type === 15) name(rd + 2);
    else if (type === 6) name(name(rd));
    p = rd + rdlength;
  }
  if (p !== msg.length) problems.push(`records end at ${p}, message at ${msg.length}`);
  return problems;
}
