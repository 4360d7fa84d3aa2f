// Shared helpers for the zone tests.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import type { ParseResult } from '../../src/zone/parse-zone.ts';
import { parseName } from '../../src/zone/name.ts';
import type { ResourceRecord } from '../../src/zone/model.ts';

export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const fixtures = path.join(repoRoot, 'test/zone/fixtures');


/** dns-packet's per-type RDATA encoders (not in its type declarations). */
type Encoder = { encode(data: unknown): Buffer };
const packet = createRequire(import.meta.url)('dns-packet') as Record<string, Encoder>;

/** dns-packet's encoding of one RDATA, without its 2-byte RDLENGTH prefix. */
export function pk(type: string, data: unknown): Uint8Array {
  return new Uint8Array(packet[type].encode(data).subarray(2));
}

export const n = (s: string): Uint8Array => parseName(s, null);

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** Parse text as a zone with origin example.com. */
export function parse(text: string, file = 'test.zone'): ParseResult {
  return parseZoneText(text, file, { origin: n('example.com.'), defaultTtl: 3600 });
}

/** Parse zone text that must have no errors; returns the records. */
export function records(text: string): ResourceRecord[] {
  const r = parse(text);
  if (r.errors.length > 0) throw new Error(r.errors.map(String).join('\n'));
  return r.zone.records;
}

/** RDATA of a single record `@ TYPE text`. */
export function rd(type: string, text: string): Uint8Array {
  const rrs = records(`@ IN ${type} ${text}\n`);
  if (rrs.length !== 1) throw new Error(`expected 1 record, got ${rrs.length}`);
  return rrs[0].rdata;
}

/** The errors (as FILE:LINE: message strings) of parsing `@ TYPE text`. */
export function rdErr(type: string, text: string): string[] {
  return parse(`@ IN ${type} ${text}\n`).errors.map(String);
}
