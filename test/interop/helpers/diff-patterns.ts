// Group a comparison's differing queries by the shape of their differences (which fields,
// which record types only one server sent), so a listing of hundreds of queries starts with
// the handful of distinct problems behind them.
import type { FieldDiff } from './compare.ts';
import { readableDnssec } from './dnssec-render.ts';
import type { QueryResult } from './run.ts';

const RECORD_FIELDS = new Set(['answer', 'authority', 'additional']);

/** "TYPE" of a normalized record line, "RRSIG(TYPE)" for signatures. */
function recordShape(text: string): string {
  const parts = readableDnssec(text).split(' ');
  return parts[3] === 'RRSIG' ? `RRSIG(${parts[4]})` : parts[3];
}

function diffShape(d: FieldDiff, refName: string, sutName: string): string[] {
  if (RECORD_FIELDS.has(d.field) && Array.isArray(d.expected) && Array.isArray(d.actual)) {
    const exp = d.expected;
    const act = d.actual;
    const out = new Set<string>();
    for (const x of exp) if (!act.includes(x)) out.add(`${d.field}: only ${refName} ${recordShape(x)}`);
    for (const x of act) if (!exp.includes(x)) out.add(`${d.field}: only ${sutName} ${recordShape(x)}`);
    return [...out];
  }
  if (Array.isArray(d.expected) || Array.isArray(d.actual)) return [`${d.field} differs`];
  return [`${d.field}: ${refName} ${d.expected ?? '(absent)'}, ${sutName} ${d.actual ?? '(absent)'}`];
}

/** The distinct difference patterns, most frequent first, each with a few example labels. */
export function diffPatterns(results: QueryResult[], refName: string, sutName: string, examples = 6): string {
  const groups = new Map<string, string[]>();
  for (const r of results) {
    if (r.diffs.length === 0) continue;
    const key = [...new Set(r.diffs.flatMap((d) => diffShape(d, refName, sutName)))].sort().join('\n');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r.label);
  }
  const out: string[] = [];
  for (const [key, labels] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    out.push(`${labels.length} queries:`);
    for (const line of key.split('\n')) out.push(`    ${line}`);
    for (const l of labels.slice(0, examples)) out.push(`  e.g. [${l}]`);
    if (labels.length > examples) out.push(`  ... and ${labels.length - examples} more`);
  }
  return out.join('\n');
}
