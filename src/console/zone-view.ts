// What the web console shows of the zones served, read from the images the workers answer from,
// whatever the zone's source (files, tinydns, transfers, services, the API): a zone's RRsets a page
// at a time, and the answer to one question (the "Ask" view). Both run an AnswerEngine on the
// primary thread over the current generation — the code and the bytes the workers use — so what
// the console shows is what a client receives. Not the hot path: it allocates freely, and a page
// of a 1M-name zone costs one walk of the node table (names compared as bytes) plus one query per
// RRset shown.

import type { AnswerOptions } from '../answer/answer.ts';
import { ImageRecords, type ImageRRset } from '../image/image-records.ts';
import { H_APEX, H_APEX_LEN, NODE_CUT, NODE_ENT, NODE_OCCLUDED, N_NAME, N_NAMELEN } from '../image/layout.ts';
import { ZoneImage } from '../image/zone-image.ts';
import { parseMessage, type WireRecord } from '../transfer/message.ts';
import type { ZoneSet } from '../worker/protocol.ts';
import { nameToText, parseName } from '../zone/name.ts';
import { rdataToText } from '../zone/rdata-text.ts';
import { typeToText } from '../zone/types.ts';

export interface RRsetView {
  owner: string;
  type: string;
  ttl: number;
  records: string[];
}

export interface RecordsPage {
  zone: string;
  serial: number;
  /** Owner names matching the filter (a page holds the RRsets of `limit` of them). */
  names: number;
  offset: number;
  limit: number;
  rrsets: RRsetView[];
}

export interface AskResult {
  /** The response as `dig` prints it. */
  text: string;
  rcode: string;
  bytes: number;
}

export class ZoneView {
  private readonly options: AnswerOptions;
  private readonly current: () => ZoneSet;
  private generation = -1;
  private reader: ImageRecords | null = null;
  private byOrigin = new Map<string, ZoneImage>();

  constructor(options: AnswerOptions, current: () => ZoneSet) {
    // Transfers and TSIG are the primary's business: the tester answers as an unconfigured server.
    this.options = options;
    this.current = current;
  }

  /** The RRsets of owners `offset .. offset+limit` of `origin` (in image order), filtered by `filter` (a substring of the owner). */
  records(origin: string, offset: number, limit: number, filter: string): RecordsPage | null {
    this.refresh();
    const zone = this.byOrigin.get(origin);
    if (zone === undefined) return null;
    const needle = new TextEncoder().encode(filter.toLowerCase());
    const u32 = zone.u32;
    const owners: number[] = [];
    let names = 0;
    for (let i = 0; i < zone.nodeCount; i++) {
      const node = zone.node(i);
      const flags = u32[node + N_NAMELEN] >>> 16;
      // Empty non-terminals hold nothing; names below a cut are glue, shown with the cut's referral.
      if ((flags & NODE_ENT) !== 0 || ((flags & NODE_OCCLUDED) !== 0 && (flags & NODE_CUT) === 0)) continue;
      if (needle.length > 0 && !containsName(zone.bytes, u32[node + N_NAME], u32[node + N_NAMELEN] & 0xffff, needle)) continue;
      if (names >= offset && owners.length < limit) owners.push(node);
      names++;
    }
    const rrsets: RRsetView[] = [];
    for (const node of owners) rrsets.push(...this.reader!.nodeRRsets(zone, node).map(toView));
    return { zone: origin, serial: zone.serial, names, offset, limit, rrsets };
  }

  /** The answer to (name, type) with DO as asked, as `dig` prints it (parseName throws on a bad name). */
  ask(name: string, type: number, dnssec: boolean): AskResult {
    this.refresh();
    const message = this.reader!.ask(parseName(name.endsWith('.') ? name : `${name}.`, null), type, dnssec);
    if (message === null) return { text: ';; no answer (the query was dropped)\n', rcode: 'none', bytes: 0 };
    return { text: digText(message), rcode: rcodeText(message[3] & 0x0f), bytes: message.length };
  }

  private refresh(): void {
    const set = this.current();
    if (set.generation === this.generation && this.reader !== null) return;
    const byOrigin = new Map<string, ZoneImage>();
    for (const image of set.images) {
      const zone = new ZoneImage(image);
      if (zone.location !== 0) continue;
      const h = zone.u32;
      byOrigin.set(nameToText(zone.bytes.slice(h[H_APEX], h[H_APEX] + h[H_APEX_LEN])).toLowerCase(), zone);
    }
    this.reader = new ImageRecords(set.images, this.options);
    this.byOrigin = byOrigin;
    this.generation = set.generation;
  }
}

function toView(set: ImageRRset): RRsetView {
  return { owner: nameToText(set.owner), type: typeToText(set.type), ttl: set.ttl, records: set.rdata.map((r) => rdataToText(set.type, r)) };
}

/** The name at bytes[at .. at+length) as lowercase text without the final dot, into `scratch`; its length. */
const scratch = new Uint8Array(256);
function dotted(bytes: Uint8Array, at: number, length: number): number {
  const end = at + length;
  let n = 0;
  for (let p = at; p < end && bytes[p] !== 0; p += bytes[p] + 1) {
    if (n > 0) scratch[n++] = 0x2e;
    for (let i = 1; i <= bytes[p]; i++) scratch[n++] = bytes[p + i];
  }
  return n;
}

/** Does the owner's text form contain `needle` (lowercase text bytes)? */
function containsName(bytes: Uint8Array, at: number, length: number, needle: Uint8Array): boolean {
  const n = dotted(bytes, at, length);
  outer: for (let start = 0; start + needle.length <= n; start++) {
    for (let j = 0; j < needle.length; j++) if (scratch[start + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

function rcodeText(rcode: number): string {
  return RCODES[rcode] ?? `RCODE${rcode}`;
}

/** The message as `dig` prints it: header, flags, then each section, one record a line. */
export function digText(m: Uint8Array): string {
  const parsed = parseMessage(m);
  const h = parsed.header;
  const flagBits = (m[2] << 8) | m[3];
  const flags = [
    flagBits & 0x8000 ? 'qr' : '', flagBits & 0x0400 ? 'aa' : '', flagBits & 0x0200 ? 'tc' : '',
    flagBits & 0x0100 ? 'rd' : '', flagBits & 0x0080 ? 'ra' : '', flagBits & 0x0020 ? 'ad' : '', flagBits & 0x0010 ? 'cd' : '',
  ].filter((f) => f !== '');
  const lines = [
    `;; ->>HEADER<<- opcode: QUERY, status: ${rcodeText(flagBits & 0x0f)}, id: ${h.id}`,
    `;; flags: ${flags.join(' ')}; QUERY: ${h.qdcount}, ANSWER: ${h.ancount}, AUTHORITY: ${h.nscount}, ADDITIONAL: ${h.arcount}`,
  ];
  const opt = parsed.additional.find((r) => r.type === 41);
  if (opt !== undefined) {
    lines.push('', ';; OPT PSEUDOSECTION:', `; EDNS: version: ${(opt.ttl >>> 16) & 0xff}, flags:${opt.ttl & 0x8000 ? ' do' : ''}; udp: ${opt.class}`);
  }
  if (parsed.question !== null) {
    lines.push('', ';; QUESTION SECTION:', `;${nameToText(parsed.question.name)}\t\tIN\t${typeToText(parsed.question.type)}`);
  }
  const section = (title: string, records: WireRecord[]) => {
    const shown = records.filter((r) => r.type !== 41);
    if (shown.length === 0) return;
    lines.push('', `;; ${title} SECTION:`);
    for (const r of shown) lines.push(`${nameToText(r.owner)}\t${r.ttl}\t${r.class === 1 ? 'IN' : `CLASS${r.class}`}\t${typeToText(r.type)}\t${rdataToText(r.type, r.rdata)}`);
  };
  section('ANSWER', parsed.answers);
  section('AUTHORITY', parsed.authority);
  section('ADDITIONAL', parsed.additional);
  lines.push('', `;; MSG SIZE  rcvd: ${m.length}`);
  return `${lines.join('\n')}\n`;
}
