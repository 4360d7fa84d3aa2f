// One change to a served zone, from its current image and transfer form to the new ones: the
// records folded and applied (record-store.ts), then the image patched (incremental.ts) — or,
// when patching is not possible or the image holds too much garbage, left to a full compile of
// the new records (zoneFromForm). Runs in a build thread (build-worker.ts) or anywhere else.

import type { ResourceRecord, Zone } from '../zone/model.ts';
import { lowerName } from '../zone/name.ts';
import { TransferForm } from '../transfer/zone-records.ts';
import { compileIncremental, needsCompaction, type IncrementalLimits, type IncrementalResult, type IncrementalState } from './incremental.ts';
import { applyNetChange, netChange, RecordStore, type ChangeStep } from './record-store.ts';

export interface ChangeInput {
  image: SharedArrayBuffer;
  form: SharedArrayBuffer;
  steps: ChangeStep[];
  /** Presentation form, for errors. */
  origin: string;
  state?: IncrementalState;
  limits?: IncrementalLimits;
}

export interface ChangeOutput {
  /** The new version's transfer form. */
  form: SharedArrayBuffer;
  result: IncrementalResult;
}

/** Apply the steps; the image is patched unless `result.ok` is false (then compile `form` fully). */
export function applyChange(input: ChangeInput): ChangeOutput {
  const store = new RecordStore(input.form);
  const net = netChange(store, input.steps, input.origin);
  const form = applyNetChange(store, net);
  if (input.state !== undefined && needsCompaction(input.image, input.state)) {
    return { form, result: { ok: false, reason: 'compaction' } };
  }
  return { form, result: compileIncremental(input.image, new RecordStore(form), net, input.state, input.limits) };
}

/** The zone model of a transfer form (records in its order), for a full compile. */
export function zoneFromForm(form: SharedArrayBuffer, source: string): Zone {
  const records: ResourceRecord[] = [];
  let line = 0;
  for (const r of new TransferForm(form).records()) {
    records.push({ owner: r.owner.slice(), type: r.type, class: r.class, ttl: r.ttl, rdata: r.rdata.slice(), source: { file: source, line: ++line } });
  }
  return { origin: lowerName(records[0].owner), records, files: [] };
}
