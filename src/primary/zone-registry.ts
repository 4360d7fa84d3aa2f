// Per-zone status on the primary — what is served, since when, the last load error, DNSSEC
// signature state, load counts — read by /zones and /metrics.

import type { DenialKind } from '../zone/signatures.ts';
import type { LoadedZone } from './zone-loader.ts';

export interface ZoneStatus {
  /** The zone's origin, lowercase with the trailing dot (a best guess for a zone never loaded). */
  name: string;
  /** The file of the version served, else the file that last failed. */
  file: string;
  /** null until a version has loaded. */
  serial: number | null;
  records: number;
  imageBytes: number;
  /** When the version served was loaded; null if none has. */
  loadedAt: Date | null;
  /** The last load's error (first problem, `FILE:LINE: message`), null once a load succeeds. */
  lastError: string | null;
  signed: boolean;
  denial: DenialKind;
  /** Earliest RRSIG expiration of the version served. */
  signatureExpiry: Date | null;
  loads: { ok: number; error: number };
  /** Check warnings of the version served (zone files). */
  warnings: number;
  /** Versions whose content changed while the serial did not (--serial-policy). */
  serialUnchanged: number;
}

/** The JSON shape of one zone in GET /zones. */
export interface ZoneJson {
  [detail: string]: unknown;
  name: string;
  serial: number | null;
  records: number;
  file: string;
  loadedAt: string | null;
  lastError: string | null;
  signed: boolean;
  denial: DenialKind;
  signatureExpiry: string | null;
}

/** More fields of a zone in GET /zones, from whoever knows them (NOTIFY state, transfer state, source). */
export type ZoneDetails = (zone: ZoneStatus) => Record<string, unknown> | undefined;

export class ZoneRegistry {
  private readonly zones = new Map<string, ZoneStatus>();
  private readonly details: ZoneDetails[] = [];

  /** Add fields to each zone of GET /zones (computed when asked). */
  addDetails(details: ZoneDetails): void {
    this.details.push(details);
  }

  /** A version of the zone now serves. */
  loaded(zone: LoadedZone): void {
    const status = this.entry(zone.origin, zone.file);
    status.file = zone.file;
    status.serial = zone.serial;
    status.records = zone.records;
    status.imageBytes = zone.image.byteLength;
    status.loadedAt = zone.loadedAt;
    status.lastError = null;
    status.signed = zone.signatures.signed;
    status.denial = zone.signatures.denial;
    status.signatureExpiry = zone.signatures.signed ? zone.signatures.earliestExpiration : null;
    status.loads.ok++;
    status.warnings = zone.warnings?.count ?? 0;
  }

  /** A version of the zone changed its content but not its serial (counted whatever the policy). */
  serialUnchanged(name: string): void {
    const status = this.zones.get(name);
    if (status !== undefined) status.serialUnchanged++;
  }

  /** A load failed; the version served before (if any) keeps serving and keeps its numbers. */
  failed(name: string, file: string, error: string): void {
    const status = this.entry(name, file);
    if (status.loadedAt === null) status.file = file;
    status.lastError = error;
    status.loads.error++;
  }

  /** Something to show as the zone's last error that is not a failed load (its file is gone). */
  noted(name: string, message: string): void {
    const status = this.zones.get(name);
    if (status !== undefined) status.lastError = message;
  }

  /** The zone is no longer configured (its file left a zone directory): forget it. */
  remove(name: string): void {
    this.zones.delete(name);
  }

  get(name: string): ZoneStatus | undefined {
    return this.zones.get(name);
  }

  /** Every zone known, served or not, in name order. */
  list(): ZoneStatus[] {
    return [...this.zones.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The zones that have a version serving. */
  serving(): ZoneStatus[] {
    return this.list().filter((z) => z.loadedAt !== null);
  }

  toJSON(): ZoneJson[] {
    return this.list().map((z) => ({
      name: z.name,
      serial: z.serial,
      records: z.records,
      file: z.file,
      loadedAt: z.loadedAt?.toISOString() ?? null,
      lastError: z.lastError,
      signed: z.signed,
      denial: z.denial,
      signatureExpiry: z.signatureExpiry?.toISOString() ?? null,
      ...Object.assign({}, ...this.details.map((d) => d(z))),
    }));
  }

  private entry(name: string, file: string): ZoneStatus {
    let status = this.zones.get(name);
    if (status === undefined) {
      status = {
        name,
        file,
        serial: null,
        records: 0,
        imageBytes: 0,
        loadedAt: null,
        lastError: null,
        signed: false,
        denial: 'none',
        signatureExpiry: null,
        loads: { ok: 0, error: 0 },
        warnings: 0,
        serialUnchanged: 0,
      };
      this.zones.set(name, status);
    }
    return status;
  }
}
