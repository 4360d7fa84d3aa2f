// A change to a served zone (IXFR in, API edits, health flips) built in a build thread: the
// records applied to the zone's transfer form, the image patched incrementally
// (compile/incremental.ts) or, when that is not possible, the new records checked and compiled
// whole. The primary's event loop only posts the task and publishes the result.

import { applyChange, zoneFromForm } from '../compile/apply-change.ts';
import type { IncrementalState } from '../compile/incremental.ts';
import { RecordStore, type ChangeStep } from '../compile/record-store.ts';
import { PeregrineError } from '../errors.ts';
import { checkZone } from '../zone/check-zone.ts';
import type { ResourceRecord, Zone } from '../zone/model.ts';
import { lowerName, nameLength } from '../zone/name.ts';
import { TYPE_NS } from '../zone/types.ts';
import { encodeError, type WireError } from './build-result.ts';
import { loadZoneModel } from './zone-loader.ts';
import { writeStateFile } from '../sources/secondary/state-file.ts';
import { TransferForm } from '../transfer/zone-records.ts';

export interface ChangeTask {
  kind: 'change';
  image: SharedArrayBuffer;
  form: SharedArrayBuffer;
  steps: ChangeStep[];
  origin: string;
  /** What logs and /zones show as the zone's source (`axfr://…`, a file). */
  source: string;
  state?: IncrementalState;
  /** Save the new version there too (a secondary's state file), off the primary's event loop. */
  saveTo?: { file: string; origin: string; peer: string };
}

export type ChangeResult =
  | {
    ok: true;
    image: SharedArrayBuffer;
    form: SharedArrayBuffer;
    /** Set after an incremental compile; absent after a full one (the next change starts afresh). */
    state?: IncrementalState;
    how: 'incremental' | 'full';
    /** Why a full compile was needed. */
    reason?: string;
    serial: number;
    records: number;
    signed: boolean;
    /** Nodes replanned (incremental). */
    replanned: number;
    ms: number;
    /** The state file could not be written (the version is served all the same). */
    saveError?: string;
  }
  | { ok: false; errors: WireError[] };

/** The zone checks (check-zone.ts) over the names a change touched, the apex and their NS targets. */
function localProblems(form: SharedArrayBuffer, owners: Uint8Array[], source: string): string[] {
  const store = new RecordStore(form);
  const apex = lowerName(store.owner(0));
  const records: ResourceRecord[] = [];
  const seen = new Set<string>();
  const take = (name: Uint8Array): void => {
    const key = Buffer.from(lowerName(name)).toString('latin1');
    if (seen.has(key)) return;
    seen.add(key);
    const [from, to] = store.rangeOf(name);
    for (let i = from; i < to; i++) {
      const r = store.record(i);
      records.push({ ...r, source: { file: source, line: i } });
    }
  };
  const soa = store.record(0);
  records.push({ ...soa, source: { file: source, line: 0 } });
  take(apex);
  for (const o of owners) take(o);
  for (const r of [...records]) {
    if (r.type === TYPE_NS) take(r.rdata.subarray(0, nameLength(r.rdata, 0)));
  }
  const zone: Zone = { origin: apex, records, files: [source] };
  return checkZone(zone).map((e) => e.message);
}

export function runChange(task: ChangeTask): ChangeResult {
  const result = changeOnly(task);
  if (result.ok && task.saveTo !== undefined) {
    try {
      writeStateFile(task.saveTo.file, task.saveTo.origin, task.saveTo.peer, new TransferForm(result.form).records());
    } catch (err) {
      result.saveError = (err as Error).message;
    }
  }
  return result;
}

function changeOnly(task: ChangeTask): ChangeResult {
  const started = performance.now();
  try {
    const out = applyChange({ image: task.image, form: task.form, steps: task.steps, origin: task.origin, state: task.state });
    if (out.result.ok) {
      const owners = task.steps.flatMap((s) => [...s.deleted, ...s.added].map((r) => r.owner));
      const problems = localProblems(out.form, owners, task.source);
      if (problems.length > 0) {
        return { ok: false, errors: [encodeError(new PeregrineError('PGN_ERR_ZONE_CHECK', `changed zone fails its checks: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { zone: task.origin }))] };
      }
      const r = out.result;
      return {
        ok: true, image: r.image, form: out.form, state: r.state, how: 'incremental', serial: r.serial, records: r.records,
        signed: r.signed, replanned: r.replanned, ms: performance.now() - started,
      };
    }
    const zone = zoneFromForm(out.form, task.source);
    const problems = checkZone(zone);
    if (problems.length > 0) {
      return { ok: false, errors: [encodeError(new PeregrineError('PGN_ERR_ZONE_CHECK', `changed zone fails its checks: ${problems[0].message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { zone: task.origin }))] };
    }
    const loaded = loadZoneModel(zone, task.source, { transferForm: false });
    if (!loaded.ok) return { ok: false, errors: loaded.errors.map(encodeError) };
    return {
      ok: true, image: loaded.zone.image, form: out.form, how: 'full', reason: out.result.reason, serial: loaded.zone.serial,
      records: loaded.zone.records, signed: loaded.zone.signatures.signed, replanned: 0, ms: performance.now() - started,
    };
  } catch (err) {
    if (err instanceof PeregrineError) return { ok: false, errors: [encodeError(err)] };
    throw err;
  }
}
