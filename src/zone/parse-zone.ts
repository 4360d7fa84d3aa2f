// RFC 1035 master-file reader with the BIND/Knot/NSD conventions: $ORIGIN, $TTL,
// $INCLUDE file [origin], parentheses, comments, omitted owner/TTL/class, TTL units,
// RFC 3597 TYPEnnn / CLASSnnn / \# forms. Errors are collected (the bad record is skipped)
// so that a check run reports every problem at once.

import * as path from 'node:path';
import { WARN_ZONE_DATA, ZoneDataError } from '../errors.ts';
import { readZoneText } from './read-zone-text.ts';
import type { ResourceRecord, WireName, Zone } from './model.ts';
import { Lexer } from './lexer.ts';
import { NameSyntaxError, ROOT, lowerName, nameEquals, parseName } from './name.ts';
import { CLASS_IN, TYPE_SOA, classFromText, classToText, typeFromText, typeToText } from './types.ts';
import { Fields, MAX_TTL, RdataError, Writer, parseDuration } from './rdata/common.ts';
import { encodeRdata, isDataType } from './rdata/index.ts';
import { doubleSlots, hashLower } from './name-index.ts';
import { ByteArena } from './byte-arena.ts';

export interface ParseOptions {
  /** Initial origin for relative names; also the zone apex if given. */
  origin?: WireName;
  /** TTL for records without one, as if the file started with `$TTL`. */
  defaultTtl?: number;
  /** Maximum $INCLUDE nesting (default 10). */
  maxIncludeDepth?: number;
  /** Stop with an error after this many records (default 5,000,000). */
  maxRecords?: number;
}

export interface ParseResult {
  zone: Zone;
  errors: ZoneDataError[];
  /** Accepted but probably a mistake (a duplicate record, dropped): code WARN_ZONE_DATA. */
  warnings: ZoneDataError[];
  /**
   * Owners of the record lines skipped for errors (null: the owner itself was unreadable), so
   * that the semantic checks run on the rest do not report what those lines would have given.
   */
  skippedOwners: (WireName | null)[];
}

/** Read a zone file from disk (synchronously), following $INCLUDEs. */
export function parseZoneFile(file: string, options: ParseOptions = {}): ParseResult {
  const st = new ParseState(options);
  let text: string;
  try {
    text = readZoneText(file);
  } catch (e) {
    st.errors.push(new ZoneDataError(`cannot read zone file: ${(e as Error).message}`, file, 0));
    return st.result();
  }
  st.files.push(file);
  st.readText(text, file, 0, [path.resolve(file)], options.origin ?? null, null);
  return st.result();
}

/**
 * Parse zone text; `file` names it in errors and anchors relative $INCLUDE paths.
 *
 * The parser works on one char per byte. Give the file's bytes (a Uint8Array), or a string
 * read with 'latin1' (chars 0-255 are taken as bytes, as readFileSync(f, 'latin1') yields).
 * A string containing any char above 255 is taken to be Unicode text and is UTF-8 encoded.
 */
export function parseZoneText(text: string | Uint8Array, file: string, options: ParseOptions = {}): ParseResult {
  const st = new ParseState(options);
  let t: string;
  if (typeof text !== 'string') t = Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('latin1');
  else if (/[^\u0000-\u00ff]/.test(text)) t = Buffer.from(text, 'utf8').toString('latin1');
  else t = text;
  st.files.push(file);
  st.readText(t, file, 0, [path.resolve(file)], options.origin ?? null, null);
  return st.result();
}

/** FNV-1a over bytes, continuing from `h`. */
function fnv(h: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function nameError(what: string, e: unknown): string {
  if (e instanceof NameSyntaxError) return `bad ${what}: ${e.message}`;
  throw e;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

class ParseState {
  readonly errors: ZoneDataError[] = [];
  readonly warnings: ZoneDataError[] = [];
  readonly skippedOwners: (WireName | null)[] = [];
  /** While reading a record line: its owner (null if unreadable); undefined on other lines. */
  private lineOwner: WireName | null | undefined = undefined;
  readonly records: ResourceRecord[] = [];
  readonly files: string[] = [];
  private readonly maxDepth: number;
  private readonly maxRecords: number;
  private readonly optOrigin: WireName | null;
  /** First $ORIGIN seen in the top file before any record. */
  private earlyOrigin: WireName | null = null;
  /** First $ORIGIN seen in the top file at all. */
  private firstOrigin: WireName | null = null;
  private soaOwner: WireName | null = null;
  private sawRecord = false;
  private aborted = false;

  // TTL state, shared across $INCLUDEs (as BIND does).
  private defaultTtl = 0;
  private defaultTtlKnown = false;
  private lastTtl = 0;
  private lastTtlKnown = false;

  private zoneClass = 0;

  // Duplicate detection: open-addressing table of record indexes keyed by a hash of
  // (owner lowercased, type, TTL, RDATA).
  private dupSlots = new Int32Array(1 << 12); // record index + 1; 0 = empty
  private dupHash = new Int32Array(1 << 12);
  private dupMask = (1 << 12) - 1;

  private readonly fields = new Fields();
  private readonly writer = new Writer();
  /** Owners and RDATA of the records, as views into a few large chunks (see ByteArena). */
  private readonly bytes = new ByteArena();
  private readonly allocBytes = (n: number): Uint8Array => this.bytes.alloc(n);

  constructor(options: ParseOptions) {
    this.maxDepth = options.maxIncludeDepth ?? 10;
    this.maxRecords = options.maxRecords ?? 5_000_000;
    this.optOrigin = options.origin ?? null;
    if (options.defaultTtl !== undefined) {
      this.defaultTtl = options.defaultTtl;
      this.defaultTtlKnown = true;
    }
  }

  result(): ParseResult {
    const origin = this.optOrigin ?? this.earlyOrigin ?? this.soaOwner ?? this.firstOrigin ?? ROOT;
    return {
      zone: { origin: lowerName(origin), records: this.records, files: this.files },
      errors: this.errors,
      warnings: this.warnings,
      skippedOwners: this.skippedOwners,
    };
  }

  private err(message: string, file: string, line: number): void {
    this.errors.push(new ZoneDataError(message, file, line));
    if (this.lineOwner !== undefined) this.skippedOwners.push(this.lineOwner);
  }

  /**
   * Read one file's text. `stack` holds the resolved paths of the files being read (for loop
   * detection); `origin` is the origin in effect at the start of this file.
   */
  readText(
    text: string, file: string, depth: number, stack: string[], startOrigin: WireName | null, startOwner: WireName | null,
  ): void {
    const lx = new Lexer(text);
    const tok = lx.tokens;
    const quoted = lx.quoted;
    let origin = startOrigin;
    // The current owner carries into an $INCLUDEd file and is restored after it (as BIND does).
    let prevOwner: WireName | null = startOwner;
    let prevOwnerBad = false;
    // The text and origin prevOwner was parsed from: the next line naming the same owner the
    // same way shares its array (one name per owner, not per line, in a large zone).
    let prevOwnerText: string | null = null;
    let prevOwnerOrigin: WireName | null = null;

    while (!this.aborted && lx.next()) {
      this.lineOwner = undefined;
      const line = lx.line;
      if (lx.error !== null) {
        this.lineOwner = null; // whatever the entry held is lost
        this.err(lx.error, file, line);
        if (!lx.blankStart) prevOwnerBad = true;
        continue;
      }
      const n = lx.count;
      const t0 = tok[0];

      // Directives ($ORIGIN, $TTL, $INCLUDE) start in column 0.
      if (!lx.blankStart && t0.charCodeAt(0) === 0x24 /* $ */ && !quoted[0]) {
        const d = t0.toUpperCase();
        if (d === '$ORIGIN') {
          if (n < 2) {
            this.err('$ORIGIN needs a domain name', file, line);
          } else if (n > 2) {
            this.err(`unexpected '${tok[2]}' after $ORIGIN`, file, line);
          } else {
            try {
              origin = parseName(tok[1], origin);
              if (depth === 0) {
                this.firstOrigin ??= origin;
                if (!this.sawRecord) this.earlyOrigin ??= origin;
              }
            } catch (e) {
              this.err(nameError('$ORIGIN', e), file, line);
            }
          }
        } else if (d === '$TTL') {
          if (n < 2) {
            this.err('$TTL needs a value', file, line);
          } else if (n > 2) {
            this.err(`unexpected '${tok[2]}' after $TTL`, file, line);
          } else {
            const v = parseDuration(tok[1]);
            if (v < 0) this.err(`bad $TTL '${tok[1]}'`, file, line);
            else if (v > MAX_TTL) this.err(`bad $TTL '${tok[1]}': larger than ${MAX_TTL}`, file, line);
            else {
              this.defaultTtl = v;
              this.defaultTtlKnown = true;
            }
          }
        } else if (d === '$INCLUDE') {
          this.lineOwner = null; // an include not read hides records of any owner
          if (n < 2) {
            this.err('$INCLUDE needs a file name', file, line);
          } else if (n > 3) {
            this.err(`unexpected '${tok[3]}' after $INCLUDE`, file, line);
          } else {
            let incOrigin = origin;
            let ok = true;
            if (n === 3) {
              try {
                incOrigin = parseName(tok[2], origin);
              } catch (e) {
                this.err(nameError('$INCLUDE origin', e), file, line);
                ok = false;
              }
            }
            if (ok) this.include(tok[1], incOrigin, prevOwnerBad ? null : prevOwner, file, line, depth, stack);
          }
        } else {
          this.err(`unknown directive ${t0}`, file, line);
        }
        continue;
      }

      // A resource record: [owner] [ttl] [class] type rdata  (ttl and class in either order).
      let i = 0;
      let owner: WireName | null = null;
      let ownerBad = false;
      this.lineOwner = lx.blankStart ? (prevOwnerBad ? null : prevOwner) : null;
      if (!lx.blankStart) {
        i = 1;
        if (t0 === prevOwnerText && origin === prevOwnerOrigin && prevOwner !== null && !prevOwnerBad) {
          owner = prevOwner;
          this.lineOwner = owner;
        } else {
          try {
            owner = parseName(t0, origin, this.allocBytes);
            this.lineOwner = owner;
            prevOwner = owner;
            prevOwnerBad = false;
            prevOwnerText = t0;
            prevOwnerOrigin = origin;
          } catch (e) {
            this.err(nameError('owner name', e), file, line);
            prevOwner = null;
            prevOwnerBad = true;
            ownerBad = true;
            prevOwnerText = null;
          }
        }
      } else if (prevOwnerBad) {
        ownerBad = true; // already reported on the line that named the owner
      } else if (prevOwner === null) {
        this.err('no owner name: the line starts with blank space but no previous owner exists', file, line);
        continue;
      } else {
        owner = prevOwner;
      }

      let ttl = -1;
      let cls = -1;
      let type = -1;
      let bad: string | null = null;
      for (; i < n; i++) {
        const t = tok[i];
        if (quoted[i]) {
          bad = `expected a TTL, class or type, found a quoted string`;
          break;
        }
        if (isDigit(t.charCodeAt(0))) {
          if (ttl >= 0) {
            bad = `unexpected second TTL '${t}'`;
            break;
          }
          const v = parseDuration(t);
          if (v < 0) {
            bad = `bad TTL '${t}'`;
            break;
          }
          if (v > MAX_TTL) {
            bad = `bad TTL '${t}': larger than ${MAX_TTL}`;
            break;
          }
          ttl = v;
          continue;
        }
        if (cls < 0) {
          const c = classFromText(t);
          if (c !== undefined) {
            cls = c;
            continue;
          }
        }
        const ty = typeFromText(t);
        if (ty === undefined) {
          bad = `unknown RR type '${t}'`;
        } else {
          type = ty;
        }
        i++;
        break;
      }
      if (bad === null && type < 0) bad = 'missing RR type';
      if (bad !== null) {
        this.err(bad, file, line);
        continue;
      }
      if (!isDataType(type)) {
        this.err(`type ${typeToText(type)} is not valid in zone data`, file, line);
        continue;
      }
      if (cls >= 0) {
        if (cls === 254 || cls === 255 || cls === 0) {
          this.err(`class ${classToText(cls)} is not valid in zone data`, file, line);
          continue;
        }
        if (this.zoneClass === 0) this.zoneClass = cls;
        else if (cls !== this.zoneClass) {
          this.err(`class ${classToText(cls)} differs from the zone's class ${classToText(this.zoneClass)}`, file, line);
          continue;
        }
      } else {
        if (this.zoneClass === 0) this.zoneClass = CLASS_IN;
        cls = this.zoneClass;
      }

      // RDATA.
      const w = this.writer.reset();
      try {
        encodeRdata(type, this.fields.reset(tok, quoted, i, n, origin), w);
      } catch (e) {
        if (e instanceof RdataError) {
          this.err(`${typeToText(type)}: ${e.message}`, file, line);
          continue;
        }
        throw e;
      }
      if (ownerBad || owner === null) continue;
      const rdata = this.bytes.copy(w.buf, w.len);

      // TTL (BIND semantics: explicit, else $TTL, else previous record's, else SOA minimum).
      if (ttl >= 0) {
        this.lastTtl = ttl;
        this.lastTtlKnown = true;
      } else if (this.defaultTtlKnown) {
        ttl = this.defaultTtl;
      } else if (this.lastTtlKnown) {
        ttl = this.lastTtl;
      } else if (type === TYPE_SOA && rdata.length >= 20) {
        const k = rdata.length - 4;
        ttl = ((rdata[k] << 24) | (rdata[k + 1] << 16) | (rdata[k + 2] << 8) | rdata[k + 3]) >>> 0;
        if (ttl > MAX_TTL) ttl = MAX_TTL;
        this.defaultTtl = ttl;
        this.defaultTtlKnown = true;
      } else {
        this.err('no TTL specified and no $TTL or previous TTL to use', file, line);
        continue;
      }

      if (type === TYPE_SOA && this.soaOwner === null) this.soaOwner = owner;
      this.sawRecord = true;
      this.add({ owner, type, class: cls, ttl, rdata, source: { file, line } });
      if (this.records.length > this.maxRecords) {
        this.records.pop();
        this.err(`too many records: more than ${this.maxRecords}`, file, line);
        this.aborted = true;
      }
    }
  }

  /** Append a record unless an identical one (owner, type, class, TTL, RDATA) exists. */
  private add(rr: ResourceRecord): void {
    let h = hashLower(rr.owner, 0, rr.owner.length);
    h = Math.imul(h ^ rr.type, 0x01000193);
    h = Math.imul(h ^ rr.ttl, 0x01000193);
    h = fnv(h, rr.rdata) | 0;
    let i = h & this.dupMask;
    for (;;) {
      const s = this.dupSlots[i];
      if (s === 0) break;
      if (this.dupHash[i] === h) {
        const o = this.records[s - 1];
        if (o.type === rr.type && o.class === rr.class && o.ttl === rr.ttl && bytesEqual(o.rdata, rr.rdata) && nameEquals(o.owner, rr.owner)) {
          // Duplicate: BIND, Knot and NSD drop it; say so, it is probably an editing slip.
          const first = o.source.file === rr.source.file ? `line ${o.source.line}` : `${o.source.file}:${o.source.line}`;
          this.warnings.push(new ZoneDataError(`duplicate record ignored (the same as at ${first})`, rr.source.file, rr.source.line, WARN_ZONE_DATA));
          return;
        }
      }
      i = (i + 1) & this.dupMask;
    }
    this.records.push(rr);
    this.dupSlots[i] = this.records.length;
    this.dupHash[i] = h;
    if (this.records.length * 2 > this.dupMask) this.growDup();
  }

  private growDup(): void {
    ({ slots: this.dupSlots, hashes: this.dupHash } = doubleSlots(this.dupSlots, this.dupHash));
    this.dupMask = this.dupSlots.length - 1;
  }

  private include(arg: string, origin: WireName | null, owner: WireName | null, file: string, line: number, depth: number, stack: string[]): void {
    const incFile = path.isAbsolute(arg) ? arg : path.join(path.dirname(file), arg);
    if (depth + 1 > this.maxDepth) {
      this.err(`$INCLUDE nested more than ${this.maxDepth} deep`, file, line);
      return;
    }
    const resolved = path.resolve(incFile);
    if (stack.includes(resolved)) {
      this.err(`$INCLUDE loop: ${incFile} is already being read`, file, line);
      return;
    }
    let text: string;
    try {
      text = readZoneText(incFile);
    } catch (e) {
      this.err(`cannot read $INCLUDE file ${incFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file, line);
      return;
    }
    if (!this.files.includes(incFile)) this.files.push(incFile);
    stack.push(resolved);
    this.readText(text, incFile, depth + 1, stack, origin, owner);
    stack.pop();
  }
}
