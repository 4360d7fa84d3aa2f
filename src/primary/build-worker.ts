// The build thread of the build pool (build-pool.ts): read, parse, check and compile one zone file,
// off the primary's event loop. Its heap (gigabytes for a million-record zone) goes with the
// thread when the pool lets it idle out.

import { buildTinydns, encodeTinydnsResult, type TinydnsBuildTask, type TinydnsWireResult } from '../sources/tinydns/build.ts';
import { encodeResult, type WireResult } from './build-result.ts';
import { loadZone } from './zone-loader.ts';

/** A zone file (no `kind`), or a tinydns data file and every zone in it. */
export type BuildTask = ZoneFileTask | TinydnsBuildTask;

export interface ZoneFileTask {
  kind?: undefined;
  file: string;
  origin: string | null;
  /** Epoch ms signatures are judged against (default: now). */
  now?: number;
  expiryWarningSeconds?: number;
  transferForm?: boolean;
  zonemdVerify?: boolean;
}

export default function build(task: BuildTask): WireResult | TinydnsWireResult {
  if (task.kind === 'tinydns') return encodeTinydnsResult(buildTinydns(task));
  const result = loadZone(task.file, task.origin, {
    now: task.now === undefined ? undefined : new Date(task.now),
    expiryWarningSeconds: task.expiryWarningSeconds,
    transferForm: task.transferForm,
    zonemdVerify: task.zonemdVerify,
  });
  return encodeResult(result);
}
