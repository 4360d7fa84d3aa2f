// Shared helpers for the primary's tests.

import type { Logger } from '../../src/primary/log.ts';
import type { LoadedZone } from '../../src/primary/zone-loader.ts';

/** A loaded zone with an empty image of `bytes` bytes (publisher and worker tests never read it). */
export function fakeZone(origin: string, bytes: number, extra: Partial<LoadedZone> = {}): LoadedZone {
  return {
    origin,
    file: `${origin}zone`,
    files: [`${origin}zone`],
    serial: 1,
    records: 1,
    image: new SharedArrayBuffer(bytes),
    loadedAt: new Date(0),
    signatures: { signed: false, denial: 'none', earliestExpiration: null, expired: 0, expiring: 0 },
    ...extra,
  };
}

/** YYYYMMDDHHmmSS for an RRSIG time field. */
export function sigTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * A small NSEC-signed zone (relative names, so any origin): SOA serial `serial`, a DNSKEY, and one
 * RRSIG per RRset expiring at the times given. Signatures are placeholders: nothing here validates.
 */
export function signedZoneText(serial: number, expires: { soa: Date; ns: Date; a: Date }): string {
  const sig = (owner: string, type: string, at: Date) => `${owner} IN RRSIG ${type} 8 2 300 ${sigTime(at)} 20170801000000 4711 @ AAAA\n`;
  return `$TTL 300
@ IN SOA ns1 hostmaster ${serial} 3600 600 86400 300
@ IN NS ns1
@ IN DNSKEY 257 3 8 AwEAAQ==
@ IN NSEC ns1 NS SOA RRSIG NSEC DNSKEY
ns1 IN A 192.0.2.1
${sig('@', 'SOA', expires.soa)}${sig('@', 'NS', expires.ns)}${sig('ns1', 'A', expires.a)}`;
}

/** One line logged through memoryLog(). */
export interface Line {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

/** A Logger that keeps what is logged (info, warn, error, fatal) in `lines`. */
export function memoryLog(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  const log = { info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal') } as unknown as Logger;
  return { log, lines };
}
