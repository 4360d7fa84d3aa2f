// The build thread of the build pool (build-pool.ts): read, parse, check and compile one zone file,
// off the primary's event loop. Its heap (gigabytes for a million-record zone) goes with the
// thread when the pool lets it idle out.

import { buildTinydns, encodeTinydnsResult, type TinydnsBuildTask, type TinydnsWireResult } from '../sources/tinydns/build.ts';
import { encodeResult, type WireResult } from './build-result.ts';
import { loadZone, type LoadOptions } from './zone-loader.ts';
import { runChange, type ChangeResult, type ChangeTask } from './zone-change.ts';

/** A zone file (no `kind`), a tinydns data file and every zone in it, or a change to a served zone. */
export type BuildTask = ZoneFileTask | TinydnsBuildTask | ChangeTask;

export interface ZoneFileTask {
  kind?: undefined;
  file: string;
  origin: string | null;
  /** Epoch ms signatures are judged against (default: now). */
  now?: number;
  expiryWarningSeconds?: number;
  transferForm?: boolean;
  serialPolicy?: LoadOptions['serialPolicy'];
  serialBase?: LoadOptions['serialBase'];
  zonemdVerify?: boolean;
}

export default function build(task: BuildTask): WireResult | TinydnsWireResult | ChangeResult {
  if (task.kind === 'tinydns') return encodeTinydnsResult(buildTinydns(task));
  if (task.kind === 'change') return runChange(task);
  const result = loadZone(task.file, task.origin, {
    now: task.now === undefined ? undefined : new Date(task.now),
    expiryWarningSeconds: task.expiryWarningSeconds,
    transferForm: task.transferForm,
    serialPolicy: task.serialPolicy,
    serialBase: task.serialBase,
    zonemdVerify: task.zonemdVerify,
  });
  return encodeResult(result);
}
