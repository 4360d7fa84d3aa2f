// The log lines of zone loads: each problem as `FILE:LINE: message`, one result line per load or
// reload, one warning per zone whose DNSSEC signatures expired or soon will.

import { formatDuration } from '../config/duration.ts';
import { PeregrineError, WARN_SIGNATURES_EXPIRED, WARN_SIGNATURES_EXPIRING, ZoneDataError } from '../errors.ts';
import type { Logger } from './log.ts';
import type { LoadedZone } from './zone-loader.ts';

/** A zone file with thousands of bad lines logs this many of them, and counts the rest. */
export const MAX_LOGGED_PROBLEMS = 50;

/** `FILE:LINE: message`, the form operators and editors jump to. */
export function problemText(file: string, err: PeregrineError): string {
  if (err instanceof ZoneDataError) return err.toString();
  return `${err.context.file ?? file}:${err.context.line ?? 0}: ${err.message}`;
}

/** One `zone_error` line per problem (at most MAX_LOGGED_PROBLEMS), each with its code. */
export function logZoneErrors(log: Logger, file: string, errors: PeregrineError[]): void {
  for (const err of errors.slice(0, MAX_LOGGED_PROBLEMS)) {
    log.error({ event: 'zone_error', file: err.context.file ?? file, line: err.context.line, code: err.code }, problemText(file, err));
  }
}

/** The last error shown by /zones: the first problem, and how many more there were. */
export function firstProblem(file: string, errors: PeregrineError[]): string {
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${problemText(file, errors[0])}${more}`;
}

/** The fields every line about a loaded version carries. */
export function zoneFields(zone: LoadedZone): Record<string, unknown> {
  const sig = zone.signatures;
  return {
    zone: zone.origin,
    file: zone.file,
    serial: zone.serial,
    records: zone.records,
    imageBytes: zone.image.byteLength,
    signed: sig.signed,
    denial: sig.denial,
    signatureExpiry: sig.signed ? (sig.earliestExpiration?.toISOString() ?? null) : null,
  };
}

export function zoneSummary(zone: LoadedZone): string {
  const sig = zone.signatures;
  return `serial ${zone.serial}, ${zone.records} records${sig.signed ? `, signed (${sig.denial})` : ''}`;
}

/** One warning line per zone (never per record) when signatures have expired or soon will. */
export function logSignatureExpiry(log: Logger, zone: LoadedZone, windowSeconds: number): void {
  const { expired, expiring, earliestExpiration } = zone.signatures;
  if ((expired === 0 && expiring === 0) || earliestExpiration === null) return;
  const at = earliestExpiration.toISOString();
  const message =
    expired > 0
      ? `${zone.origin}: ${expired} RRSIG set(s) expired, ${expiring} more expire within ${formatDuration(windowSeconds)}; earliest expiry ${at}`
      : `${zone.origin}: ${expiring} RRSIG set(s) expire within ${formatDuration(windowSeconds)}; earliest expiry ${at}`;
  log.warn(
    {
      event: 'signatures_expiring',
      zone: zone.origin,
      file: zone.file,
      expired,
      expiring,
      earliestExpiry: at,
      code: expired > 0 ? WARN_SIGNATURES_EXPIRED : WARN_SIGNATURES_EXPIRING,
    },
    message,
  );
}
