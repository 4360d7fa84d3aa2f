// Run a query corpus against two servers and collect per-field differences.
import { buildQuery, randomId, tcpQueryPartial, udpQuery, type QuerySpec } from './dns-client.ts';
import { describe, diffNormalized, formatDiff, normalize, type FieldDiff, type Normalized } from './compare.ts';

/** A hand-crafted query message (malformed on purpose); bytes 0-1 get a fresh id. */
export interface RawQuery {
  raw: Buffer;
  /** What the bytes are, for the listing. */
  what: string;
}

export type CorpusQuery = QuerySpec | RawQuery;

export interface CorpusCase {
  /** Unique, readable label, e.g. "udp edns1232 www.interop.test. IN A". */
  label: string;
  transport: 'udp' | 'tcp';
  /** One query for UDP; one or more for TCP (all pipelined on one connection). */
  queries: CorpusQuery[];
  /** Per-query timeout (default 1500 ms); cases where no answer is expected use less. */
  timeoutMs?: number;
}

export interface Endpoint {
  name: string;
  port: number;
}

export interface AcceptedDifference {
  /** Matched against the case label (substring or RegExp). */
  label: string | RegExp;
  /** Field name (exact or RegExp); see compare.ts for the list. */
  field: string | RegExp;
  /** Why this difference is acceptable. Required. */
  reason: string;
}

export interface QueryResult {
  label: string;
  query: Buffer;
  ref: Normalized;
  sut: Normalized;
  diffs: FieldDiff[];
  accepted: Array<FieldDiff & { reason: string }>;
}

function isRaw(q: CorpusQuery): q is RawQuery {
  return (q as RawQuery).raw !== undefined;
}

/** Build the wire queries of a case with fresh ids, distinct within the case. */
export function materialize(c: CorpusCase): Buffer[] {
  const used = new Set<number>();
  return c.queries.map((q) => {
    let id = randomId();
    while (used.has(id)) id = randomId();
    used.add(id);
    if (isRaw(q)) {
      const b = Buffer.from(q.raw);
      if (b.length >= 2) b.writeUInt16BE(id, 0);
      return b;
    }
    return buildQuery({ ...q, id });
  });
}

export async function sendCase(port: number, c: CorpusCase, wire: Buffer[]): Promise<Array<Buffer | undefined>> {
  const timeout = c.timeoutMs ?? 1500;
  if (c.transport === 'udp') {
    if (wire.length !== 1) throw new Error(`${c.label}: UDP cases carry exactly one query`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return [await udpQuery(port, wire[0], timeout)];
      } catch {
        // retried once: loopback UDP loss is rare but not impossible
      }
    }
    return [undefined];
  }
  return tcpQueryPartial(port, wire, timeout * Math.max(1, Math.ceil(wire.length / 4)));
}

function labelMatches(p: string | RegExp, label: string): boolean {
  return typeof p === 'string' ? label.includes(p) : p.test(label);
}
function fieldMatches(p: string | RegExp, field: string): boolean {
  return typeof p === 'string' ? p === field : p.test(field);
}

/** Run every case against both servers (same query bytes to each) and diff. */
export async function compareServers(
  ref: Endpoint,
  sut: Endpoint,
  cases: CorpusCase[],
  accepted: AcceptedDifference[] = [],
  concurrency = 8,
): Promise<QueryResult[]> {
  const results: QueryResult[][] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i];
      const wire = materialize(c);
      const [a, b] = await Promise.all([sendCase(ref.port, c, wire), sendCase(sut.port, c, wire)]);
      results[i] = wire.map((q, j) => {
        const label = wire.length > 1 ? `${c.label} [#${j + 1}]` : c.label;
        const rn = normalize(q, a[j]);
        const sn = normalize(q, b[j]);
        const all = diffNormalized(rn, sn);
        const diffs: FieldDiff[] = [];
        const acc: QueryResult['accepted'] = [];
        for (const d of all) {
          const why = accepted.find((x) => labelMatches(x.label, label) && fieldMatches(x.field, d.field));
          if (why) acc.push({ ...d, reason: why.reason });
          else diffs.push(d);
        }
        return { label, query: q, ref: rn, sut: sn, diffs, accepted: acc };
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results.flat();
}

export function countQueries(cases: CorpusCase[]): number {
  return cases.reduce((n, c) => n + c.queries.length, 0);
}

/** Full readable listing of all unexplained differences. */
export function formatReport(results: QueryResult[], refName: string, sutName: string, verbose = true): string {
  const bad = results.filter((r) => r.diffs.length > 0);
  const out: string[] = [
    `${bad.length} of ${results.length} queries differ between ${refName} (expected) and ${sutName} (actual):`,
  ];
  for (const r of bad) {
    out.push('', `[${r.label}]`);
    for (const d of r.diffs) out.push(formatDiff(d, refName, sutName));
    if (verbose) {
      out.push(`  full ${refName} response:`, indent(describe(r.ref), 4));
      out.push(`  full ${sutName} response:`, indent(describe(r.sut), 4));
    }
  }
  return out.join('\n');
}

function indent(s: string, n: number): string {
  const p = ' '.repeat(n);
  return s
    .split('\n')
    .map((l) => p + l)
    .join('\n');
}
