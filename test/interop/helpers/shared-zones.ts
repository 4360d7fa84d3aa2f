// The public copies of the real root zone in ../shared/zones, beside the repository (read there at
// run time, never copied in). Only interop tests read them: a clone alone does not have them.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const sharedZones = path.resolve(import.meta.dirname, '../../../../shared/zones');

/** A clear failure (not a skip) when ../shared/zones is not beside the repository. */
export function requireSharedZones(): void {
  if (!existsSync(sharedZones)) throw new Error(`${sharedZones} not found: these tests read the root zones of ../shared/zones (beside the repository), which a clone alone does not have`);
}
