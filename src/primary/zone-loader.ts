// One zone file to one servable image: readZone, then compile, plus what the logs, /zones and
// /metrics say about it (serial, size, DNSSEC signature status).

import { readFileSync } from 'node:fs';
import { compile, type CompiledZone } from '../compile/compile-zone.ts';
import { PeregrineError } from '../errors.ts';
import type { Zone } from '../zone/model.ts';
import { nameToText } from '../zone/name.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS, signatureStatus, type DenialKind } from '../zone/signatures.ts';
import { encodeTransfer, transferRecords } from '../transfer/zone-records.ts';
import { zonemdError } from '../zone/zonemd.ts';
import { originFromFileName, parseOrigin, readZone } from './zone-reader.ts';
import { contentFingerprint, incrementedSerial, setZoneSerial, zoneSerial, type SerialBase, type SerialPolicy } from '../sources/files/serial-policy.ts';
import { problemText } from './zone-log.ts';

/** Warning lines kept with a loaded zone for the log (the count covers them all). */
export const MAX_KEPT_WARNINGS = 50;

/** The signature status of a loaded zone, reduced to what is kept while it serves. */
export interface SignatureSummary {
  signed: boolean;
  denial: DenialKind;
  /** Earliest RRSIG expiration in the zone; null when it has no RRSIG. */
  earliestExpiration: Date | null;
  /** RRsets whose earliest signature had expired at load time. */
  expired: number;
  /** RRsets whose earliest signature was valid at load time but expires within the window. */
  expiring: number;
}

export interface LoadedZone {
  /** Presentation form, lowercase, with the trailing dot. */
  origin: string;
  file: string;
  /** Every file read to build it: `file`, then its $INCLUDEs (watched for changes). */
  files: string[];
  serial: number;
  /** Records served (class IN), as the compiler counts them. */
  records: number;
  image: SharedArrayBuffer;
  /** More images of the zone, each for the clients of one tinydns location (see image/layout.ts). */
  variants?: SharedArrayBuffer[];
  /** The images of the zone's geo views, one per owner and view (image/geo-view.ts); set at publication. */
  geoViews?: SharedArrayBuffer[];
  loadedAt: Date;
  signatures: SignatureSummary;
  /**
   * The records in transfer form (src/transfer/zone-records.ts documents the layout), for
   * AXFR/IXFR and the secondary's state file; absent only in hand-built test zones.
   */
  transfer?: SharedArrayBuffer;
  /** Check warnings of this version (zone files): how many, and the first as `FILE:LINE: message`. */
  warnings?: { count: number; lines: string[] };
  /** Zone files: the serial written in the file (`serial` differs under --serial-policy increment). */
  fileSerial?: number;
  /** Zone files: the content without the SOA serial (serial-policy.ts), to see a change the serial does not show. */
  fingerprint?: string;
}

export type LoadResult =
  | { ok: true; zone: LoadedZone }
  /** `origin` is the best guess at the zone's name, for /zones and metrics labels. */
  | { ok: false; errors: PeregrineError[]; origin: string };

export interface LoadOptions {
  /** The time signatures are judged against (default: now). */
  now?: Date;
  /** Signatures expiring within this many seconds count as expiring (default 7 days). */
  expiryWarningSeconds?: number;
  /**
   * Build the transfer form too (default true). Without --allow-transfer, TSIG keys or --notify
   * nobody can transfer from us: serve skips it for zone files, whose million-record zones would
   * otherwise carry ~40 % more memory and build time for nothing.
   */
  transferForm?: boolean;
  /** Zone files: --serial-policy; `increment` serves a serial decided from `serialBase`. */
  serialPolicy?: SerialPolicy;
  /** Under `increment`: the last served serial and fingerprint (null: none yet). */
  serialBase?: SerialBase | null;
  /** Verify the zone's ZONEMD (RFC 8976) if it has one; a mismatch refuses this version (PGN_ERR_ZONEMD). */
  zonemdVerify?: boolean;
}

/** readZone, then compile. An image that does not fit the format is an error like any other. */
export function loadZone(file: string, origin: string | null = null, options: LoadOptions = {}): LoadResult {
  const read = readZone(file, origin);
  if (!read.ok) return { ok: false, errors: read.errors, origin: guessOrigin(file, origin) };
  const fingerprint = contentFingerprint(read.zone);
  const fileSerial = zoneSerial(read.zone) ?? 0;
  if (options.serialPolicy === 'increment') {
    const serial = incrementedSerial(fileSerial, fingerprint, options.serialBase ?? null);
    if (serial !== fileSerial) setZoneSerial(read.zone, serial);
  }
  const result = loadZoneModel(read.zone, file, options);
  if (!result.ok) return result;
  result.zone.fileSerial = fileSerial;
  result.zone.fingerprint = fingerprint;
  if (read.warnings.length > 0) {
    result.zone.warnings = {
      count: read.warnings.length,
      lines: read.warnings.slice(0, MAX_KEPT_WARNINGS).map((w) => problemText(file, w)),
    };
  }
  return result;
}

/**
 * A checked zone model to a servable image: what every source that is not a zone file (tinydns
 * data, transfers, the control API, services) calls once it has built its `Zone`. `file` is what
 * /zones and the logs show as where the zone came from (a path, or a description such as
 * `axfr://192.0.2.1:53`).
 */
export function loadZoneModel(zone: Zone, file: string, options: LoadOptions = {}): LoadResult {
  const origin = nameToText(zone.origin).toLowerCase();
  if (options.zonemdVerify === true) {
    const mismatch = zonemdError(zone, file);
    if (mismatch !== null) return { ok: false, errors: [mismatch], origin };
  }
  let compiled: CompiledZone;
  try {
    compiled = compile(zone);
  } catch (err) {
    if (err instanceof PeregrineError) return { ok: false, errors: [err], origin };
    throw err;
  }
  const now = options.now ?? new Date();
  const status = signatureStatus(zone, now, options.expiryWarningSeconds ?? DEFAULT_EXPIRY_WARNING_SECONDS);
  return {
    ok: true,
    zone: {
      origin,
      file,
      files: zone.files,
      serial: compiled.serial,
      records: compiled.records,
      image: compiled.image,
      transfer: options.transferForm === false ? undefined : encodeTransfer(transferRecords(zone)),
      loadedAt: now,
      signatures: {
        // What the image serves decides "signed"; the rest describes the records behind it.
        signed: compiled.signed,
        denial: compiled.signed ? status.denial : 'none',
        earliestExpiration: status.earliestExpiration,
        expired: status.expired.length,
        expiring: status.expiring.length,
      },
    },
  };
}

const DOLLAR_ORIGIN = /^[ \t]*\$ORIGIN[ \t]+([^\s;]+)/im;

/**
 * The name a zone that failed to load goes by: the operator's origin, else the file's first
 * absolute $ORIGIN, else the file name (readZone's rules, without parsing the rest of the file).
 */
export function guessOrigin(file: string, origin: string | null): string {
  let text = origin;
  if (text === null) {
    try {
      const m = DOLLAR_ORIGIN.exec(readFileSync(file, 'latin1'));
      if (m !== null && m[1].endsWith('.')) text = m[1];
    } catch {
      // unreadable: the file name is all there is
    }
  }
  text ??= originFromFileName(file);
  try {
    return nameToText(parseOrigin(text)).toLowerCase();
  } catch {
    return text;
  }
}
