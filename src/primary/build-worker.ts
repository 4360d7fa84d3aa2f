// The build thread of the build pool (build-pool.ts): read, parse, check and compile one zone file,
// off the primary's event loop. Its heap (gigabytes for a million-record zone) goes with the
// thread when the pool lets it idle out.

import { encodeResult, type WireResult } from './build-result.ts';
import { loadZone } from './zone-loader.ts';

export interface BuildTask {
  file: string;
  origin: string | null;
  /** Epoch ms signatures are judged against (default: now). */
  now?: number;
  expiryWarningSeconds?: number;
}

export default function build(task: BuildTask): WireResult {
  const result = loadZone(task.file, task.origin, {
    now: task.now === undefined ? undefined : new Date(task.now),
    expiryWarningSeconds: task.expiryWarningSeconds,
  });
  return encodeResult(result);
}
