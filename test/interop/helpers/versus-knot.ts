// Knot DNS vs Peregrine on the same zone files (knot.test.ts, dnssec.test.ts): start both,
// run a corpus against both, log the accepted differences and fail on any other, with the
// listing in the error and in $TMPDIR/peregrine-interop-NAME.txt.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../corpus.ts';
import { startKnot, type KnotHandle, type TsigKey, type ZoneFile } from './knotd.ts';
import { startPeregrine, type PeregrineHandle } from './peregrine.ts';
import { compareServers, formatReport, type AcceptedDifference, type CorpusCase, type QueryResult } from './run.ts';

export interface Servers {
  knot: KnotHandle;
  peregrine: PeregrineHandle;
}

export interface StartOptions {
  /** knotd allows AXFR signed with this key (to read the zone back). */
  transferKey?: TsigKey;
  /** Readiness timeout of each server (their own defaults if omitted). */
  timeoutMs?: number;
  /** Peregrine's UDP I/O (`--io`); omitted: its default. */
  io?: 'dgram' | 'mmsg';
}

/** knotd, then `peregrine serve`, on the same zones; knotd is stopped again if Peregrine fails. */
export async function startBoth(zones: ZoneFile[], opts: StartOptions = {}): Promise<Servers> {
  const knot = await startKnot({ zones, transferKey: opts.transferKey, timeoutMs: opts.timeoutMs });
  try {
    const extraArgs = opts.io === undefined ? [] : ['--io', opts.io];
    const peregrine = await startPeregrine({ root: REPO_ROOT, zones, timeoutMs: opts.timeoutMs, extraArgs });
    return { knot, peregrine };
  } catch (err) {
    await knot.stop();
    throw err;
  }
}

/** Every case to both servers, knotd the reference; differences in `accepted` are set apart. */
export function compareWithKnot(s: Servers, cases: CorpusCase[], accepted: AcceptedDifference[]): Promise<QueryResult[]> {
  return compareServers({ name: 'knotd', port: s.knot.port }, { name: 'peregrine', port: s.peregrine.port }, cases, accepted);
}

export interface ReportOptions {
  /** Rewrites the listing (formatReport, knotd vs peregrine) before it is shown. */
  render?: (listing: string) => string;
  /** Put before the listing, in the error and in the file. */
  head?: (results: QueryResult[]) => string;
}

/** Listings longer than this go to the report file only (the error keeps the head). */
const MAX_ERROR_CHARS = 200_000;

/**
 * Log the accepted differences (a count per reason); if any query has another difference,
 * write the listing to $TMPDIR/peregrine-interop-`reportName`.txt and throw it.
 */
export function report(results: QueryResult[], reportName: string, opts: ReportOptions = {}): QueryResult[] {
  const accepted = results.filter((r) => r.accepted.length > 0);
  if (accepted.length > 0) {
    const byReason = new Map<string, number>();
    for (const r of accepted) for (const a of r.accepted) byReason.set(a.reason, (byReason.get(a.reason) ?? 0) + 1);
    const lines = [...byReason].map(([reason, n]) => `  ${n} x accepted: ${reason.slice(0, 100)}...`);
    console.log(`${reportName}: ${accepted.length} queries with accepted differences\n${lines.join('\n')}`);
  }
  const bad = results.filter((r) => r.diffs.length > 0);
  if (bad.length > 0) {
    const formatted = formatReport(results, 'knotd', 'peregrine');
    const listing = opts.render ? opts.render(formatted) : formatted;
    const head = opts.head ? opts.head(results) : '';
    const file = path.join(tmpdir(), `peregrine-interop-${reportName}.txt`);
    writeFileSync(file, `${head}${listing}\n`);
    const shown = listing.length > MAX_ERROR_CHARS ? `${listing.slice(0, MAX_ERROR_CHARS)}\n... (cut; the rest is in the file)` : listing;
    throw new Error(`${head}${shown}\n\n(the full listing is in ${file})`);
  }
  return results;
}

/** compareWithKnot, then report. */
export async function compareAll(
  s: Servers,
  cases: CorpusCase[],
  accepted: AcceptedDifference[],
  reportName: string,
  opts: ReportOptions = {},
): Promise<QueryResult[]> {
  return report(await compareWithKnot(s, cases, accepted), reportName, opts);
}
