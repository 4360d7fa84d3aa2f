// Bytes in, bytes out: the transport-independent answer function. It classifies the query
// (dropped, error, CHAOS, refused, or a template from a zone image), then copies the question
// and the template into the response buffer and patches ID, flags, counts and pointers.

import { ZoneImage } from '../image/zone-image.ts';
import { hashName } from '../image/name-hash.ts';
import {
  ADD_REQUIRED, DENIAL_NSEC, H_DENIAL, H_FRAGMENTS, NODE_AUTH, NODE_ENT, N_ANY, N_ANY_DO, N_BELOW,
  N_BELOW_DO, N_DEFAULT, N_DEFAULT_DO, N_DNAME, N_NAMELEN, N_PROOF, N_PROOF2, N_TYPES,
  N_WILDCARD, N_WILD_PROOF, PROOF_ENCLOSER, PROOF_ENCLOSER_WILDCARD, PROOF_NODE, PROOF_QNAME,
  T_AA, T_ANSWER_SIGS, T_AUTH_OPTIONAL, T_AUTH_SIGS, T_AUTH_START, T_HEADER_U16, T_PROOF, T_SPLIT, T_UNITS,
} from '../image/layout.ts';
import { NameScratch, ParsedQuery, PARSE_BADVERS, PARSE_DROP, PARSE_FORMERR } from './query.ts';
import { ChaosAnswers, type ChaosOptions } from './chaos.ts';
import { ClientAddress } from './client-address.ts';
import { clientLocation } from '../image/location.ts';
import { ClientSubnet } from './ecs.ts';
import { GeoSelector } from './geo-select.ts';
import { DenialSearch } from './denial-search.ts';
import { EdnsOptions, OPTIONS_BADCOOKIE, OPTIONS_FORMERR } from './edns-options.ts';
import type { CookieSecrets } from './cookies.ts';
import {
  compressOwner, fragmentRecords, fragmentSize, writeFragmentRecords, writeFragmentSigs,
} from './fragments.ts';
import { MAX_POINTER_OFFSET, PointerOverflow } from './pointer-overflow.ts';

export type { ChaosOptions } from './chaos.ts';

export interface AnswerOptions {
  /** Largest UDP response to an EDNS client (RFC 9715 recommends 1232). */
  maxUdpPayload: number;
  /**
   * EDNS Client Subnet (`--ecs`): a query's ECS address chooses geo views instead of the source
   * address, and the answer carries the option back with its scope; malformed ECS is FORMERR.
   * Off: the option is ignored, as Knot does without `edns-client-subnet: on`.
   */
  ecs?: boolean;
  chaos: ChaosOptions;
  /**
   * Hand zone transfers (AXFR over TCP, IXFR), NOTIFY and TSIG-signed queries to the primary
   * thread (answer() returns ANSWER_HANDOFF): they need versions, journals, keys and ACLs the
   * workers do not have. Without it they are answered as Knot answers them unconfigured.
   */
  handoff?: boolean;
  /** RFC 5001: this server's NSID (raw bytes), sent to queries that ask with an empty NSID option; absent: off. */
  nsid?: Uint8Array | null;
  /** RFC 7873/9018 DNS cookies: the server secrets; absent: COOKIE options are ignored. */
  cookies?: CookieSecrets | null;
}

/** answer()'s result for a query the primary answers (see AnswerOptions.handoff). */
export const ANSWER_HANDOFF = -1;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;
export const RCODE_YXDOMAIN = 6;
export const RCODE_NOTAUTH = 9;
export const RCODE_BADVERS = 16;
export const RCODE_BADCOOKIE = 23;

const CLASS_IN = 1;
const CLASS_CH = 3;
const CLASS_ANY = 255;
const QTYPE_DS = 43;
const QTYPE_IXFR = 251;
const QTYPE_AXFR = 252;
const QTYPE_ANY = 255;
const OPCODE_NOTIFY = 4;
const OPCODE_UPDATE = 5;
const TYPE_CNAME = 5;
const OPT_LENGTH = 11;
/** RFC 8914 Extended DNS Error option, code 20 "Not Authoritative": 4-byte header + INFO-CODE. */
const EDE_NOT_AUTHORITATIVE = 20;
const MAX_ADDITIONAL = 1024;
const NO_SHIFT = 0x7fffffff;

/** Group returned by lookup() when the closest encloser holds a DNAME. */
const LOOKUP_DNAME = -1;

export class AnswerEngine {
  /**
   * The client of the query being answered: transports set it before each `answer` call, for what
   * depends on who asks (response rate limiting, tinydns locations, transfer ACLs).
   */
  readonly client = new ClientAddress();
  private readonly options: AnswerOptions;
  private readonly query = new ParsedQuery();
  /** A name synthesized from a DNAME, looked up again in the zone. */
  private readonly target = new NameScratch();
  private readonly chaos: ChaosAnswers;
  private readonly denial = new DenialSearch();
  /** NSID and COOKIE of the query being answered, and the options they add to the response. */
  readonly ednsOptions: EdnsOptions;
  private zones: ZoneImage[] = [];
  /** Open-addressed table of apex hashes → zone index + 1. */
  private zoneTable = new Int32Array(1);
  private zoneMask = 0;
  private rotation = 0;
  /** The query's ECS option (with --ecs), and the scope the answer depended on. */
  private readonly subnet = new ClientSubnet();
  private scope = 0;
  private draining = false;
  /** A secondary zone expired: the health probe fails as /healthz does. */
  private anyExpired = false;
  // The response being written (fields, not a returned object: no allocation per query).
  private an = 0;
  private ns = 0;
  private ar = 0;
  private tc = false;
  private aa = false;
  private rcode = 0;
  private ede = false;
  /** Proof fragments for the template being written (ids, count). */
  private readonly fragments = new Uint32Array(6);
  private fragmentCount = 0;
  /** Which additional entries of the template being written went out. */
  private readonly included = new Uint8Array(MAX_ADDITIONAL);
  // What the last lookup found, for the proofs a DNSSEC template asks for: the node answering
  // (exact or wildcard), the closest encloser and its label index in the name; and the
  // DNAME record when the closest encloser holds one.
  private proofNode = -1;
  private ceNode = -1;
  private ceLabel = -1;
  private dname = 0;
  /** A range of another template place() writes before the answer's RRSIGs (a DNAME's). */
  private insertTemplate = 0;
  private insertFrom = 0;
  private insertLength = 0;
  private insertDelta = 0;
  private insertRecords = 0;
  // Relocation of the template being placed (see copyBody).
  private qDelta = 0;
  private shift0 = 0;
  private mark1 = 0;
  private shift1 = 0;
  private mark2 = 0;
  private shift2 = 0;
  // The additional section moves by the fragments' RRSIGs too (written after authority RRSIGs).
  private mark3 = NO_SHIFT;
  private shift3 = 0;
  /** Where each proof fragment's owner went, for its RRSIGs' owner pointers. */
  private readonly fragmentOwners = new Int32Array(6);
  private readonly ownerLabels = new Int32Array(128);
  /** A name synthesized from a DNAME, uncompressed, and where each of its labels was written. */
  private readonly synthesized = new Uint8Array(256);
  private readonly labelAt = new Int32Array(128);
  private remap = false;
  /** Template pointers relocated past 0x3FFF in the response being written (rare: > 16 KiB). */
  private readonly overflow = new PointerOverflow();
  /** The response limit of the query being answered, for the overflow rewrite. */
  private limit = 65535;
  /** The rcode of the last response, -1 when it was dropped. */
  lastRcode = 0;
  // What response rate limiting keys the last answer by (src/transport/rrl.ts), set without
  // allocating: the hash of the zone's apex (0: no zone answered), the hash of the name the
  // answer stands for (the query name, the cut of a referral, the wildcard's closest encloser,
  // a DNAME's owner), and whether a wildcard synthesized it.
  lastZoneHash = 0;
  lastNameHash = 0;
  lastWildcard = false;
  /** The per-zone query counter cell of the zone that answered the last query (-1: none). */
  lastZoneSlot = -1;

  constructor(options: AnswerOptions) {
    this.options = options;
    this.chaos = new ChaosAnswers(options.chaos);
    this.ednsOptions = new EdnsOptions(options.nsid ?? null, options.cookies ?? null);
  }

  /** Switch to a new set of zone images. Called between packets, never during one. */
  setZones(images: SharedArrayBuffer[]): void {
    // A zone's images for tinydns locations hang off the image for every other client.
    const all = images.map((image) => new ZoneImage(image));
    const zones = all.filter((z) => z.location === 0 && !z.geoView);
    for (const v of all) {
      if (v.location === 0) continue;
      const main = zones.find((z) => z.sameApex(v));
      if (main === undefined) continue;
      (main.variants ??= []).push(v);
    }
    let size = 4;
    while (size < zones.length * 2) size *= 2;
    const table = new Int32Array(size);
    zones.forEach((z, i) => {
      let slot = hashName(z.bytes, z.apexOffset, z.apexOffset + z.apexLength - 1) & (size - 1);
      while (table[slot] !== 0) slot = (slot + 1) & (size - 1);
      table[slot] = i + 1;
    });
    this.zones = zones;
    this.anyExpired = zones.some((z) => z.expired);
    this.zoneTable = table;
    this.zoneMask = size - 1;
    // A zone's geo views (one image per owner and view) become its view selector.
    const geoViews = new Map<ZoneImage, ZoneImage[]>();
    for (const v of all) {
      if (!v.geoView) continue;
      const hash = hashName(v.bytes, v.apexOffset, v.apexOffset + v.apexLength - 1);
      for (let slot = hash & this.zoneMask; table[slot] !== 0; slot = (slot + 1) & this.zoneMask) {
        const main = zones[table[slot] - 1];
        if (!main.sameApex(v)) continue;
        geoViews.set(main, [...(geoViews.get(main) ?? []), v]);
        break;
      }
    }
    for (const [main, views] of geoViews) main.geo = new GeoSelector(views);
  }

  /** Draining: the health probe (CH TXT health.peregrine.) fails, all else is answered. */
  setDraining(draining: boolean): void {
    this.draining = draining;
  }

  /** Number of zones currently served. */
  get zoneCount(): number {
    return this.zones.length;
  }

  /** Why the last packet was dropped (one of query.ts DROP_*), when lastRcode is -1. */
  get lastDropReason(): number {
    return this.query.dropReason;
  }

  /** The last query carried a valid server cookie (RFC 7873): response rate limiting lets it through. */
  get lastCookieValid(): boolean {
    return this.ednsOptions.cookieValid;
  }

  /** QTYPE of the last query answered (0 when it had no readable question), for counters. */
  get lastQtype(): number {
    return this.query.hasQuestion ? this.query.qtype : 0;
  }

  /**
   * Answer one query. `out` must hold 65535 bytes. Returns the response length, or 0 when the
   * packet is dropped. Never throws on any input.
   */
  answer(q: Uint8Array, len: number, out: Uint8Array, tcp: boolean): number {
    const query = this.query;
    this.ede = false;
    this.lastZoneHash = 0;
    this.lastNameHash = 0;
    this.lastWildcard = false;
    this.lastZoneSlot = -1;
    this.overflow.reset();
    const status = query.parse(q, len);
    if (status === PARSE_DROP) {
      this.lastRcode = -1;
      return 0;
    }
    this.subnet.present = false;
    this.scope = 0;
    this.ednsOptions.clear();
    if (status === PARSE_FORMERR) return this.errorResponse(q, out, RCODE_FORMERR);
    if (status === PARSE_BADVERS) return this.errorResponse(q, out, RCODE_BADVERS);
    if (query.ednsOptionsEnd > query.ednsOptionsStart && query.edns) {
      const options = this.ednsOptions.read(q, query.ednsOptionsStart, query.ednsOptionsEnd, this.client, tcp);
      if (options === OPTIONS_FORMERR) return this.errorResponse(q, out, RCODE_FORMERR);
      if (options === OPTIONS_BADCOOKIE) return this.errorResponse(q, out, RCODE_BADCOOKIE);
    }
    if (query.ecsAt >= 0 && this.options.ecs === true && !this.subnet.parse(q, query.ecsAt)) return this.errorResponse(q, out, RCODE_FORMERR);
    // One branch for ordinary queries: opcode QUERY, no TSIG, not a transfer type.
    if ((query.opcode !== 0 || query.tsig || query.qtype >= QTYPE_IXFR) && this.handsOff(tcp)) {
      // Nothing for a zone we do not serve reaches the primary (issue #17: a flood of random
      // names must create no state there): answered here, as Knot answers it.
      const refusal = this.handoffRefusal();
      if (refusal !== 0) return this.errorResponse(q, out, refusal);
      this.lastRcode = -1;
      return ANSWER_HANDOFF;
    }
    if (query.opcode !== 0) {
      // Knot: NOTIFY and UPDATE are known but not accepted here; the rest are not implemented.
      const notAuth = query.opcode === OPCODE_NOTIFY || query.opcode === OPCODE_UPDATE;
      return this.errorResponse(q, out, notAuth ? RCODE_NOTAUTH : RCODE_NOTIMP);
    }
    const qtype = query.qtype;
    if (qtype === 0) return this.errorResponse(q, out, RCODE_NOTIMP);
    // Zone transfers are refused until they are configured (AXFR is TCP-only, RFC 5936).
    if (qtype === QTYPE_AXFR) return this.errorResponse(q, out, tcp ? RCODE_NOTAUTH : RCODE_NOTIMP);
    if (qtype === QTYPE_IXFR) return this.errorResponse(q, out, RCODE_NOTAUTH);
    if (query.qclass === CLASS_IN || query.qclass === CLASS_ANY) return this.answerIn(q, out, tcp);
    if (query.qclass === CLASS_CH) {
      const name = query.qname;
      if (this.chaos.isHealth(name.name, name.length)) {
        // The DNS health probe: fails (SERVFAIL) as soon as the server drains, while every
        // other query is still answered.
        if (this.draining || this.anyExpired) return this.errorResponse(q, out, RCODE_SERVFAIL);
        return this.answerChaos(q, out, tcp, this.chaos.healthRecord);
      }
      const record = this.chaos.find(name.name, name.length, qtype);
      if (record !== null) return this.answerChaos(q, out, tcp, record);
    }
    return this.errorResponse(q, out, RCODE_REFUSED);
  }

  /** The image of a zone with tinydns locations that answers this client. */
  private forClient(zone: ZoneImage, variants: ZoneImage[]): ZoneImage {
    const location = clientLocation(zone.u32, this.client.family, this.client.bytes);
    if (location === 0) return zone;
    for (let i = 0; i < variants.length; i++) if (variants[i].location === location) return variants[i];
    return zone;
  }

  /** The geo view answering this name for this client (its ECS address, if any), else the zone itself. */
  private forView(zone: ZoneImage, geo: GeoSelector, name: NameScratch): ZoneImage {
    const ecs = this.subnet;
    const view = ecs.present ? geo.select(name, ecs.family, ecs.bytes) : geo.select(name, this.client.family, this.client.bytes);
    this.scope = geo.scope;
    return view ?? zone;
  }

  /** Whether the primary answers this query (transfers, NOTIFY, TSIG); see AnswerOptions.handoff. */
  private handsOff(tcp: boolean): boolean {
    if (this.options.handoff !== true) return false;
    const query = this.query;
    if (query.opcode === OPCODE_NOTIFY) return query.hasQuestion;
    if (query.opcode !== 0) return false;
    if (query.tsig) return true;
    // AXFR over UDP stays NOTIMP (RFC 5936 §4.2); IXFR over UDP may be answered (RFC 1995 §2).
    return query.qtype === QTYPE_IXFR || (query.qtype === QTYPE_AXFR && tcp);
  }

  /**
   * The rcode a query handed off must get here because it names no zone we serve, or 0 to hand
   * it off: transfers and NOTIFY need a zone apex (NOTAUTH otherwise), a signed query a name
   * inside a zone (REFUSED otherwise).
   */
  private handoffRefusal(): number {
    const query = this.query;
    const name = query.qname;
    const apexOnly = query.opcode === OPCODE_NOTIFY || query.qtype === QTYPE_IXFR || query.qtype === QTYPE_AXFR;
    if (apexOnly) return this.zoneAt(name, 0) !== 0 ? 0 : RCODE_NOTAUTH;
    for (let k = 0; k <= name.labelCount; k++) if (this.zoneAt(name, k) !== 0) return 0;
    return RCODE_REFUSED;
  }

  /** Index + 1 of the zone whose apex is the suffix of `name` at label k, or 0. */
  private zoneAt(name: NameScratch, k: number): number {
    const start = name.labelStarts[k];
    const length = name.length - start;
    for (let slot = name.hashes[k] & this.zoneMask; ; slot = (slot + 1) & this.zoneMask) {
      const entry = this.zoneTable[slot];
      if (entry === 0) return 0;
      if (this.zones[entry - 1].isApex(name.name, start, length)) return entry;
    }
  }

  private answerIn(q: Uint8Array, out: Uint8Array, tcp: boolean): number {
    const query = this.query;
    const name = query.qname;
    // Longest-suffix zone match: the whole name first, the root last. DS at the apex of a
    // zone we also serve the parent of is the parent's data (RFC 4035 §3.1.4.1).
    let entry = 0;
    let zoneLabel = 0;
    for (let k = 0; k <= name.labelCount; k++) {
      const found = this.zoneAt(name, k);
      if (found === 0) continue;
      if (entry !== 0) {
        entry = found;
        zoneLabel = k;
        break;
      }
      entry = found;
      zoneLabel = k;
      if (k !== 0 || query.qtype !== QTYPE_DS || this.zones[found - 1].tinydns) break;
    }
    if (entry === 0) {
      this.ede = query.edns;
      return this.errorResponse(q, out, RCODE_REFUSED);
    }
    let zone = this.zones[entry - 1];
    this.lastZoneSlot = zone.metricsSlot;
    if (zone.expired) return this.errorResponse(q, out, RCODE_SERVFAIL);
    if (zone.variants !== null) zone = this.forClient(zone, zone.variants);
    if (zone.geo !== null) zone = this.forView(zone, zone.geo, name);
    const group = this.lookup(zone, name, zoneLabel, query.ednsDo);
    // Hints for rate limiting: lookup() left the node found (proofNode, exact when ceLabel < 0).
    this.lastZoneHash = name.hashes[zoneLabel] | 1;
    this.lastWildcard = this.ceLabel >= 0 && this.proofNode >= 0;
    this.lastNameHash = name.hashes[this.ceLabel < 0 ? 0 : this.ceLabel];
    this.copyQuestion(q, out);
    this.resetCounts();
    const limit = this.responseLimit(tcp);
    this.limit = limit;
    if (group === LOOKUP_DNAME) return this.answerDname(q, out, zone, limit);
    const template = this.pick(zone, group);
    const end = this.place(zone, template, query.questionEnd, limit, out, name, 12, query.ednsDo);
    this.setFlags(zone, template);
    return this.finish(q, out, end);
  }

  /**
   * Find the template group for a name in a zone: an exact node's, a wildcard's, or the
   * closest encloser's group for names below it (NXDOMAIN, referral). Notes the nodes
   * proofs may need. Returns LOOKUP_DNAME when a DNAME rewrites the name.
   */
  private lookup(zone: ZoneImage, name: NameScratch, zoneLabel: number, dnssec: boolean): number {
    const u32 = zone.u32;
    let index = zone.findNode(name.name, 0, name.length, name.hashes[0]);
    if (index >= 0) {
      this.proofNode = zone.node(index);
      this.ceNode = this.ceLabel = -1;
      return this.groupFor(zone, this.proofNode, dnssec);
    }
    // Closest encloser: the longest existing suffix (the apex always exists).
    let k = 1;
    for (; k <= zoneLabel; k++) {
      const start = name.labelStarts[k];
      index = zone.findNode(name.name, start, name.length - start, name.hashes[k]);
      if (index >= 0) break;
    }
    const ce = zone.node(index < 0 ? 0 : index);
    this.ceNode = ce;
    this.ceLabel = k;
    this.proofNode = -1;
    if ((u32[ce + N_NAMELEN] >>> 16 & NODE_AUTH) !== 0) {
      const dname = u32[ce + N_DNAME];
      if (dname !== 0) {
        this.dname = dname;
        return LOOKUP_DNAME;
      }
      const wildcard = u32[ce + N_WILDCARD];
      if (wildcard !== 0) {
        this.proofNode = zone.node(wildcard - 1);
        return this.groupFor(zone, this.proofNode, dnssec);
      }
    }
    return u32[ce + (dnssec ? N_BELOW_DO : N_BELOW)];
  }

  /** The template group answering this query's type at a node. */
  private groupFor(zone: ZoneImage, node: number, dnssec: boolean): number {
    const u32 = zone.u32;
    const qtype = this.query.qtype;
    if (qtype === QTYPE_ANY) return u32[node + (dnssec ? N_ANY_DO : N_ANY)];
    const table = u32[node + N_TYPES] >>> 2;
    const count = u32[table];
    for (let i = 0, e = table + 1; i < count; i++, e += 3) {
      if (u32[e] === qtype) return u32[e + (dnssec ? 2 : 1)];
    }
    return u32[node + (dnssec ? N_DEFAULT_DO : N_DEFAULT)];
  }

  /** One template of a group: groups of several are record orders, served round-robin. */
  private pick(zone: ZoneImage, group: number): number {
    const u32 = zone.u32;
    const g = group >>> 2;
    const count = u32[g];
    return count === 1 ? u32[g + 1] : u32[g + 1 + (this.rotation++ % count)];
  }

  private responseLimit(tcp: boolean): number {
    const query = this.query;
    const opt = query.edns ? OPT_LENGTH + this.ednsOptions.length + (this.subnet.present ? this.subnet.length : 0) : 0;
    if (tcp) return 65535 - opt;
    if (!query.edns) return 512;
    const size = Math.min(query.ednsPayload, this.options.maxUdpPayload);
    return (size < 512 ? 512 : size) - opt;
  }

  private resetCounts(): void {
    this.an = this.ns = this.ar = 0;
    this.tc = false;
  }

  private setFlags(zone: ZoneImage, template: number): void {
    const flags = zone.u16[template >>> 1];
    this.aa = (flags & T_AA) !== 0;
    this.rcode = flags & 0x0f;
  }

  /** Answer and authority did not fit: TC=1 and no records at all, as Knot sends. */
  private truncated(): number {
    this.resetCounts();
    this.tc = true;
    return this.query.questionEnd;
  }

  private addFragment(id: number): void {
    if (id === 0) return;
    for (let i = 0; i < this.fragmentCount; i++) if (this.fragments[i] === id) return;
    this.fragments[this.fragmentCount++] = id;
  }

  /** The denial proofs a DNSSEC template asks for, from node records or searched now. */
  private collectProofs(zone: ZoneImage, proof: number, name: NameScratch): void {
    const u32 = zone.u32;
    const nsec = u32[H_DENIAL] === DENIAL_NSEC;
    const ce = this.ceNode;
    if ((proof & PROOF_NODE) !== 0 && this.proofNode >= 0) {
      // An empty wildcard that answers for a name has no NSEC of its own to show (Knot).
      const emptyWildcard = ce >= 0 && nsec && (u32[this.proofNode + N_NAMELEN] >>> 16 & NODE_ENT) !== 0;
      if (!emptyWildcard) {
        this.addFragment(u32[this.proofNode + N_PROOF]);
        this.addFragment(u32[this.proofNode + N_PROOF2]);
      }
    }
    if (ce < 0) return;
    if ((proof & PROOF_ENCLOSER) !== 0) this.addFragment(u32[ce + N_PROOF]);
    if ((proof & PROOF_QNAME) !== 0 && this.ceLabel >= 1) {
      if (nsec) {
        this.addFragment(this.denial.nsecCovering(zone, name.name, name.labelStarts, 0, name.labelCount));
      } else if (u32[ce + N_PROOF2] !== 0) {
        // The encloser has no NSEC3 (opt-out): the next closer of the provable one is known.
        this.addFragment(u32[ce + N_PROOF2]);
      } else {
        const start = name.labelStarts[this.ceLabel - 1];
        this.addFragment(this.denial.nsec3Covering(zone, name.name, start, name.length - start, name.hashes[this.ceLabel - 1]));
      }
    }
    if ((proof & PROOF_ENCLOSER_WILDCARD) !== 0) this.addFragment(u32[this.ceNode + N_WILD_PROOF]);
  }

  /**
   * Write a template at `pos` in Knot's order: answer RRsets, [an inserted range: a DNAME's
   * RRSIGs], answer RRSIGs and authority RRsets, the proof fragments' NSEC/NSEC3 records,
   * authority RRSIGs, the fragments' RRSIGs; then as much of the additional section as fits
   * (RRset by RRset; TC when glue below a cut is left out). When answer or authority do not
   * fit, the response ends after the last RRset that does, with TC — as Knot sends it.
   * The template answers for `name`, written at `qBase`. Adds to the counts; returns the end.
   */
  private place(
    zone: ZoneImage, template: number, pos: number, limit: number, out: Uint8Array,
    name: NameScratch, qBase: number, proofs: boolean,
  ): number {
    const u16 = zone.u16;
    const u32 = zone.u32;
    const t = template >>> 1;
    const nominal = u16[t + 1];
    const bodyBase = 12 + nominal + 4;
    const bodyLen = u16[t + 5];
    const split = u16[t + T_SPLIT];
    const answerSigs = u16[t + T_ANSWER_SIGS];
    const authSigs = u16[t + T_AUTH_SIGS];
    const proof = u16[t + T_PROOF];
    const inserted = this.insertLength;
    this.fragmentCount = 0;
    if (proofs && proof !== 0) this.collectProofs(zone, proof, name);
    const fragmentTable = (u32[H_FRAGMENTS] >>> 2) + 1;
    // Upper bound of the fragments' size (owners uncompressed) for the quick check.
    let fragmentBound = 0;
    for (let i = 0; i < this.fragmentCount; i++) {
      fragmentBound += fragmentSize(zone.bytes, u32[fragmentTable + this.fragments[i] - 1]);
    }
    this.qDelta = name.length - nominal;
    this.shift0 = pos - bodyBase;
    this.mark1 = bodyBase + answerSigs;
    this.shift1 = this.shift0 + inserted;
    this.mark2 = bodyBase + authSigs;
    this.shift2 = this.shift1; // plus the fragments' records, once written
    this.mark3 = bodyBase + split;
    this.shift3 = this.shift2; // plus the fragments' records and RRSIGs, once written

    const whole = pos + bodyLen + inserted + fragmentBound <= limit;
    const units = u16[t + T_UNITS];
    let u = t + T_HEADER_U16 + u16[t + 6];
    let p = pos;
    let insertDone = inserted === 0;
    let recordsDone = this.fragmentCount === 0;
    let cut = false;
    let first = 0;
    if (whole && inserted === 0 && this.fragmentCount === 0) {
      // Everything fits and nothing goes in between: answer and authority in one copy.
      this.copyBody(zone, template, 0, split, p, out, qBase, this.qDelta, this.shift0, this.mark1, this.shift1, this.mark2, this.shift2);
      this.an += u16[t + 2];
      this.ns += u16[t + 3];
      p += split;
      first = units + 1;
    }
    for (let k = first; k <= units && !cut; k++, u += 2) {
      const start = k < units ? u16[u] : split;
      if (!insertDone && start >= answerSigs) {
        if (!whole && p + inserted > limit) { cut = true; break; }
        this.copyBody(zone, this.insertTemplate, this.insertFrom, this.insertFrom + inserted, p, out, 12,
          this.insertDelta, this.insertDelta, NO_SHIFT, 0, NO_SHIFT, 0);
        this.an += this.insertRecords;
        p += inserted;
        insertDone = true;
      }
      if (!recordsDone && start >= authSigs) {
        const before = p;
        for (let i = 0; i < this.fragmentCount && !cut; i++) {
          const f = u32[fragmentTable + this.fragments[i] - 1];
          this.fragmentOwners[i] = p;
          const end = writeFragmentRecords(zone.bytes, f, p, out, this.query.qname, this.ownerLabels);
          if (end > limit) cut = true;
          else { p = end; this.ns += fragmentRecords(zone.bytes, f, 0); }
        }
        this.shift2 = this.shift1 + (p - before);
        this.shift3 = this.shift2;
        recordsDone = true;
        if (cut) break;
      }
      if (k === units) break;
      const end = k + 1 < units ? u16[u + 2] : split;
      if (!whole && p + end - start > limit) {
        // tinydns leaves the authority section (and so the additional) out rather than truncating.
        if ((u16[t] & T_AUTH_OPTIONAL) !== 0 && start >= u16[t + T_AUTH_START]) return p;
        cut = true;
        break;
      }
      this.copyBody(zone, template, start, end, p, out, qBase, this.qDelta, this.shift0, this.mark1, this.shift1, this.mark2, this.shift2);
      if (start < u16[t + T_AUTH_START]) this.an += u16[u + 1];
      else this.ns += u16[u + 1];
      p += end - start;
    }
    if (!cut) {
      const before = p;
      for (let i = 0; i < this.fragmentCount && !cut; i++) {
        const f = u32[fragmentTable + this.fragments[i] - 1];
        const end = writeFragmentSigs(zone.bytes, f, p, out, this.fragmentOwners[i], this.query.qname, this.ownerLabels);
        if (end > limit) cut = true;
        else { p = end; this.ns += fragmentRecords(zone.bytes, f, 1); }
      }
      this.shift3 += p - before;
    }
    if (cut) {
      this.tc = true;
      return p;
    }
    if (p + bodyLen - split <= limit) {
      this.copyBody(zone, template, split, bodyLen, p, out, qBase, this.qDelta, this.shift0, this.mark1, this.shift1, this.mark2, this.shift2);
      this.ar += u16[t + 4];
      return p + bodyLen - split;
    }
    // Greedy fill: each additional RRset that fits goes in, a signature only with its RRset.
    const entries = u16[t + 7];
    let e = t + T_HEADER_U16 + u16[t + 6] + units * 2;
    for (let i = 0; i < entries; i++, e += 4) {
      const start = u16[e];
      const end = u16[e + 1];
      const depends = u16[e + 3] & ~ADD_REQUIRED;
      let fits = p + end - start <= limit;
      if (depends !== 0 && depends <= MAX_ADDITIONAL && this.included[depends - 1] === 0) fits = false;
      if (i < MAX_ADDITIONAL) this.included[i] = fits ? 1 : 0;
      if (!fits) {
        if ((u16[e + 3] & ADD_REQUIRED) !== 0) this.tc = true;
        continue;
      }
      this.copyBody(zone, template, start, end, p, out, qBase, this.qDelta, this.shift0, this.mark1, this.shift1, this.mark2, this.shift2);
      this.ar += u16[e + 2];
      p += end - start;
    }
    return p;
  }

  /**
   * Copy body[from, to) of a template to out[at] and move its compression pointers to where
   * their targets are now: the question name itself to `qBase`, its suffixes with the end of
   * the name there (`qBase` − 12 + `qDelta`), body targets by the shift of the part they are
   * in (`s0` before `m1`, `s1` before `m2`, `s2` after: parts moved apart by insertions).
   */
  private copyBody(
    zone: ZoneImage, template: number, from: number, to: number, at: number, out: Uint8Array,
    qBase: number, qDelta: number, s0: number, m1: number, s1: number, m2: number, s2: number,
  ): void {
    const u16 = zone.u16;
    const bytes = zone.bytes;
    const t = template >>> 1;
    const pointers = u16[t + 6];
    const body = template + 2 * (T_HEADER_U16 + pointers + u16[t + T_UNITS] * 2 + u16[t + 7] * 4);
    const n = to - from;
    const src = body + from;
    if (n > 256) {
      out.set(bytes.subarray(src, src + n), at);
    } else {
      for (let i = 0; i < n; i++) out[at + i] = bytes[src + i];
    }
    if (qBase === 12 && qDelta === 0 && s0 === 0 && s1 === 0 && s2 === 0) return;
    const moved = at - from;
    const bodyBase = 12 + u16[t + 1] + 4;
    for (let r = t + T_HEADER_U16, end = r + pointers; r < end; r++) {
      const off = u16[r];
      if (off < from || off >= to) continue;
      const p = off + moved;
      let target = ((out[p] & 0x3f) << 8) | out[p + 1];
      if (target === 12) target = qBase;
      else if (target < bodyBase) target = this.remap ? this.remapped(target, bodyBase - 16) : target + qBase - 12 + qDelta;
      else target += target < m1 ? s0 : target < m2 ? s1 : target < this.mark3 ? s2 : this.shift3;
      if (target > MAX_POINTER_OFFSET) this.overflow.note(p, target);
      out[p] = 0xc0 | ((target >>> 8) & 0x3f);
      out[p + 1] = target & 0xff;
    }
  }

  /**
   * Where a suffix of a chased name now is: the pointer's nominal target (in a question name
   * at 12 of length nominalLength) names the suffix that long from the end; find that label of
   * the synthesized name and where it was written.
   */
  private remapped(target: number, nominalLength: number): number {
    const name = this.target;
    const fromEnd = nominalLength - (target - 12);
    for (let k = 0; k < name.labelCount; k++) {
      if (name.length - name.labelStarts[k] === fromEnd) return this.labelAt[k];
    }
    return 12; // not a suffix of the name: cannot happen for names in one zone
  }

  /**
   * RFC 6672: the DNAME RRset, a CNAME synthesized from the query name with the DNAME owner's
   * suffix replaced by the target, then — as Knot does — the answer for that new name when
   * it is in the same zone; the DNAME's RRSIG goes after the answer's RRsets.
   */
  private answerDname(q: Uint8Array, out: Uint8Array, zone: ZoneImage, limit: number): number {
    const u32 = zone.u32;
    const u16 = zone.u16;
    const query = this.query;
    const name = query.qname;
    const ownerStart = name.labelStarts[this.ceLabel];
    const dname = this.dname >>> 2;
    const ttl = u32[dname];
    const targetAt = u32[dname + 1];
    const targetLen = u32[dname + 2];
    const dnssec = query.ednsDo;
    const first = this.pick(zone, u32[this.ceNode + (dnssec ? N_BELOW_DO : N_BELOW)]);
    const ft = first >>> 1;
    const sigsAt = u16[ft + T_ANSWER_SIGS];
    const firstLen = u16[ft + 5];
    const delta = name.length - u16[ft + 1];
    const newLength = ownerStart + targetLen;
    this.setFlags(zone, first);
    let p = query.questionEnd;
    const cnameLength = newLength > 255 ? 0 : 12 + newLength;
    if (p + firstLen + cnameLength > limit) return this.finish(q, out, this.truncated());
    this.copyBody(zone, first, 0, sigsAt, p, out, 12, delta, delta, NO_SHIFT, 0, NO_SHIFT, 0);
    p += sigsAt;
    this.an = 1;
    const sigRecords = u16[ft + 2] - 1;
    if (newLength > 255) {
      this.rcode = RCODE_YXDOMAIN;
      this.copyBody(zone, first, sigsAt, firstLen, p, out, 12, delta, delta, NO_SHIFT, 0, NO_SHIFT, 0);
      this.an += sigRecords;
      return this.finish(q, out, p + firstLen - sigsAt);
    }
    out[p++] = 0xc0; out[p++] = 0x0c;
    out[p++] = 0; out[p++] = TYPE_CNAME;
    out[p++] = 0; out[p++] = CLASS_IN;
    out[p++] = ttl >>> 24; out[p++] = (ttl >>> 16) & 0xff; out[p++] = (ttl >>> 8) & 0xff; out[p++] = ttl & 0xff;
    const rdlength = p;
    p += 2;
    // The new name, from the lowercased query name (as Knot synthesizes it), then written
    // compressed against the question as Knot writes a CNAME target.
    const synth = this.synthesized;
    const lowered = name.name;
    for (let i = 0; i < ownerStart; i++) synth[i] = lowered[i];
    const bytes = zone.bytes;
    for (let i = 0; i < targetLen; i++) synth[ownerStart + i] = bytes[targetAt + i];
    const synthesized = p;
    p = compressOwner(synth, 0, out, p, this.query.qname, this.ownerLabels, this.labelAt);
    out[rdlength] = (p - synthesized) >>> 8;
    out[rdlength + 1] = (p - synthesized) & 0xff;
    this.an++;

    // Chase the new name inside this zone (one step: a second DNAME is not followed), unless
    // the question was for the CNAME itself.
    const target = this.target;
    let zoneLabel = -1;
    if (query.qtype !== TYPE_CNAME) {
      target.read(synth, 0, newLength);
      for (let k = 0; k <= target.labelCount; k++) {
        const start = target.labelStarts[k];
        if (zone.isApex(target.name, start, target.length - start)) {
          zoneLabel = k;
          break;
        }
      }
    }
    const group = zoneLabel < 0 ? LOOKUP_DNAME : this.lookup(zone, target, zoneLabel, dnssec);
    if (group === LOOKUP_DNAME) {
      this.copyBody(zone, first, sigsAt, firstLen, p, out, 12, delta, delta, NO_SHIFT, 0, NO_SHIFT, 0);
      this.an += sigRecords;
      return this.finish(q, out, p + firstLen - sigsAt);
    }
    const chased = this.pick(zone, group);
    this.insertTemplate = first;
    this.insertFrom = sigsAt;
    this.insertLength = firstLen - sigsAt;
    this.insertDelta = delta;
    this.insertRecords = sigRecords;
    // The chased template's pointers into "its question" go to the labels as written above.
    this.remap = true;
    const end = this.place(zone, chased, p, limit, out, target, synthesized, dnssec);
    this.remap = false;
    this.insertLength = 0;
    const rcode = u16[chased >>> 1] & 0x0f;
    if (rcode !== RCODE_NOERROR) this.rcode = rcode;
    return this.finish(q, out, end);
  }

  private answerChaos(q: Uint8Array, out: Uint8Array, tcp: boolean, record: Uint8Array): number {
    const query = this.query;
    this.copyQuestion(q, out);
    this.resetCounts();
    this.aa = false; // Knot answers CHAOS without AA: it is not zone data
    this.rcode = RCODE_NOERROR;
    let pos = query.questionEnd;
    if (pos + record.length <= this.responseLimit(tcp)) {
      out.set(record, pos);
      pos += record.length;
      this.an = 1;
    } else {
      this.tc = true;
    }
    return this.finish(q, out, pos);
  }

  private copyQuestion(q: Uint8Array, out: Uint8Array): void {
    const end = this.query.questionEnd;
    for (let i = 12; i < end; i++) out[i] = q[i];
  }

  /** An answer with no records: the question echoed when it could be read. */
  private errorResponse(q: Uint8Array, out: Uint8Array, rcode: number): number {
    const query = this.query;
    this.resetCounts();
    this.aa = false;
    this.rcode = rcode;
    if (query.hasQuestion) {
      this.copyQuestion(q, out);
      return this.finish(q, out, query.questionEnd);
    }
    return this.finish(q, out, 12);
  }

  /** Write out in full the names whose pointers moved past 0x3FFF (see pointer-overflow.ts). */
  private expandOverflow(out: Uint8Array, pos: number): number {
    const overflow = this.overflow;
    if (overflow.full) {
      overflow.reset();
      return this.truncated();
    }
    const end = overflow.expand(out, this.query.questionEnd, pos, this.an, this.ns, this.ar, this.limit);
    this.an = overflow.an;
    this.ns = overflow.ns;
    this.ar = overflow.ar;
    if (overflow.cut) this.tc = true;
    overflow.reset();
    return end;
  }

  /** Header, then the OPT record when the query had one. Returns the message length. */
  private finish(q: Uint8Array, out: Uint8Array, pos: number): number {
    const query = this.query;
    if (this.overflow.count !== 0 || this.overflow.full) pos = this.expandOverflow(out, pos);
    const rcode = this.rcode;
    out[0] = q[0];
    out[1] = q[1];
    // QR, the query's opcode and RD; AA and TC as decided. RA is never set (no recursion);
    // Z, AD and CD are cleared, as Knot does. RD is defined for QUERY only: an answer to any
    // other opcode (NOTIMP, NOTAUTH, FORMERR…) carries none of RD, AD, CD.
    out[2] = 0x80 | (q[2] & (query.opcode === 0 ? 0x79 : 0x78)) | (this.aa ? 0x04 : 0) | (this.tc ? 0x02 : 0);
    out[3] = rcode & 0x0f;
    out[4] = 0;
    out[5] = query.hasQuestion ? 1 : 0;
    out[6] = this.an >>> 8; out[7] = this.an & 0xff;
    out[8] = this.ns >>> 8; out[9] = this.ns & 0xff;
    let ar = this.ar;
    let p = pos;
    if (query.edns) {
      const size = this.options.maxUdpPayload;
      out[p++] = 0;
      out[p++] = 0; out[p++] = 41;
      out[p++] = size >>> 8; out[p++] = size & 0xff;
      out[p++] = rcode >>> 4; // extended RCODE, upper 8 bits
      out[p++] = 0; // version
      out[p++] = query.ednsDo ? 0x80 : 0; out[p++] = 0;
      const rdlength = p;
      p += 2;
      p = this.ednsOptions.write(out, p);
      if (this.subnet.present) p = this.subnet.write(out, p, this.scope);
      if (this.ede) {
        out[p++] = 0; out[p++] = 15; // OPTION-CODE EDE
        out[p++] = 0; out[p++] = 2;
        out[p++] = 0; out[p++] = EDE_NOT_AUTHORITATIVE;
      }
      out[rdlength] = (p - rdlength - 2) >>> 8;
      out[rdlength + 1] = (p - rdlength - 2) & 0xff;
      ar++;
    }
    out[10] = ar >>> 8; out[11] = ar & 0xff;
    this.lastRcode = rcode;
    return p;
  }
}
